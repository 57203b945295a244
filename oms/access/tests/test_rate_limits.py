"""The per-key rate limit through HTTP: a token bucket per API key, 429 past it, the IETF draft's
headers on every answer, bulk creates counted by orders, overrides per key and per channel, the
create lane, the command line and the admin, and one bucket for processes sharing a Redis.

Time never passes by itself here: the buckets refill at 1 per hour unless a test moves the clock
the in-process buckets read (throttled-py's `utils.now_mono_f`)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import Client

from conftest import ApiClient, _free_port
from oms.access.models import ApiKey
from oms.access.services import clear_key_cache, create_api_key
from oms.channels.models import Channel
from oms.core import ratelimit
from oms.orders.api.lane import CreateOrderLane
from oms.orders.tests.payloads import minimal_body
from oms.orders.tests.test_lane import CountingApp, auth, call

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/channel/1/orders/"
BULK = "/api/v1/channel/1/create_orders/bulk/"
HOUR = 3600


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The clock of the in-process buckets, moved by the test."""
    clock = Clock()
    monkeypatch.setattr("throttled.utils.now_mono_f", clock)
    return clock


@pytest.fixture
def limit(settings, clock):
    """Set the default limit: `limit("1/h", burst=3)`. The in-process buckets' clock stands still
    unless the test moves it, so the figures in the headers do not depend on the machine's speed."""

    def set_limit(rate: str, *, burst: int) -> None:
        settings.OMS_RATE_LIMIT = rate
        settings.OMS_RATE_LIMIT_BURST = burst

    return set_limit


def remaining(response) -> int:
    name, _, parameters = response["RateLimit"].partition(";")
    assert name == f'"{ratelimit.POLICY}"'
    values = dict(parameter.split("=") for parameter in parameters.split(";"))
    return int(values["r"])


def assert_refused(response, *, retry_after: int, left: int = 0) -> None:
    assert response.status_code == 429, response.content
    assert response.json()["errors"][0]["code"] == "rate_limited"
    assert response["Retry-After"] == str(retry_after)
    assert response["RateLimit"] == f'"api-key";r={left};t={retry_after}'


def test_past_the_burst_is_429_with_the_error_body_and_the_draft_headers(limit, api):
    # Given a limit of 1 per hour with a burst of 3
    limit("1/h", burst=3)
    # When the key sends four requests
    answers = [api.get(ORDERS) for _ in range(4)]
    # Then three pass, each saying what is left, and the fourth is refused with when to retry
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert [remaining(a) for a in answers[:3]] == [2, 1, 0]
    assert answers[0]["RateLimit-Policy"] == f'"api-key";q=3;w={3 * HOUR}'
    assert_refused(answers[3], retry_after=HOUR)
    assert answers[3]["RateLimit-Policy"] == f'"api-key";q=3;w={3 * HOUR}'
    assert answers[3].json()["detail"] == (
        "This API key's rate limit (1/h, burst 3) is exhausted; retry in 3600 seconds."
    )
    # and the refusal carries the headers the middleware adds to every answer
    assert answers[3]["X-Content-Type-Options"] == answers[0]["X-Content-Type-Options"] == "nosniff"


def test_every_answer_within_the_limit_carries_the_headers_and_counts(limit, api):
    # Given a burst of 10
    limit("1/h", burst=10)
    # When the key gets a 404, a 400 and a 201
    answers = [
        api.get("/api/v1/channel/999/orders/"),
        api.create_order({"order": {}}),
        api.create_order(minimal_body("RL-1")),
    ]
    # Then each carries the RateLimit header, counting down
    assert [a.status_code for a in answers] == [404, 400, 201]
    assert [remaining(a) for a in answers] == [9, 8, 7]


