"""channel/{channel_id}/cancellation_requests/: requests a channel relays, and their decision."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.core.http import read_json
from oms.core.openapi import json_body
from oms.core.resources import Resource
from oms.integrations.api.filters import CANCELLATION_REQUEST_FILTERS
from oms.integrations.api.router import router
from oms.integrations.schemas import CancellationRequestIn, CancellationRequestUpdateIn
from oms.integrations.schemas_out import CancellationRequestOut
from oms.integrations.services import cancellations as services
from oms.integrations.services.updates import list_cancellation_request_updates

UPDATE_SORTS = {"modified_date": "modified_date", "id": "pk"}

# Before the requests: `updates/` would otherwise be read as a request's pk.
Resource(
    "cancellation_requests/updates",
    CancellationRequestOut,
    "cancellation_request_update",
    rows=list_cancellation_request_updates,
    filters=CANCELLATION_REQUEST_FILTERS,
    sorts=UPDATE_SORTS,
    default_sort="modified_date",
    names={"list": "list_cancellation_request_updates_view"},
    summaries={
        "list": "Cancellation requests changed since the channel last received them (oldest change first)"
    },
).register(router)
REQUESTS = Resource.of(
    services,
    "cancellation_request",
    CancellationRequestOut,
    "list get",
    filters=CANCELLATION_REQUEST_FILTERS,
    body=CancellationRequestUpdateIn,
    update=services.decide_cancellation_request,
    names={"update": "decide_cancellation_request"},
    summaries={"update": "Decide a cancellation request (status: approved, rejected, confirmed, completed)"},
)
REQUESTS.register(router)


@router.post(
    REQUESTS.list_path,
    response={201: CancellationRequestOut, 200: CancellationRequestOut},
    summary="Record a cancellation or refund request for one item (200: already recorded)",
    openapi_extra=json_body(CancellationRequestIn),
)
def create_cancellation_request(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = REQUESTS.owner(request, {"channel_id": channel_id})
    cancellation, replayed = services.create_cancellation_request(**channel, payload=read_json(request))
    return REQUESTS.answer(cancellation, 200 if replayed else 201)
