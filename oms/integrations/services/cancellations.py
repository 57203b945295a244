"""Cancellation requests a channel relays for its customers, and their decision on our side."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.lookup import channel_row_getter
from oms.integrations.models import CancellationRequest
from oms.integrations.schemas import (
    CANCELLATION_REQUEST_READ_ONLY,
    CancellationRequestIn,
    CancellationRequestUpdateIn,
)
from oms.integrations.services.common import parse
from oms.orders.models import CancellationReason, Order, OrderItem
from oms.orders.transitions import TERMINAL

Status = CancellationRequest.Status

# How a request is decided: approved or rejected, then an approved one confirmed and completed.
DECISIONS: dict[str, frozenset[str]] = {
    Status.WAITING_APPROVAL: frozenset({Status.APPROVED, Status.REJECTED}),
    Status.APPROVED: frozenset({Status.CONFIRMED, Status.COMPLETED}),
    Status.CONFIRMED: frozenset({Status.COMPLETED}),
    Status.REJECTED: frozenset(),
    Status.COMPLETED: frozenset(),
}
_OPEN = (Status.WAITING_APPROVAL, Status.APPROVED, Status.CONFIRMED)


def list_cancellation_requests(*, channel: Channel) -> QuerySet[CancellationRequest]:
    return CancellationRequest.objects.filter(channel=channel).select_related("order_item")


get_cancellation_request = channel_row_getter(list_cancellation_requests, "Cancellation request")


@transaction.atomic
def create_cancellation_request(*, channel: Channel, payload: Any) -> tuple[CancellationRequest, bool]:
    """Record a request to cancel or refund one item of the channel; returns it and whether it
    was already recorded.

    Channels resend the requests they hold on every sync, so a request whose `remote_id` is known
    with the same item, reason and type is answered again rather than refused (`True`), and one
    with the same remote id but other content is a duplicate. ValidationFailed (400) also for an
    item of another channel, an item already cancelled or refunded, an item with an open request,
    an unknown or inactive reason. The item's order is locked, so two requests for one item
    cannot both pass the open-request check.
    """
    data, _ = parse(CancellationRequestIn, payload, channel=channel, read_only=("pk", "id", "status"))
    kind = data.cancellation_type or CancellationRequest.Type.CANCEL
    item = OrderItem.objects.filter(pk=data.order_item, order__channel=channel).first()
    if item is not None:
        Order.objects.select_for_update().filter(pk=item.order_id).first()
    if data.remote_id is not None:
        known = CancellationRequest.objects.filter(channel=channel, remote_id=data.remote_id).first()
        if known is not None:
            return _replayed(known, data, kind), True
    problems = _problems(channel, data, item)
    if problems:
        raise ValidationFailed(problems)
    request = CancellationRequest(
        channel=channel,
        order_item=item,
        reason_id=data.reason,
        cancellation_type=kind,
        description=data.description or "",
        remote_id=data.remote_id,
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        # Another request with this remote id was recorded since we looked.
        known = CancellationRequest.objects.get(channel=channel, remote_id=data.remote_id)
        return _replayed(known, data, kind), True
    return request, False


@transaction.atomic
def decide_cancellation_request(*, request: CancellationRequest, payload: Any) -> CancellationRequest:
    """Move the request along DECISIONS (approve, reject, confirm, complete) and/or change its
    description; ValidationFailed (400, invalid_transition) for any other move."""
    data, given = parse(
        CancellationRequestUpdateIn,
        payload,
        channel=request.channel,
        read_only=CANCELLATION_REQUEST_READ_ONLY,
    )
    request = CancellationRequest.objects.select_for_update().get(pk=request.pk)
    if "status" in given and data.status != request.status:
        if data.status not in DECISIONS[request.status]:
            raise ValidationFailed(
                Problem(
                    "status",
                    ErrorCode.INVALID_TRANSITION,
                    f"A {request.status} cancellation request cannot become {data.status}.",
                )
            )
        request.status = data.status
    if "description" in given:
        request.description = data.description or ""
    request.save()
    return request


def _problems(channel: Channel, data: CancellationRequestIn, item: OrderItem | None) -> list[Problem]:
    problems = []
    if item is None:
        problems.append(
            Problem(
                "order_item",
                ErrorCode.NOT_FOUND,
                f"Order item {data.order_item} does not exist in channel {channel.pk}.",
            )
        )
    elif item.status in TERMINAL:
        problems.append(
            Problem(
                "order_item", ErrorCode.ALREADY_CANCELLED, f"Order item {item.pk} is already {item.status}."
            )
        )
    elif CancellationRequest.objects.filter(order_item=item, status__in=_OPEN).exists():
        problems.append(
            Problem(
                "order_item",
                ErrorCode.CANCELLATION_PENDING,
                f"Order item {item.pk} already has an open cancellation request.",
            )
        )
    if not CancellationReason.objects.filter(pk=data.reason, is_active=True).exists():
        problems.append(
            Problem("reason", ErrorCode.NOT_FOUND, f"Cancellation reason {data.reason} does not exist.")
        )
    return problems


def _replayed(known: CancellationRequest, data: CancellationRequestIn, kind: str) -> CancellationRequest:
    same = (known.order_item_id, known.reason_id, known.cancellation_type) == (
        data.order_item,
        data.reason,
        kind,
    )
    if not same:
        raise ValidationFailed(
            Problem(
                "remote_id",
                ErrorCode.DUPLICATE,
                f"Cancellation request {known.pk} already has remote id {data.remote_id}, "
                "for another item, reason or type.",
            )
        )
    return known