def test_requests_without_a_key_and_the_login_are_not_counted(limit, demo, api):
    # Given a burst of 2
    limit("1/h", burst=2)
    # When a request comes without a key and a login succeeds
    anonymous = Client().get(ORDERS)
    login = Client().post(
        "/api/v1/auth/login/",
        {"username": demo.admin_username, "password": demo.admin_password},
        content_type="application/json",
    )
    # Then neither carries the headers, and the key still has its whole burst
    assert anonymous.status_code == 401 and "RateLimit" not in anonymous
    assert login.status_code == 200 and "RateLimit" not in login
    assert remaining(api.get(ORDERS)) == 1


def test_the_bucket_refills_at_the_rate(limit, api, clock):
    # Given 1 request per second with a burst of 2, spent
    limit("1/s", burst=2)
    spent = [api.get(ORDERS).status_code for _ in range(2)]
    refused = api.get(ORDERS)
    # When half a second passes, then another half
    clock.advance(0.5)
    still_refused = api.get(ORDERS)
    clock.advance(0.5)
    again = api.get(ORDERS)
    # Then one token came back after a second, not before
    assert spent == [200, 200]
    assert_refused(refused, retry_after=1)
    assert_refused(still_refused, retry_after=1)
    assert again.status_code == 200 and remaining(again) == 0
    # and after a long wait the bucket holds its burst again, no more
    clock.advance(60)
    assert remaining(api.get(ORDERS)) == 1


def test_a_bulk_takes_one_token_per_order(limit, api):
    # Given a burst of 5
    limit("1/h", burst=5)
    # When a bulk of 3 orders is sent, then another bulk of 3, then one order
    first = api.post(BULK, {"orders": [minimal_body(f"RB-{n}") for n in range(3)]})
    second = api.post(BULK, {"orders": [minimal_body(f"RC-{n}") for n in range(3)]})
    single = api.create_order(minimal_body("RD-1"))
    # Then the first takes 3, the second is refused whole (2 left) and the single one passes
    assert first.status_code == 200 and remaining(first) == 2
    assert_refused(second, retry_after=HOUR, left=2)
    assert single.status_code == 201 and remaining(single) == 1


def test_a_bulk_larger_than_the_burst_passes_on_a_full_bucket_and_leaves_it_in_debt(limit, api, clock):
    # Given 1 per second with a burst of 5, one token spent
    limit("1/s", burst=5)
    api.get(ORDERS)
    # When a bulk of 8 orders is sent on a bucket not full, then on a full one
    not_full = api.post(BULK, {"orders": [minimal_body(f"RE-{n}") for n in range(8)]})
    clock.advance(1)
    full = api.post(BULK, {"orders": [minimal_body(f"RF-{n}") for n in range(8)]})
    after = api.get(ORDERS)
    # Then it waits for the full bucket, passes, and the key pays its 3 orders past the burst
    # before the next request: 8 orders in 8 s, the rate
    assert_refused(not_full, retry_after=1, left=4)
    assert full.status_code == 200, full.content
    assert remaining(full) == 0
    assert_refused(after, retry_after=4)
    clock.advance(4)
    assert api.get(ORDERS).status_code == 200


def test_a_keys_own_limit_comes_before_its_channels_and_the_default(demo, limit, key_for):
    # Given a default burst of 3, channel 2 limited to a burst of 2, and four keys: one of channel 1,
    # one of channel 2, one of channel 2 with its own burst of 1, one of both channels
    limit("1/h", burst=3)
    Channel.objects.filter(pk=2).update(rate_limit="1/h burst 2")
    default_key = ApiClient(key_for(1))
    channel_key = ApiClient(key_for(2))
    _, own = create_api_key(name="own", channels=Channel.objects.filter(pk=2), rate_limit="1/h burst 1")
    own_key = ApiClient(own)
    both_key = ApiClient(key_for(1, 2))
    # When each sends four requests to its channel
    statuses = {
        name: [client.get(f"/api/v1/channel/{channel}/orders/").status_code for _ in range(4)]
        for name, client, channel in [
            ("default", default_key, 1),
            ("channel", channel_key, 2),
            ("own", own_key, 2),
            ("both", both_key, 2),
        ]
    }
    # Then each key has its own bucket, with the key's limit, else its channel's, else the
    # default; a key of both channels gets the higher of the two
    assert statuses == {
        "default": [200, 200, 200, 429],
        "channel": [200, 200, 429, 429],
        "own": [200, 429, 429, 429],
        "both": [200, 200, 200, 429],
    }


