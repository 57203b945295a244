"""channel/{channel_id}/cancellation_requests/: requests a channel relays, and their decision."""

from __future__ import annotations

from typing import Any

from oms.channels.models import Channel
from oms.core.resources import Resource
from oms.integrations.api.filters import CANCELLATION_REQUEST_FILTERS
from oms.integrations.api.router import router
from oms.integrations.models import CancellationRequest
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


def record_cancellation_request(*, channel: Channel, payload: Any) -> tuple[CancellationRequest, bool]:
    request, replayed = services.create_cancellation_request(channel=channel, payload=payload)
    return request, not replayed


Resource.of(
    services,
    "cancellation_request",
    CancellationRequestOut,
    "list get",
    filters=CANCELLATION_REQUEST_FILTERS,
    body=CancellationRequestIn,
    create=record_cancellation_request,
    upsert=True,
    update=services.decide_cancellation_request,
    update_body=CancellationRequestUpdateIn,
    names={"update": "decide_cancellation_request", "create": "create_cancellation_request"},
    summaries={
        "create": "Record a cancellation or refund request for one item (200: already recorded)",
        "update": "Decide a cancellation request (status: approved, rejected, confirmed, completed)",
    },
).register(router)
