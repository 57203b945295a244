"""The worker's rules, one at a time: the retry schedule, failing endpoints, signatures during a
secret rotation, the safety check at delivery, one subject at a time, purge, the stats selector."""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone
from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from oms.events import delivery as worker
from oms.events.models import Delivery, Event, EventType, Webhook
from oms.events.services import delivery_stats, record_event
from oms.events.webhooks import create_webhook, ping_webhook, rotate_secret
from oms.observe.logs import FIELDS
from oms.orders.tests.payloads import minimal_body

pytestmark = pytest.mark.django_db
FAILED = worker.Outcome(False, 500, "not 2xx", 3)


@pytest.fixture
def hook(demo, settings) -> Webhook:
    settings.OMS_WEBHOOK_ALLOW_PRIVATE = True
    webhook, _ = create_webhook(channel=demo_channel(), payload={"url": "http://127.0.0.1:9/x"})
    return webhook


def demo_channel():
    from oms.channels.models import Channel

    return Channel.objects.get(pk=1)


def queued(hook: Webhook, subject: str = "order:1", **fields) -> Delivery:
    event = record_event(
        channel_id=hook.channel_id, type=EventType.ORDER_UPDATED, subject=subject, data={"a": 1}
    )
    return Delivery.objects.create(
        event=event, webhook=hook, subject=subject, next_attempt_at=timezone.now(), **fields
    )


def test_failures_are_retried_with_growing_delays_for_a_day_then_failed(hook):
    # Given a delivery made now
    delivery = queued(hook)
    now = timezone.now()
    # When it fails an hour later, and again a day later
    worker.settle(delivery, FAILED, now=now + timedelta(hours=1))
    retried = Delivery.objects.get(pk=delivery.pk)
    worker.settle(Delivery.objects.get(pk=delivery.pk), FAILED, now=now + timedelta(hours=24, seconds=1))
    # Then it was rescheduled the first time and failed the second
    assert retried.status == "pending" and retried.next_attempt_at > now + timedelta(hours=1)
    assert retried.attempts == 1 and retried.last_status_code == 500
    assert Delivery.objects.get(pk=delivery.pk).status == "failed"


def test_the_backoff_doubles_up_to_its_cap_and_is_jittered(settings):
    # Given the default schedule
    settings.OMS_WEBHOOK_BACKOFF_BASE_SECONDS, settings.OMS_WEBHOOK_BACKOFF_MAX_SECONDS = 10, 6 * 3600
    # When delays are drawn for successive attempts
    delays = [worker.backoff(n) for n in range(1, 16)]
    # Then each is within 20 % of base * 2^(n-1), capped at 6 hours; together they pass a day
    for n, delay in enumerate(delays, start=1):
        expected = min(10 * 2 ** (n - 1), 6 * 3600)
        assert 0.8 * expected <= delay <= 1.2 * expected
    assert sum(delays) > 24 * 3600


def test_an_endpoint_failing_for_five_days_is_disabled_and_says_why(hook):
    # Given an endpoint that has failed since six days ago
    now = timezone.now()
    worker.settle(queued(hook), FAILED, now=now - timedelta(days=6))
    # When another delivery fails now
    worker.settle(queued(hook, "order:2"), FAILED, now=now)
    # Then the endpoint is off, with its reason; a success earlier would have reset the clock
    hook.refresh_from_db()
    assert hook.is_active is False and "failed since" in hook.disabled_reason


def test_a_success_resets_the_failing_clock(hook):
    # Given an endpoint failing since six days ago
    now = timezone.now()
    worker.settle(queued(hook), FAILED, now=now - timedelta(days=6))
    # When a delivery succeeds, then one fails
    worker.settle(queued(hook, "order:2"), worker.Outcome(True, 200, "", 2), now=now - timedelta(days=1))
    worker.settle(queued(hook, "order:3"), FAILED, now=now)
    # Then it stays active
    hook.refresh_from_db()
    assert hook.is_active is True


def test_during_a_rotation_both_secrets_sign_then_only_the_new_one(hook):
    # Given a delivery's event and the webhook's secret, then rotated
    old = hook.secret
    event = queued(hook).event
    new = rotate_secret(webhook=hook)
    body = worker.body_of(event)
    now = timezone.now()
    # When it is signed now and after the old secret's 24 hours
    during = worker.signed_headers(hook, event, body, now)
    after = worker.signed_headers(hook, event, body, now + timedelta(hours=25))
    # Then a receiver with either secret verifies it during the rotation, only with the new after
    Verifier(old).verify(body, during)
    Verifier(new).verify(body, during)
    assert during["webhook-id"] == event.wire_id == f"evt_{event.pk}"
    with pytest.raises(WebhookVerificationError):
        Verifier(old).verify(body, after | {"webhook-timestamp": during["webhook-timestamp"]})


