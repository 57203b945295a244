"""The pull feed under concurrent transactions (PostgreSQL): an event that commits late with a
lower id is not skipped by a consumer that stored the cursor in between."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from oms.events.models import EventType
from oms.events.services import record_event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises writers (one write lock), so there id order is commit order",
    ),
]
FEED = "/api/v1/channel/1/events/"


def record(subject: str) -> int:
    return record_event(channel_id=1, type=EventType.ORDER_UPDATED, subject=subject, data={}).pk


def test_an_event_committing_late_with_a_lower_id_comes_after_the_stored_cursor(api):
    # Given the feed read to its end, and a transaction that records an event and stays open
    after = api.get(FEED, limit=1000).json()["next"]
    recorded, release, done = threading.Event(), threading.Event(), threading.Event()
    late: list[int] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                late.append(record("order:late"))
                recorded.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    threading.Thread(target=slow_writer).start()
    assert recorded.wait(10)
    # When another event (a higher id) commits, a consumer reads the feed and stores its cursor,
    # and then the first transaction commits
    early = record("order:early")
    first = api.get(FEED, after=after).json()
    release.set()
    assert done.wait(10)
    # and the consumer goes on polling from its stored cursor
    ours = {f"evt_{late[0]}", f"evt_{early}"}
    seen = [event["id"] for event in first["results"]] + poll(api, first["next"], until=ours)
    # Then it got both, each once: the late one was held back until it committed
    assert late[0] < early
    assert ours <= set(seen) and len(seen) == len(set(seen))


def poll(api, cursor: str, *, until: set[str]) -> list[str]:
    """The ids of the events the feed serves after `cursor`, read as a consumer does until all of
    `until` have come (or 10 s). Not one read: the horizon is the oldest transaction running in
    the whole cluster, in any of its databases, so another test's open transaction (`make test`
    runs several at once, each on its own database of one cluster) may hold events back for a
    moment, this test's setup's among them (so only its own two are looked for)."""
    seen: list[str] = []
    deadline = time.monotonic() + 10
    while not until <= set(seen) and time.monotonic() < deadline:
        page = api.get(FEED, after=cursor).json()
        seen += [event["id"] for event in page["results"]]
        cursor = page["next"]
        time.sleep(0.05)
    return seen