def test_a_changed_limit_starts_on_a_full_bucket(limit, api):
    # Given a key that spent its burst of 2 at 1 per hour
    limit("1/h", burst=2)
    spent = [api.get(ORDERS).status_code for _ in range(3)]
    # When its limit is raised (the key is read again, as after OMS_API_KEY_CACHE_SECONDS)
    limit("1/h", burst=3)
    clear_key_cache()
    answers = [api.get(ORDERS) for _ in range(4)]
    # Then the new limit applies at once, from a full bucket
    assert spent == [200, 200, 429]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]


def test_off_removes_the_limit_and_its_headers(demo, limit):
    # Given a burst of 1, and a key whose own limit is off
    limit("1/h", burst=1)
    _, clear = create_api_key(name="unlimited", channels=Channel.objects.filter(pk=1), rate_limit="off")
    unlimited = ApiClient(clear)
    # When it sends three requests
    answers = [unlimited.get(ORDERS) for _ in range(3)]
    # Then all pass, without the headers
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "RateLimit" not in answers[0] and "RateLimit-Policy" not in answers[0]


def test_the_lane_charges_once_and_leaves_the_refusal_to_django(limit, token):
    # Given a burst of 2, the create lane in front of Django
    limit("1/h", burst=2)
    django = CountingApp()
    lane = CreateOrderLane(django)
    # When the lane gets a create, a bad body, then another create
    created = call(lane, json.dumps(minimal_body("RL-LANE-1")), **auth(token))
    refused_by_validation = call(lane, '{"order": {}}', **auth(token))
    refused_by_limit = call(lane, json.dumps(minimal_body("RL-LANE-2")), **auth(token))
    # Then the create is answered by the lane with its headers; the 400 was handed to Django and
    # charged once (one token left, not none); the third finds the bucket empty: Django's 429,
    # charged once as well, with the middleware's headers
    assert created.status.startswith("201") and created.headers["RateLimit"] == '"api-key";r=1;t=3600'
    assert refused_by_validation.status.startswith("400")
    assert refused_by_validation.headers["RateLimit"] == '"api-key";r=0;t=7200'
    assert refused_by_limit.status.startswith("429")
    assert refused_by_limit.headers["Retry-After"] == str(HOUR)
    assert refused_by_limit.headers["X-Content-Type-Options"] == "nosniff"
    assert refused_by_limit.json()["errors"][0]["code"] == "rate_limited"
    assert django.calls == 2


