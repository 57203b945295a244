"""Key and channel lookups are cached in-process for OMS_API_KEY_CACHE_SECONDS."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oms.channels.models import Channel
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db


def test_a_warm_request_does_not_look_up_the_key_or_the_channel(api):
    # Given a first request that warmed the caches
    api.create_order(minimal_body("C-1"))
    # When a second request comes
    with CaptureQueriesContext(connection) as captured:
        api.create_order(minimal_body("C-2"))
    # Then neither the key nor the channel table is read
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "access_apikey" not in sql and "channels_channel" not in sql


def test_without_caching_a_channel_change_is_seen_at_once(api, settings):
    # Given caching turned off and a request made
    settings.OMS_API_KEY_CACHE_SECONDS = 0
    api.create_order(minimal_body("C-3"))
    # When the channel is deactivated
    Channel.objects.filter(pk=1).update(is_active=False)
    # Then the next request no longer finds it
    assert api.create_order(minimal_body("C-4")).status_code == 404
