"""The wire contract of the integration endpoints: what a request may carry.

channel-app serialises its model objects as they are, so bodies often hold more than a write
needs (an integration action sent back whole, a batch request with its pk): the services drop
the read-only fields and, as everywhere in oms, ignore unknown ones unless the channel is strict.
Ids and names arrive as strings or numbers (`"channel": "1"`); both are accepted.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from oms.core.errors import printable
from oms.core.wire import (
    MAX_ID,
    Id,
    InexactNumber,
    JsonObject,
    NotANumber,
    WireDateTime,
    choice,
    integer,
    not_a_choice,
    parse_integer,
    text,
)
from oms.integrations.kinds import KIND_NAMES
from oms.integrations.models import (
    BatchRequest,
    CancellationRequest,
    IntegrationAction,
    LocationErrorReport,
)


class IntegrationModel(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


def _content_type_ref(value: Any) -> Any:
    """A content type id (1, "1") or a kind name ("order")."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError("invalid_type", "Expected a content type id or a model name.")
    if isinstance(value, str) and any(char.isnumeric() for char in value):
        try:
            value = parse_integer(value)
        except NotANumber as error:
            raise PydanticCustomError(error.code, str(error)) from None
    if isinstance(value, int):
        if not 1 <= value <= MAX_ID:
            raise PydanticCustomError("out_of_range", "Expected a content type id from 1.")
        return value
    name = value.strip().lower()
    if name not in KIND_NAMES:
        raise not_a_choice(value, "a model integrations use", KIND_NAMES)
    return name


ContentTypeRef = Annotated[
    int | str,
    BeforeValidator(_content_type_ref),
    WithJsonSchema(
        {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "enum": list(KIND_NAMES)}],
            "description": "A content type id (see content_types/) or its model name.",
        }
    ),
]
KindName = choice(KIND_NAMES, "model name")


def _log_text(value: Any) -> Any:
    # Logged payloads are kept whatever they hold: a NUL or a lone surrogate (neither can be
    # stored) is written as its escape rather than losing the report.
    if isinstance(value, str):
        return printable(value).replace("\x00", "\\u0000")
    if isinstance(value, InexactNumber):  # as written: 1e-400, not the 0.0 a float makes of it
        return value.text
    return value


LogText = Annotated[str, BeforeValidator(_log_text)]
ObjectId = integer(0, MAX_ID)


# --- integration actions -------------------------------------------------------------------------


class IntegrationActionIn(IntegrationModel):
    content_type: ContentTypeRef | None = None
    # UpdateIntegrationActions sends the content type's id under this name.
    content_type_id: Id | None = None
    object_id: Id | None = None
    remote_id: text(255, key=True) | None = None
    version_date: WireDateTime | None = None
    state: JsonObject | None = None
    status: choice(IntegrationAction.Status.values, "integration action status") = None
    failed_reason_type: choice(
        IntegrationAction.FailedReasonType.values, "failed reason type", blank_is_none=True
    ) = None
    channel: Id | None = None
    channel_id: Id | None = None


INTEGRATION_ACTION_READ_ONLY = (
    "pk",
    "id",
    "created_date",
    "modified_date",
    "local_batch_id",
    "batch_request",
)


# --- batch requests ------------------------------------------------------------------------------


class BatchObjectIn(IntegrationModel):
    """One object of a batch: `{"pk", "content_type", "remote_id", "version_date",
    "failed_reason_type"}` as channel-app's `create_batch_objects` writes it."""

    pk: Id
    content_type: KindName = None
    remote_id: text(255, key=True) | None = None
    version_date: WireDateTime | None = None
    failed_reason_type: choice(
        IntegrationAction.FailedReasonType.values, "failed reason type", blank_is_none=True
    ) = None


class BatchRequestIn(IntegrationModel):
    channel: Id | None = None
    content_type: KindName = None
    remote_batch_id: text(255, key=True) | None = None
    status: choice(BatchRequest.Status.values, "batch request status") = None
    objects: Annotated[list[BatchObjectIn], Field(max_length=10_000)] | None = None


