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


def test_random_keys_and_channel_ids_do_not_grow_the_caches_without_end(api, monkeypatch):
    from conftest import ApiClient
    from oms.access import services

    # Given small caches, warmed by a real key
    monkeypatch.setattr(services, "CACHE_MAX_ENTRIES", 5)
    assert api.create_order(minimal_body("C-5")).status_code == 201
    # When clients send many unknown keys and unknown channel ids
    for n in range(20):
        assert ApiClient(f"oms_random_{n}").create_order(minimal_body("X")).status_code == 401
        assert api.create_order(minimal_body("X"), channel_id=1000 + n).status_code == 404
    # Then neither cache holds more than its bound, and the real key still works
    assert len(services._cache) <= 5 and len(services._channels) <= 5
    assert api.create_order(minimal_body("C-6")).status_code == 201


def test_past_the_bound_expired_entries_go_first(monkeypatch, settings):
    from oms.access import services

    monkeypatch.setattr(services, "CACHE_MAX_ENTRIES", 3)
    settings.OMS_API_KEY_CACHE_SECONDS = 10
    cache = {"old": (5.0, None), "fresh": (50.0, "kept")}
    services._remember(cache, "a", "A", now=0.0)  # under the bound: nothing goes
    assert set(cache) == {"old", "fresh", "a"}
    services._remember(cache, "b", "B", now=6.0)  # "old" expired at 5
    assert set(cache) == {"fresh", "a", "b"} and cache["b"] == (16.0, "B")
    services._remember(cache, "c", "C", now=7.0)  # nothing expired: all go
    assert cache == {"c": (17.0, "C")}
