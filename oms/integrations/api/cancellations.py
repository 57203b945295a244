"""channel/{channel_id}/cancellation_requests/: requests a channel relays, and their decision."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.core.http import json_response, read_json
from oms.core.listing import list_openapi, list_page
from oms.core.openapi import json_body
from oms.integrations.api.filters import CANCELLATION_REQUEST_FILTERS
from oms.integrations.api.router import router
from oms.integrations.presenters import cancellation_request_to_wire
from oms.integrations.schemas import CancellationRequestIn, CancellationRequestUpdateIn
from oms.integrations.services import cancellations as services
from oms.integrations.services.updates import list_cancellation_request_updates

REQUESTS = "/channel/{channel_id}/cancellation_requests/"
UPDATES = "/channel/{channel_id}/cancellation_requests/updates/"
REQUEST = "/channel/{channel_id}/cancellation_requests/{pk}/"
UPDATE_SORTS = {"modified_date": "modified_date", "id": "pk"}


@router.get(
    REQUESTS,
    response={200: dict},
    summary="List cancellation requests",
    openapi_extra=list_openapi(CANCELLATION_REQUEST_FILTERS),
)
def list_cancellation_requests(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    queryset = services.list_cancellation_requests(channel=channel)
    return json_response(
        list_page(
            request, queryset, filters=CANCELLATION_REQUEST_FILTERS, present=cancellation_request_to_wire
        )
    )


@router.get(
    UPDATES,
    response={200: dict},
    summary="Cancellation requests changed since the channel last received them (oldest change first)",
    openapi_extra=list_openapi(CANCELLATION_REQUEST_FILTERS, UPDATE_SORTS),
)
def list_cancellation_request_updates_view(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    page = list_page(
        request,
        list_cancellation_request_updates(channel=channel),
        filters=CANCELLATION_REQUEST_FILTERS,
        present=cancellation_request_to_wire,
        sorts=UPDATE_SORTS,
        default_sort="modified_date",
    )
    return json_response(page)


@router.post(
    REQUESTS,
    response={201: dict, 200: dict},
    summary="Record a cancellation or refund request for one item (200: already recorded)",
    openapi_extra=json_body(CancellationRequestIn),
)
def create_cancellation_request(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    cancellation, replayed = services.create_cancellation_request(channel=channel, payload=read_json(request))
    return json_response(cancellation_request_to_wire(cancellation), status=200 if replayed else 201)


@router.get(REQUEST, response={200: dict}, summary="Retrieve a cancellation request")
def get_cancellation_request(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(
        cancellation_request_to_wire(services.get_cancellation_request(channel=channel, pk=pk))
    )


@router.api_operation(
    ["PATCH", "PUT"],
    REQUEST,
    response={200: dict},
    summary="Decide a cancellation request (status: approved, rejected, confirmed, completed)",
    openapi_extra=json_body(CancellationRequestUpdateIn),
)
def decide_cancellation_request(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    cancellation = services.get_cancellation_request(channel=channel, pk=pk)
    cancellation = services.decide_cancellation_request(request=cancellation, payload=read_json(request))
    return json_response(cancellation_request_to_wire(cancellation))
