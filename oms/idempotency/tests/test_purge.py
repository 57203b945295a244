"""`oms idempotency purge`: expired keys are deleted, live ones kept."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from oms.idempotency.models import IdempotencyKey
from oms.idempotency.services import purge_expired_keys
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db


def age(key: str, seconds: int) -> None:
    row = IdempotencyKey.objects.get(key=key)
    row.created_date -= timedelta(seconds=seconds)
    row.save(update_fields=["created_date"])


@override_settings(OMS_IDEMPOTENCY_TTL_SECONDS=86400)
def test_purge_deletes_keys_past_their_time_to_live_and_keeps_the_others(api):
    # Given three answered keys: one a day and a second old, one just under a day, one fresh
    for number in ("P-OLD", "P-YOUNG", "P-NEW"):
        api.create_order(minimal_body(number), HTTP_IDEMPOTENCY_KEY=number)
    age("P-OLD", 86401)
    age("P-YOUNG", 86000)
    out = StringIO()
    # When the purge runs
    call_command("idempotency", "purge", stdout=out)
    # Then only the expired key is gone, and the count is reported
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["P-NEW", "P-YOUNG"]
    assert "Purged 1 idempotency key(s) older than 24 h." in out.getvalue()


@override_settings(OMS_IDEMPOTENCY_TTL_SECONDS=60)
def test_purge_works_in_batches_until_nothing_expired_is_left(api):
    # Given five expired keys
    for index in range(5):
        api.create_order(minimal_body(f"B-{index}"), HTTP_IDEMPOTENCY_KEY=f"B-{index}")
    IdempotencyKey.objects.update(
        created_date=IdempotencyKey.objects.first().created_date - timedelta(hours=1)
    )
    # When they are purged two at a time
    purged = purge_expired_keys(batch_size=2)
    # Then all five are deleted
    assert purged == 5
    assert not IdempotencyKey.objects.exists()


def test_purge_requires_an_action():
    # Given the command without its sub-command
    # When it is run
    # Then it refuses with a usage error
    with pytest.raises(CommandError):
        call_command("idempotency")
