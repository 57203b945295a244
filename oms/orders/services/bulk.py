"""create_orders_bulk: many orders per call, validated exactly as one, written set-based."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction

from oms.catalog.services.stock import OutOfStock
from oms.channels.models import Channel
from oms.core.errors import Conflict, ErrorCode, Problem, ValidationFailed
from oms.orders.models import Order
from oms.orders.services.create import OrderCreated, PreparedOrder, prepare_order, write_order
from oms.orders.services.digest import same_content
from oms.orders.services.events import order_data
from oms.orders.services.parse import parse_order_request, too_many_items
from oms.orders.services.references import resolve_references, resolve_references_many
from oms.orders.services.reservations import reserve_items
from oms.orders.services.store import insert_orders, link_transfers, unmark_stored

log = logging.getLogger(__name__)


class ErrorPolicy(StrEnum):
    REJECT_EVERYTHING = "reject_everything"  # one bad order and nothing is written
    REJECT_FAILED = "reject_failed"  # the good orders are written, the bad ones reported


class BulkStatus(StrEnum):
    CREATED = "created"
    REPLAYED = "replayed"
    CONFLICT = "conflict"
    REJECTED = "rejected"


@dataclass
class BulkResult:
    index: int
    status: BulkStatus
    created: OrderCreated | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class BulkOutcome:
    results: list[BulkResult]
    written: bool

    def counts(self) -> dict[str, int]:
        counts = {str(status): 0 for status in BulkStatus}
        for result in self.results:
            counts[result.status] += 1
        return counts


class BulkRejected(ValidationFailed):
    """reject_everything and at least one order failed: nothing was written (400).

    Orders that were valid are reported `rejected` with no errors of their own: not written.
    """

    def __init__(self, outcome: BulkOutcome):
        for result in outcome.results:
            if result.status == BulkStatus.CREATED:
                result.status, result.created = BulkStatus.REJECTED, None
        problems = [
            Problem(f"orders.{r.index}.{p.path}".rstrip("."), p.code, p.message)
            for r in outcome.results
            for p in r.problems
        ]
        failed = sum(1 for r in outcome.results if r.problems)
        super().__init__(
            problems,
            detail=f"{failed} of {len(outcome.results)} orders failed; nothing was written.",
            results=[
                {
                    "index": r.index,
                    "status": str(r.status),
                    "order": None,
                    "errors": [p.as_dict() for p in r.problems],
                }
                for r in outcome.results
            ],
            summary=outcome.counts(),
        )


def create_orders_bulk(
    *, channel: Channel, payloads: list[Any], error_policy: ErrorPolicy, stock_policy: str | None = None
) -> BulkOutcome:
    """Validate every order (one query per referenced model for the whole batch), decide replays
    and conflicts against stored orders and within the batch, then reserve the new orders' stock
    and insert them and their items in a few set-based statements in one transaction.

    `stock_policy` overrides the channel's (`ignore`, for importing history: the caller checks
    who may ask). Under `reject` an order lacking stock is rejected with `out_of_stock`.
    Raises BulkRejected under reject_everything when any order is rejected or conflicts.
    """
    # An order over the item limit is refused before anything is done per item, its references too.
    too_many = [too_many_items(payload) for payload in payloads]
    resolved, ref_problems = resolve_references_many(
        channel=channel,
        payloads=[{} if over else payload for payload, over in zip(payloads, too_many, strict=True)],
    )
    results: list[BulkResult] = []
    prepared: dict[int, PreparedOrder] = {}
    for index, payload in enumerate(payloads):
        if too_many[index] is not None:
            results.append(BulkResult(index, BulkStatus.REJECTED, problems=[too_many[index]]))
            continue
        parsed = parse_order_request(payload, strict_fields=channel.strict_fields)
        problems, ready = prepare_order(
            channel=channel, parsed=parsed, resolved=resolved, ref_problems=ref_problems[index]
        )
        results.append(BulkResult(index, BulkStatus.REJECTED, problems=problems))
        if ready is not None:
            prepared[index] = ready
    new = _classify(channel, results, prepared)
    outcome = BulkOutcome(results, written=False)
    if error_policy == ErrorPolicy.REJECT_EVERYTHING and any(r.problems for r in results):
        raise BulkRejected(outcome)
    policy = stock_policy or channel.stock_policy
    outcome.written = _insert(
        channel, policy, outcome, [prepared[i] for i in new], new, payloads, error_policy
    )
    return outcome


def _classify(channel: Channel, results: list[BulkResult], prepared: dict[int, PreparedOrder]) -> list[int]:
    """Mark replays and conflicts; return the indexes of orders to insert, in input order.

    Against stored orders: same content is a replay, other content a conflict. Within the batch the
    first valid occurrence of a number is created and later ones replay or conflict with it.
    """
    numbers = {p.order.number for p in prepared.values()}
    stored = {o.number: o for o in _stored_orders(channel, numbers)}
    first_seen: dict[str, int] = {}
    new = []
    for index, ready in prepared.items():
        number, digest = ready.order.number, ready.order.payload_hash
        existing = stored.get(number)
        twin = prepared[first_seen[number]] if number in first_seen else None
        if existing is not None:
            same = same_content(existing.payload_hash, ready.order, ready.items, ready.transfers)
            _same_or_conflict(results[index], same, existing.pk, number, channel)
            if same:
                results[index].created = _stored_answer(existing)
        elif twin is not None:
            _same_or_conflict(results[index], twin.order.payload_hash == digest, None, number, channel)
            results[index].created = OrderCreated(twin.order, twin.items, twin.transfers, replayed=True)
        else:
            first_seen[number] = index
            results[index].status = BulkStatus.CREATED
            results[index].created = OrderCreated(
                ready.order, ready.items, ready.transfers, warnings=ready.warnings
            )
            new.append(index)
    return new


def _same_or_conflict(
    result: BulkResult, same: bool, existing_id: int | None, number: str, channel: Channel
) -> None:
    if same:
        result.status = BulkStatus.REPLAYED
        return
    where = f"(id {existing_id})" if existing_id else "earlier in this request"
    result.status = BulkStatus.CONFLICT
    result.problems = [
        Problem(
            "order.number",
            ErrorCode.DUPLICATE,
            f'Order "{number}" already exists in channel {channel.pk} {where} with different content.',
        )
    ]


def _stored_orders(channel: Channel, numbers: set[str]) -> list[Order]:
    if not numbers:
        return []
    return list(
        Order.objects.filter(channel=channel, number__in=numbers)
        .select_related("cargo_company", "payment_option")
        .prefetch_related("orderitem_set", "funds_transfer_transactions")
    )


def _stored_answer(order: Order) -> OrderCreated:
    items = sorted(order.orderitem_set.all(), key=lambda item: item.pk)
    transfers = sorted(t.pk for t in order.funds_transfer_transactions.all())
    return OrderCreated(order, items, transfers, replayed=True)


def _insert(
    channel: Channel,
    policy: str,
    outcome: BulkOutcome,
    batch: list[PreparedOrder],
    indexes: list[int],
    payloads: list[Any],
    error_policy: ErrorPolicy,
) -> bool:
    """Reserve and insert `batch` in one transaction; whether anything was written."""
    results = outcome.results
    if not batch:
        return False
    try:
        with transaction.atomic():
            now = batch[0].order.created_date
            short = reserve_items(
                [(ready.order, ready.items) for ready in batch], channel=channel, policy=policy, now=now
            )
            for position, problems in short.items():
                result = results[indexes[position]]
                result.status, result.problems, result.created = BulkStatus.REJECTED, problems, None
            if short and error_policy == ErrorPolicy.REJECT_EVERYTHING:
                raise BulkRejected(outcome)  # rolls the reservations back
            kept = [position for position in range(len(batch)) if position not in short]
            batch, indexes = [batch[p] for p in kept], [indexes[p] for p in kept]
            if not batch:
                return False
            reserved_at = None if policy == Channel.StockPolicy.IGNORE else now
            insert_orders(
                [(ready.order, ready.items) for ready in batch],
                created=[
                    order_data(
                        ready.order, channel=channel, items=ready.items, fund_transfer_ids=ready.transfers
                    )
                    for ready in batch
                ],
                reserved_at=reserved_at,
            )
            links = [(ready.order.pk, pk) for ready in batch for pk in ready.transfers]
            if links:
                link_transfers(links)
    except IntegrityError:
        # Another request stored one of these numbers since we looked: settle each order on its
        # own through the single path, which decides replay or conflict in the database.
        log.info("bulk insert raced with another writer in channel %s; writing one by one", channel.pk)
        for ready, index in zip(batch, indexes, strict=True):
            unmark_stored(ready.order, ready.items)
            _settle_one(channel, policy, results[index], ready, payloads[index])
    return True


def _settle_one(
    channel: Channel, policy: str, result: BulkResult, ready: PreparedOrder, payload: Any
) -> None:
    try:
        created = write_order(
            ready,
            channel=channel,
            stock_policy=policy,
            resolve_again=lambda: resolve_references(channel=channel, payload=payload),
        )
    except OutOfStock as refused:
        result.status, result.problems, result.created = BulkStatus.REJECTED, refused.problems, None
        return
    except Conflict as conflict:
        result.status, result.problems, result.created = BulkStatus.CONFLICT, conflict.problems, None
        return
    except ValidationFailed as failed:
        result.status, result.problems, result.created = BulkStatus.REJECTED, failed.problems, None
        return
    result.status = BulkStatus.REPLAYED if created.replayed else BulkStatus.CREATED
    result.created = created