BATCH_REQUEST_READ_ONLY = ("pk", "id", "local_batch_id", "created_date", "modified_date")


# --- reports -------------------------------------------------------------------------------------


class ErrorReportIn(IntegrationModel):
    action_content_type: ContentTypeRef
    action_object_id: ObjectId
    target_content_type: ContentTypeRef | None = None
    target_object_id: text(64) | None = None
    obj_modified_date: WireDateTime | None = None
    error_code: text(255, min_length=1)
    error_desc: LogText | None = None
    raw_request: LogText | None = None
    raw_response: LogText | None = None
    is_ok: bool | None = None


class LocationErrorReportIn(IntegrationModel):
    type: choice(LocationErrorReport.Type.values, "location type") = None
    remote_code: text(255, min_length=1, key=True)
    country_id: ObjectId | None = None
    integration_type: text(32) | None = None
    err_code: text(64) | None = None
    err_desc: LogText | None = None


class OperationalEventIn(IntegrationModel):
    event_type: text(64, min_length=1)
    level: text(16, min_length=1)
    source: text(64) | None = None
    message: LogText | None = None
    context: JsonObject | None = None
    tags: JsonObject | None = None
    action_content_type: text(64) | None = None
    action_object_id: ObjectId | None = None
    trace_id: text(64) | None = None
    span_id: text(64) | None = None
    parent_span_id: text(64) | None = None
    # {"raw_request", "raw_response"} of a failure: kept as text, however long; keys escaped as
    # the values are.
    raw_data: dict[LogText, LogText | None] | None = None


# --- cancellation requests and shipping infos ----------------------------------------------------


class CancellationRequestIn(IntegrationModel):
    order_item: Id
    reason: Id
    cancellation_type: choice(CancellationRequest.Type.values, "cancellation type") = None
    remote_id: text(255, key=True) | None = None
    description: text(5000) | None = None
    channel: Id | None = None


class CancellationRequestUpdateIn(IntegrationModel):
    status: choice(CancellationRequest.Status.values, "cancellation request status") = None
    description: text(5000) | None = None


CANCELLATION_REQUEST_READ_ONLY = (
    "pk",
    "id",
    "order",
    "order_item",
    "reason",
    "cancellation_type",
    "remote_id",
    "channel",
    "created_date",
    "modified_date",
)


def _cargo_ref(value: Any) -> Any:
    # channel-app means to send the cargo company it read (an object with its pk).
    if isinstance(value, dict):
        if "pk" not in value:
            raise PydanticCustomError("required", "A cargo company object needs its pk.")
        return value["pk"]
    return value


class OrderShippingInfoIn(IntegrationModel):
    order: Id
    order_number: text(128, key=True) | None = None
    shipping_company: Annotated[
        Id,
        BeforeValidator(_cargo_ref),
        WithJsonSchema(
            {
                "anyOf": [{"type": "integer"}, {"type": "object", "properties": {"pk": {"type": "integer"}}}],
                "description": "The cargo company's pk, or the cargo company object (its pk is read).",
            }
        ),
    ]
    is_send: bool | None = None


SHIPPING_INFO_READ_ONLY = ("pk", "id", "created_date", "modified_date")


# Documented in the OpenAPI document (the services validate the bodies themselves).
INTEGRATION_SCHEMAS: list[type[BaseModel]] = [
    IntegrationActionIn,
    BatchRequestIn,
    ErrorReportIn,
    LocationErrorReportIn,
    OperationalEventIn,
    CancellationRequestIn,
    CancellationRequestUpdateIn,
    OrderShippingInfoIn,
]


class CatalogItemIn(IntegrationModel):
    """A product of a catalog, by its id or its sku (both: they must agree)."""

    product: Id | None = None
    sku: text(128, min_length=1, key=True) | None = None

    model_config = ConfigDict(json_schema_extra={"examples": [{"product": 4}, {"sku": "TSHIRT-RED-M"}]})
