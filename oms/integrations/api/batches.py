"""channel/{channel_id}/batch_requests/: an integration's runs and their state machine."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.core.http import json_response, read_json
from oms.core.listing import list_openapi, list_page
from oms.core.openapi import json_body
from oms.integrations.api.filters import BATCH_REQUEST_FILTERS
from oms.integrations.api.router import router
from oms.integrations.presenters import batch_request_to_wire
from oms.integrations.schemas import BatchRequestIn
from oms.integrations.services import batches as services

BATCHES = "/channel/{channel_id}/batch_requests/"
BATCH = "/channel/{channel_id}/batch_requests/{pk}/"


@router.get(
    BATCHES,
    response={200: dict},
    summary="List batch requests (status may repeat: status=sent_to_remote&status=ongoing)",
    openapi_extra=list_openapi(BATCH_REQUEST_FILTERS),
)
def list_batch_requests(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    queryset = services.list_batch_requests(channel=channel)
    return json_response(
        list_page(request, queryset, filters=BATCH_REQUEST_FILTERS, present=batch_request_to_wire)
    )


@router.post(
    BATCHES,
    response={201: dict},
    summary="Open a run: a batch request in initialized",
    openapi_extra=json_body(BatchRequestIn),
)
def create_batch_request(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    batch = services.create_batch_request(channel=channel, payload=read_json(request))
    return json_response(
        batch_request_to_wire(services.get_batch_request(channel=channel, pk=batch.pk)), status=201
    )


@router.get(BATCH, response={200: dict}, summary="Retrieve a batch request with its objects")
def get_batch_request(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    return json_response(batch_request_to_wire(services.get_batch_request(channel=channel, pk=pk)))


@router.api_operation(
    ["PATCH", "PUT"],
    BATCH,
    response={200: dict, 406: dict},
    summary="Move a batch request (status) and record its objects; 406 batch_request_status_100_1 if refused",
    openapi_extra=json_body(BatchRequestIn),
)
def update_batch_request(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    batch = services.update_batch_request(channel=channel, pk=pk, payload=read_json(request))
    return json_response(batch_request_to_wire(batch))
