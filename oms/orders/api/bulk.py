"""POST create_orders/bulk/: many orders per call, one result per order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from pydantic import BaseModel, Field, ValidationError

from oms.access.services import get_channel_for
from oms.channels.models import Channel
from oms.core.answers import Answer, From
from oms.core.errors import DomainError, ErrorCode, Problem, ValidationFailed
from oms.core.http import json_response, read_json
from oms.core.openapi import json_body
from oms.core.wire import ProblemOut, problems_from
from oms.idempotency.http import idempotent
from oms.observe.context import note_order
from oms.orders.api.router import create_router
from oms.orders.presenters import order_to_wire
from oms.orders.schemas import OrderOut
from oms.orders.services.bulk import BulkOutcome, BulkResult, BulkStatus, ErrorPolicy, create_orders_bulk
from oms.orders.services.reservations import stock_override

STOCK_PARAMETER = {
    "name": "stock",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["ignore"]},
    "description": "ignore: the orders reserve no stock (importing history); needs the shared grant.",
}


class BulkCreateIn(BaseModel):
    orders: list[Any] = Field(description="Each element is a create_orders body: {order, order_item}.")
    error_policy: Literal["reject_everything", "reject_failed"] = "reject_everything"


def _order(result: BulkResult, ctx: Mapping[str, Any]) -> dict[str, Any] | None:
    created = result.created
    if created is None:
        return None
    return order_to_wire(
        created.order,
        channel=ctx["channel"],
        items=created.items,
        fund_transfer_ids=created.fund_transfer_ids,
    )


class BulkOrderResultOut(Answer):
    index: int = Field(description="Index of the order in the request, from 0.")
    status: Annotated[BulkStatus, From(resolve=lambda result, ctx: str(result.status))]
    order: Annotated[OrderOut | None, From(resolve=_order)] = Field(description="The order, when written.")
    errors: Annotated[
        list[ProblemOut], From(resolve=lambda result, ctx: [p.as_dict() for p in result.problems])
    ]


class BulkCreateOut(Answer):
    summary: Annotated[dict[str, int], From(resolve=lambda outcome, ctx: outcome.counts())] = Field(
        description="Orders by status: created, replayed, conflict, rejected."
    )
    results: list[BulkOrderResultOut]


@create_router.post(
    "/channel/{channel_id}/create_orders/bulk/",
    url_name="create_orders_bulk",
    summary="Create many orders in one call, with one result per order",
    response={200: BulkCreateOut},
    openapi_extra=json_body(BulkCreateIn, "Up to OMS_MAX_ORDERS_PER_BULK orders, each a create_orders body.")
    | {"parameters": [STOCK_PARAMETER]},
)
@idempotent(max_body_setting="OMS_MAX_BULK_BODY_BYTES")
def create_orders_bulk_view(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    stock = stock_override(principal=request.auth, value=request.GET.get("stock"))
    data = parse_bulk_request(_payload(request))
    outcome = create_orders_bulk(
        channel=channel, payloads=data.orders, error_policy=ErrorPolicy(data.error_policy), stock_policy=stock
    )
    for result in outcome.results:
        note_order(str(result.status), codes=tuple(str(p.code) for p in result.problems))
    return json_response(bulk_to_wire(outcome, channel))


def orders_sent(request: HttpRequest) -> int:
    """What a bulk request costs against its key's rate limit: the number of orders it sends (at
    least 1; a body the route refuses before looking at any order costs 1)."""
    try:
        payload = _payload(request)
    except (DomainError, RequestDataTooBig):
        return 1
    orders = payload.get("orders") if isinstance(payload, dict) else None
    if not isinstance(orders, list) or len(orders) > settings.OMS_MAX_ORDERS_PER_BULK:
        return 1
    return max(1, len(orders))


def _payload(request: HttpRequest) -> Any:
    # Parsed once per request: the rate limit counts the orders before the route reads them.
    if not hasattr(request, "_bulk_payload"):
        request._bulk_payload = read_json(request, max_bytes=settings.OMS_MAX_BULK_BODY_BYTES)
    return request._bulk_payload


def parse_bulk_request(payload: Any) -> BulkCreateIn:
    limit = settings.OMS_MAX_ORDERS_PER_BULK
    if (
        isinstance(payload, dict)
        and isinstance(payload.get("orders"), list)
        and len(payload["orders"]) > limit
    ):
        got = len(payload["orders"])
        raise ValidationFailed(
            Problem("orders", ErrorCode.TOO_MANY, f"At most {limit} orders per call; got {got}.")
        )
    try:
        return BulkCreateIn.model_validate(payload)
    except ValidationError as error:
        raise ValidationFailed(problems_from(error)) from None


def bulk_to_wire(outcome: BulkOutcome, channel: Channel) -> dict[str, Any]:
    return BulkCreateOut.render(outcome, channel=channel)