def test_the_command_line_sets_a_keys_rate(demo):
    # Given a key created with --rate
    out = io.StringIO()
    call_command(
        "token", "create", "--channel", "1", "--name", "limited", "--rate", "5/m  burst 10", stdout=out
    )
    api_key = ApiKey.objects.get(name="limited")
    # When its rate is changed, then reset, and a rate that is none is given
    call_command("token", "set-rate", str(api_key.pk), "200/s", stdout=io.StringIO())
    changed = ApiKey.objects.get(pk=api_key.pk).rate_limit
    call_command("token", "set-rate", str(api_key.pk), "default", stdout=io.StringIO())
    reset = ApiKey.objects.get(pk=api_key.pk).rate_limit
    with pytest.raises(CommandError, match="is not a rate limit"):
        call_command("token", "set-rate", str(api_key.pk), "fast", stdout=io.StringIO())
    with pytest.raises(CommandError, match="is not a rate limit"):
        call_command("token", "create", "--channel", "1", "--rate", "5/fortnight", stdout=io.StringIO())
    # Then each is stored as given (spaces collapsed), and the refused ones change nothing
    assert out.getvalue().strip().startswith("oms_")
    assert api_key.rate_limit == "5/m burst 10"
    assert (changed, reset) == ("200/s", "")
    assert ApiKey.objects.get(pk=api_key.pk).rate_limit == ""
    assert ApiKey.objects.count() == 2  # the demo key and this one


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("/admin/access/apikey/{key}/change/", {"name": "demo", "is_active": "on"}),
        ("/admin/channels/channel/1/change/", None),
    ],
)
def test_the_admin_refuses_a_rate_that_is_not_one(demo, url, form):
    # Given the operator on the key's and the channel's page
    operator = Client()
    assert operator.login(username=demo.admin_username, password=demo.admin_password)
    key = ApiKey.objects.order_by("pk").first()
    page = url.format(key=key.pk)
    if form is None:
        channel = Channel.objects.get(pk=1)
        form = {
            field: getattr(channel, field)
            for field in [
                "name",
                "code",
                "status_format",
                "totals_check",
                "cancellation_mode",
                "stock_policy",
            ]
        }
        form["stock_list"] = channel.stock_list_id or ""
        form["is_active"] = "on"
    # When a rate that is not one is saved, then one that is
    refused = operator.post(page, {**form, "rate_limit": "lots"})
    accepted = operator.post(page, {**form, "rate_limit": "100/s burst 300"})
    # Then the first is shown as the field's error, the second saved
    assert refused.status_code == 200 and b"is not a rate limit" in refused.content
    assert accepted.status_code == 302, accepted.content[:2000]
    saved = ApiKey.objects.get(pk=key.pk) if "apikey" in url else Channel.objects.get(pk=1)
    assert saved.rate_limit == "100/s burst 300"


# One oms process with the environment's REDIS_URL, spending two tokens of key N's bucket.
SPEND_TWO = """
import sys
import django
django.setup()
from oms.access.services import Principal, spend_rate_limit
from oms.core.ratelimit import parse_limit
principal = Principal(key_id=int(sys.argv[1]), name="", channel_ids=None, shared=False,
                      rate_limit=parse_limit("1/h burst 5"))
for _ in range(2):
    spend_rate_limit({}, principal)
"""


def test_processes_sharing_a_redis_see_one_bucket(demo, limit, settings, redis_port, key_for):
    # Given a burst of 5 in a Redis this process and two others share, each of the others spending
    # two of a key's tokens
    limit("1/h", burst=5)
    settings.REDIS_URL = f"redis://127.0.0.1:{redis_port}/0"
    clear = key_for(1)
    key_id = ApiKey.objects.get(prefix=clear[:12]).pk
    environment = {**os.environ, "REDIS_URL": settings.REDIS_URL}
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-c", SPEND_TWO, str(key_id)], env=environment, check=True, timeout=60
        )
    # When this process sends two requests with the key
    api = ApiClient(clear)
    answers = [api.get(ORDERS) for _ in range(2)]
    # Then one token was left of the five: one bucket for the three processes
    assert answers[0].status_code == 200 and remaining(answers[0]) == 0
    assert answers[1].status_code == 429


def test_a_redis_that_cannot_be_reached_lets_requests_through(limit, settings, api, caplog):
    # Given a burst of 1 kept in a Redis nobody listens for
    limit("1/h", burst=1)
    settings.REDIS_URL = f"redis://127.0.0.1:{_free_port()}/0"
    # When the key sends three requests
    with caplog.at_level(logging.WARNING, logger="oms.core.ratelimit"):
        answers = [api.get(ORDERS) for _ in range(3)]
    # Then all pass, without the headers, and the failure is logged once: the requests after it
    # do not wait for Redis again
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "RateLimit" not in answers[0]
    assert caplog.text.count("Rate limit store unavailable") == 1


def test_a_default_that_is_not_a_limit_fails_the_system_check(settings):
    # Given an OMS_RATE_LIMIT that is not a limit
    settings.OMS_RATE_LIMIT = "fifty a second"
    # When Django's checks run (oms serve and oms migrate run them first)
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    # Then they stop, naming the setting
    assert "oms.E001" in str(raised.value) and "OMS_RATE_LIMIT" in str(raised.value)
