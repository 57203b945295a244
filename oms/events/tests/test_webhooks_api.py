"""Webhook subscriptions through HTTP: the common resource routes, the secret shown once, the
outbound safety rules, ping, redeliver and secret rotation; and `oms webhook add`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from conftest import ApiClient
from oms.events.models import Delivery, Webhook

pytestmark = pytest.mark.django_db
HOOKS = "/api/v1/channel/{}/webhooks/"
HOOK = "/api/v1/channel/{}/webhooks/{}/"


@pytest.fixture
def allow_private(settings):
    settings.OMS_WEBHOOK_ALLOW_PRIVATE = True


def subscribe(api, url="https://hooks.example.invalid/oms", **fields):
    return api.post(HOOKS.format(1), {"url": url, **fields})


def test_create_answers_the_secret_once_and_the_rest_never_show_it(api, allow_private):
    # Given a subscription to two event types
    response = subscribe(api, "http://127.0.0.1:9/hook", events=["order.created", "order.cancelled"])
    # When it is created, listed and retrieved
    assert response.status_code == 201, response.content
    created = response.json()
    listed = api.get(HOOKS.format(1)).json()["results"]
    got = api.get(HOOK.format(1, created["pk"])).json()
    # Then only the create's answer holds the whsec_ secret
    assert created["secret"].startswith("whsec_") and created["events"] == [
        "order.created",
        "order.cancelled",
    ]
    assert "secret" not in got and all("secret" not in row for row in listed)
    assert got["pk"] == created["pk"] and got["channel"] == 1 and got["is_active"] is True


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com/hook", "https"),
        ("https://127.0.0.1/hook", "not a public address"),
        ("https://localhost/hook", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://10.0.0.8/hook", "not a public address"),
        ("https://[::1]/hook", "not a public address"),
        ("https://[::ffff:192.168.0.1]/hook", "not a public address"),
    ],
)
def test_urls_inside_our_network_or_not_https_are_refused(api, url, message):
    # Given a URL that is plain http or points inside the network
    # When it is subscribed
    response = subscribe(api, url)
    # Then it is 400 at url and nothing is stored
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["path"] == "url" and message in error["message"]
    assert not Webhook.objects.exists()


def test_bad_bodies_are_400_naming_the_field(api, allow_private):
    # Given an unknown event type and a missing url
    # When they are sent
    bad_type = subscribe(api, "http://127.0.0.1:9/", events=["order.deleted"])
    no_url = api.post(HOOKS.format(1), {"events": []})
    # Then each is 400 naming its field
    assert bad_type.status_code == 400 and bad_type.json()["errors"][0]["path"] == "events.0"
    assert no_url.status_code == 400 and no_url.json()["errors"][0]["path"] == "url"


def test_update_delete_and_another_channels_hook(api, key_for, allow_private):
    # Given a subscription of channel 1
    pk = subscribe(api, "http://127.0.0.1:9/a").json()["pk"]
    # When it is updated, and channel 2's key looks for it, then it is deleted
    updated = api.patch(HOOK.format(1, pk), {"events": ["stock.changed"], "is_active": False})
    other = ApiClient(key_for(2)).get(HOOK.format(2, pk))
    deleted = api.delete(HOOK.format(1, pk))
    # Then the update applied, the other channel sees nothing, and it is gone
    assert updated.status_code == 200 and updated.json()["events"] == ["stock.changed"]
    assert updated.json()["is_active"] is False
    assert other.status_code == 404
    assert deleted.status_code == 204 and not Webhook.objects.exists()


def test_ping_rotate_and_redeliver(api, allow_private):
    # Given a subscription
    pk = subscribe(api, "http://127.0.0.1:9/a").json()["pk"]
    old = Webhook.objects.get(pk=pk).secret
    # When it is pinged, its secret rotated, and a day of events redelivered
    ping = api.post(HOOK.format(1, pk) + "ping/", {})
    rotated = api.post(HOOK.format(1, pk) + "rotate_secret/", {})
    redeliver = api.post(HOOK.format(1, pk) + "redeliver/", {"since": "2000-01-01T00:00:00Z"})
    bad_range = api.post(
        HOOK.format(1, pk) + "redeliver/", {"since": "2030-01-01T00:00:00Z", "until": "2020-01-01T00:00:00Z"}
    )
    # Then each is answered, the old secret signs alongside the new one, and deliveries were queued
    assert ping.status_code == 202 and ping.json() == {"queued": 1}
    hook = Webhook.objects.get(pk=pk)
    assert rotated.json()["secret"] == hook.secret != old and hook.previous_secret == old
    assert redeliver.status_code == 202 and redeliver.json()["queued"] >= 1  # the demo order's event
    assert Delivery.objects.filter(webhook=hook).count() == redeliver.json()["queued"]
    assert bad_range.status_code == 400 and bad_range.json()["errors"][0]["path"] == "until"


def test_the_command_line_subscribes_and_refuses_unsafe_urls(demo, allow_private, settings):
    # Given the command line
    out = io.StringIO()
    # When a URL is added with ping among its types, then with order.created alone
    with pytest.raises(CommandError, match=r"events\.1"):
        call_command(
            "webhook",
            "add",
            "--channel",
            "1",
            "http://127.0.0.1:9/x",
            "--events",
            "order.created,ping",
            stdout=out,
        )
    # Then ping is refused (it is sent on request only); the other is stored and its secret printed
    assert not Webhook.objects.exists()
    call_command(
        "webhook", "add", "--channel", "1", "http://127.0.0.1:9/x", "--events", "order.created", stdout=out
    )
    assert "whsec_" in out.getvalue() and Webhook.objects.get().events == ["order.created"]
    settings.OMS_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(CommandError, match="https"):
        call_command("webhook", "add", "--channel", "1", "http://127.0.0.1:9/x", stdout=out)
