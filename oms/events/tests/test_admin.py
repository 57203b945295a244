"""Webhooks in the admin: added through the service (safety check, secret shown once), its
deliveries listed under it, and the actions."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from oms.events.models import Delivery, Event, EventType, Webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(demo) -> Client:
    client = Client()
    assert client.login(username="admin", password=demo.admin_password)
    return client


INLINE = {"deliveries-TOTAL_FORMS": 0, "deliveries-INITIAL_FORMS": 0}


def test_adding_a_webhook_shows_its_secret_once_and_refuses_unsafe_urls(operator):
    # Given the add form
    # When an operator adds a private address, then a public one
    refused = operator.post(
        "/admin/events/webhook/add/", {"channel": 1, "url": "https://10.0.0.1/x", "is_active": "on", **INLINE}
    )
    added = operator.post(
        "/admin/events/webhook/add/",
        {
            "channel": 1,
            "url": "https://93.184.215.14/x",
            "events": ["order.created"],
            "is_active": "on",
            **INLINE,
        },
        follow=True,
    )
    # Then the first is refused on the form, the second stored with its secret shown in a message
    assert refused.status_code == 200 and "not a public address" in refused.content.decode()
    webhook = Webhook.objects.get()
    assert webhook.events == ["order.created"] and webhook.url == "https://93.184.215.14/x"
    assert webhook.secret in added.content.decode()


def test_the_webhook_page_lists_its_deliveries_and_rotate_shows_the_new_secret(operator, settings):
    # Given a webhook with one failed attempt
    settings.OMS_WEBHOOK_ALLOW_PRIVATE = True
    webhook = Webhook.objects.create(channel_id=1, url="http://127.0.0.1:9/", secret="whsec_dGVzdA==")
    event = Event.objects.create(
        channel_id=1, type=EventType.PING, subject="x", data={}, occurred_at=timezone.now()
    )
    Delivery.objects.create(
        event=event,
        webhook=webhook,
        subject="x",
        next_attempt_at=timezone.now(),
        attempts=2,
        last_status_code=503,
    )
    # When its page is opened, and its secret rotated from the list
    page = operator.get(f"/admin/events/webhook/{webhook.pk}/change/")
    rotated = operator.post(
        "/admin/events/webhook/", {"action": "rotate_secret", "_selected_action": [webhook.pk]}, follow=True
    )
    # Then the delivery shows with its attempts and status code, and the new secret is shown
    assert page.status_code == 200 and "503" in page.content.decode()
    webhook.refresh_from_db()
    assert webhook.previous_secret == "whsec_dGVzdA==" and webhook.secret in rotated.content.decode()
