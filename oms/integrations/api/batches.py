"""channel/{channel_id}/batch_requests/: an integration's runs and their state machine."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from oms.channels.models import Channel
from oms.core.http import read_json
from oms.core.openapi import json_body
from oms.core.resources import Resource
from oms.integrations.api.filters import BATCH_REQUEST_FILTERS
from oms.integrations.api.router import router
from oms.integrations.models import BatchRequest
from oms.integrations.schemas import BatchRequestIn
from oms.integrations.schemas_out import BatchRefusedOut, BatchRequestOut
from oms.integrations.services import batches as services


def open_batch_request(*, channel: Channel, payload: Any) -> BatchRequest:
    batch = services.create_batch_request(channel=channel, payload=payload)
    return services.get_batch_request(channel=channel, pk=batch.pk)  # with its objects


BATCHES = Resource.of(
    services,
    "batch_request",
    BatchRequestOut,
    "list get",
    filters=BATCH_REQUEST_FILTERS,
    body=BatchRequestIn,
    create=open_batch_request,
    summaries={
        "list": "List batch requests (status may repeat: status=sent_to_remote&status=ongoing)",
        "create": "Open a run: a batch request in initialized",
        "get": "Retrieve a batch request with its objects",
    },
)
BATCHES.register(router)


@router.api_operation(
    ["PATCH", "PUT"],
    BATCHES.row_path,
    response={200: BatchRequestOut, 406: BatchRefusedOut},
    summary="Move a batch request (status) and record its objects; 406 batch_request_status_100_1 if refused",
    openapi_extra=json_body(BatchRequestIn),
)
def update_batch_request(request: HttpRequest, channel_id: int, pk: int) -> HttpResponse:
    channel = BATCHES.owner(request, {"channel_id": channel_id})
    return BATCHES.answer(services.update_batch_request(**channel, pk=pk, payload=read_json(request)))