def test_an_address_inside_the_network_is_refused_at_delivery_too(hook, settings):
    # Given a subscription stored while private addresses were allowed
    settings.OMS_WEBHOOK_ALLOW_PRIVATE = False
    # When it is delivered
    outcome = worker.post(hook.url, b"{}", {})
    # Then nothing is sent and the refusal is the delivery's error
    assert outcome.ok is False and outcome.status is None
    assert outcome.error.startswith("refused: ")


def test_one_subject_is_delivered_one_event_at_a_time(hook):
    # Given two pending deliveries of one order and one of another
    first, second = queued(hook, "order:1"), queued(hook, "order:1")
    other = queued(hook, "order:2")
    # When due deliveries are claimed
    claimed = {d.pk for d in worker.claim(batch=10)}
    # Then the order's second waits for its first
    assert claimed == {first.pk, other.pk}
    assert second.pk not in claimed


def test_fan_out_queues_one_delivery_per_matching_subscription(hook, settings):
    # Given a second subscription to stock events only, and an order event after both
    stock_only, _ = create_webhook(
        channel=demo_channel(), payload={"url": "http://127.0.0.1:9/y", "events": ["stock.changed"]}
    )
    record_event(channel_id=1, type=EventType.ORDER_CREATED, subject="order:9", data={})
    # When the outbox is fanned out
    worker.fan_out()
    # Then only the subscription to every type has a delivery of it
    assert list(Delivery.objects.values_list("webhook_id", flat=True)) == [hook.pk]
    assert stock_only.pk not in set(Delivery.objects.values_list("webhook_id", flat=True))


def test_purge_deletes_events_past_retention(hook):
    # Given an event of eight days ago and one of now
    old = record_event(
        channel_id=1,
        type=EventType.PING,
        subject="x",
        data={},
        occurred_at=timezone.now() - timedelta(days=8),
    )
    kept = record_event(channel_id=1, type=EventType.PING, subject="x", data={})
    # When events are purged
    out = io.StringIO()
    call_command("events", "purge", stdout=out)
    # Then only the old one is gone
    assert not Event.objects.filter(pk=old.pk).exists() and Event.objects.filter(pk=kept.pk).exists()
    assert "Purged" in out.getvalue()


def test_delivery_stats_counts_by_status_and_ages_the_oldest_pending(hook):
    # Given one delivered and two pending deliveries
    queued(hook, status="delivered")
    queued(hook)
    queued(hook, "order:2")
    # When the stats are read
    stats = delivery_stats()
    # Then they count each status
    assert (stats.pending, stats.delivered, stats.failed) == (2, 1, 0)
    assert stats.oldest_pending_age_seconds >= 0


def test_a_ping_goes_to_its_subscription_alone(hook):
    # Given a second subscription of the same channel
    other, _ = create_webhook(channel=demo_channel(), payload={"url": "http://127.0.0.1:9/z"})
    # When the first is pinged and the outbox fanned out
    ping_webhook(webhook=hook)
    worker.fan_out()
    # Then only the first has a delivery, of a ping
    [delivery] = Delivery.objects.select_related("event")
    assert (delivery.webhook_id, delivery.event.type) == (hook.pk, "ping")
    assert other.pk != hook.pk


def test_a_delivery_log_line_carries_the_request_id_of_the_change(hook, api, caplog, monkeypatch):
    # Given an order created by a request with its X-Request-ID, through the create lane's
    # statement, and a receiver that accepts
    answer = api.post(
        "/api/v1/channel/1/create_orders/", minimal_body("EV-RID-1"), HTTP_X_REQUEST_ID="shop-req-42"
    )
    assert answer.status_code == 201 and answer["X-Request-ID"] == "shop-req-42"
    monkeypatch.setattr(worker, "post", lambda url, body, headers: worker.Outcome(True, 204, "", 7))
    # When the worker delivers it
    with caplog.at_level("INFO", logger="oms.events.delivery"):
        worker.run_once()
    # Then its delivery line names the request, the event and the outcome
    order_event = Event.objects.get(type="order.created", subject=f"order:{answer.json()['id']}")
    lines = [getattr(r, FIELDS) for r in caplog.records if r.name == "oms.events.delivery"]
    [fields] = [f for f in lines if f["event"] == order_event.wire_id]
    assert (fields["request_id"], fields["type"], fields["ok"], fields["status"]) == (
        "shop-req-42",
        "order.created",
        True,
        204,
    )
    # and the demo's events, made outside any request, say so
    assert {f["request_id"] for f in lines if f["event"] != order_event.wire_id} <= {None, "shop-req-42"}


# --- a round's deliveries: at once, over kept connections, settled in one statement ----------------


class LocalReceiver:
    """An HTTP/1.1 receiver on a free port: `answer(handler)` is called for each POST and
    returns its status; the client ports it saw tell the connections used."""

    def __init__(self, answer):
        receiver = self
        self.ports: list[int] = []
        self.ids: list[str] = []
        self.closed = 0  # connections ended

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.ports.append(self.client_address[1])
                receiver.ids.append(self.headers["webhook-id"])
                self.send_response(answer(self))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

            def finish(self):
                super().finish()
                receiver.closed += 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_hook(hook):
    def subscribe(answer) -> LocalReceiver:
        receiver = LocalReceiver(answer)
        Webhook.objects.filter(pk=hook.pk).update(url=receiver.url)
        opened.append(receiver)
        return receiver

    opened: list[LocalReceiver] = []
    yield subscribe
    for receiver in opened:
        receiver.close()


def test_a_round_delivers_different_subjects_at_once_and_one_subject_in_turn(receiver_hook, settings):
    # Given a receiver that answers 200 only once three requests are in at the same time, and
    # three orders' events plus a second event of the first order
    settings.OMS_WORKER_CONCURRENCY = 8
    together = threading.Barrier(3, timeout=5)

    def answer(_):
        try:
            together.wait()
        except threading.BrokenBarrierError:
            return 500
        return 200

    receiver_hook(answer)
    first, second, third = (queued(Webhook.objects.get(), f"order:{n}") for n in (1, 2, 3))
    later = queued(Webhook.objects.get(), "order:1")
    # When one round runs
    done = worker.run_once()
    # Then the three subjects' first events were delivered together; the first order's second
    # event waits for the next round
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert [statuses[d.pk] for d in (first, second, third)] == ["delivered"] * 3
    assert statuses[later.pk] == "pending" and done.delivered == 3


def test_deliveries_to_one_endpoint_reuse_a_connection_and_survive_its_close(receiver_hook, settings):
    # Given a receiver that keeps connections open but closes the one of its second request
    # after answering (without saying so), and four events delivered one at a time
    settings.OMS_WORKER_CONCURRENCY = 1

    def answer(handler):
        if len(receiver.ids) == 2:
            handler.close_connection = True
        return 204

    receiver = receiver_hook(answer)
    deliveries = [queued(Webhook.objects.get(), f"order:{n}") for n in range(4)]
    # When a round delivers them
    worker.run_once()
    # Then each arrived once, the first two over one connection and the rest over a new one,
    # and every delivery is delivered at its first attempt
    assert receiver.ids == [d.event.wire_id for d in deliveries]
    assert len(set(receiver.ports[:2])) == 1 and len(set(receiver.ports)) == 2
    made = Delivery.objects.filter(pk__in=[d.pk for d in deliveries])
    assert set(made.values_list("status", "attempts")) == {("delivered", 1)}


def test_a_batch_is_settled_in_the_same_queries_whatever_its_size(hook, django_assert_num_queries):
    # Given one delivery, and ten
    one = [queued(hook, "order:0")]
    ten = [queued(hook, f"order:{n}") for n in range(1, 11)]
    ok = worker.Outcome(True, 204, "", 1)
    # When each batch is settled
    with django_assert_num_queries(3) as few:
        worker.settle_all([(d, ok) for d in one])
    with django_assert_num_queries(len(few.captured_queries)):
        worker.settle_all([(d, ok) for d in ten])
    # Then all eleven are delivered
    assert Delivery.objects.filter(status="delivered").count() == 11


def test_a_thread_keeps_a_bounded_number_of_connections_open(settings):
    # Given one more receiver than a thread keeps connections to, each posted to once
    settings.OMS_WEBHOOK_ALLOW_PRIVATE = True
    receivers = [LocalReceiver(lambda _: 204) for _ in range(worker.KEPT_PER_THREAD + 1)]
    try:
        # When this thread posts to each in turn
        outcomes = [worker.post(r.url, b"{}", {"webhook-id": "evt_1"}) for r in receivers]
        # Then every post succeeded, and the connection to the least recently used one was closed
        # while the others stay open
        assert all(o.ok for o in outcomes)
        for _ in range(100):
            if receivers[0].closed:
                break
            time.sleep(0.02)
        assert receivers[0].closed == 1 and sum(r.closed for r in receivers[1:]) == 0
    finally:
        for receiver in receivers:
            receiver.close()
