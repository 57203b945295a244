"""The integration objects as answered on the wire, in the shapes Omnitron's clients read; each
schema renders its answer (oms.core.answers)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.contrib.contenttypes.models import ContentType
from pydantic import Field

from oms.core.answers import PK, Answer, ChannelRowOut, DateTimeOut, From, RowOut
from oms.core.wire import ErrorOut
from oms.integrations.kinds import content_types, kind_by_content_type_id

CHANNEL = From("channel_id")
NULL_WHEN_BLANK = From(blank_as_null=True)


class ContentTypeRefOut(Answer):
    id: int
    app_label: str
    model: str


def _content_type_ref(obj: Any, ctx: Any) -> dict[str, Any] | None:
    # channel-app reads `content_type["model"]` and `content_type["id"]`.
    content_type_id = obj.content_type_id
    if content_type_id is None:
        return None
    kind = kind_by_content_type_id().get(content_type_id)
    if kind is None:
        content_type = ContentType.objects.get_for_id(content_type_id)
        return {"id": content_type_id, "app_label": content_type.app_label, "model": content_type.model}
    return {"id": content_type_id, "app_label": content_types()[kind].app_label, "model": kind}


def _kind(obj: Any, ctx: Any) -> str | None:
    return kind_by_content_type_id().get(obj.content_type_id)


class ContentTypeOut(Answer):
    id: Annotated[int, PK]
    pk: int
    app_label: str
    model: str
    name: Annotated[
        str,
        From(resolve=lambda ct, ctx: str(ct.model_class()._meta.verbose_name) if ct.model_class() else ""),
    ]


class IntegrationActionOut(ChannelRowOut):
    content_type: Annotated[ContentTypeRefOut | None, From(resolve=_content_type_ref)]
    object_id: int
    remote_id: str | None
    version_date: DateTimeOut | None
    state: dict[str, Any]
    status: str
    failed_reason_type: Annotated[str | None, NULL_WHEN_BLANK]
    batch_request: Annotated[int | None, From("batch_request_id")]
    local_batch_id: Annotated[
        str | None,
        From(
            resolve=lambda a, ctx: (
                str(a.batch_request.local_batch_id) if a.batch_request is not None else None
            )
        ),
    ] = Field(description="The batch's UUID.")
    created_date: DateTimeOut
    modified_date: DateTimeOut


class BatchObjectOut(Answer):
    """One object a batch recorded (an integration action), as channel-app writes it."""

    pk: Annotated[int, From("object_id")]
    content_type: Annotated[str | None, From(resolve=_kind)]
    remote_id: str | None
    version_date: DateTimeOut | None
    failed_reason_type: Annotated[str | None, NULL_WHEN_BLANK]
    status: str


def _batch_kind(batch: Any, ctx: Any) -> str | None:
    return kind_by_content_type_id().get(
        batch.content_type_id, batch.content_type.model if batch.content_type else None
    )


class BatchRequestOut(ChannelRowOut):
    """`objects` lists what the batch recorded; the batch's integration actions must be
    prefetched (`list_batch_requests` does)."""

    local_batch_id: Annotated[str, From(resolve=lambda batch, ctx: str(batch.local_batch_id))]
    remote_batch_id: Annotated[str | None, NULL_WHEN_BLANK]
    content_type: Annotated[str | None, From(resolve=_batch_kind)]
    status: str
    objects: Annotated[list[BatchObjectOut], From("integration_actions")]
    created_date: DateTimeOut
    modified_date: DateTimeOut


class ErrorReportOut(ChannelRowOut):
    action_content_type: Annotated[int, From("action_content_type_id")]
    action_object_id: int
    target_content_type: Annotated[int | None, From("target_content_type_id")]
    target_object_id: str
    obj_modified_date: DateTimeOut | None
    error_code: str
    error_desc: str
    raw_request: str
    raw_response: str
    is_ok: bool
    created_date: DateTimeOut


class LocationErrorReportOut(ChannelRowOut):
    type: str
    remote_code: str
    country_id: Annotated[int | None, From("country_pk")]
    integration_type: str
    err_code: str
    err_desc: str
    created_date: DateTimeOut


class OperationalEventOut(ChannelRowOut):
    event_type: str
    level: str
    source: str
    message: str
    context: dict[str, Any]
    tags: dict[str, Any]
    action_content_type: Annotated[str | None, NULL_WHEN_BLANK]
    action_object_id: int | None
    trace_id: Annotated[str | None, NULL_WHEN_BLANK]
    span_id: Annotated[str | None, NULL_WHEN_BLANK]
    parent_span_id: Annotated[str | None, NULL_WHEN_BLANK]
    raw_data: Any = Field(description="Any JSON value the integration sent.")
    created_date: DateTimeOut


class CancellationRequestOut(ChannelRowOut):
    order: Annotated[int, From("order_item.order_id")]
    order_item: Annotated[int, From("order_item_id")]
    reason: Annotated[int, From("reason_id")]
    cancellation_type: str
    status: str
    description: str
    remote_id: str | None
    created_date: DateTimeOut
    modified_date: DateTimeOut


class OrderShippingInfoOut(RowOut):
    order: Annotated[int, From("order_id")]
    order_number: str
    shipping_company: Annotated[int, From("shipping_company_id")]
    is_send: bool
    created_date: DateTimeOut
    modified_date: DateTimeOut


class IntegrationChannelOut(RowOut):
    """A channel with its integration configuration; rendered with `conf=` in the context."""

    name: str
    code: str
    channel_type: Annotated[Literal["sales_channel"], From(resolve=lambda channel, ctx: "sales_channel")]
    is_active: bool
    conf: Annotated[dict[str, Any], From(resolve=lambda channel, ctx: ctx["conf"])]
    category_tree: Annotated[int | None, From(resolve=lambda channel, ctx: ctx["category_tree"])] = Field(
        description="The category tree the channel's products are sent under (its configuration's)."
    )
    created_date: DateTimeOut
    modified_date: DateTimeOut


class CatalogOut(RowOut):
    name: str
    channel: Annotated[int, CHANNEL]
    price_list: Annotated[int, From("price_list_id")]
    stock_list: Annotated[int, From("stock_list_id")]
    created_date: DateTimeOut
    modified_date: DateTimeOut


class ApiKeyOut(Answer):
    name: str
    prefix: str


def _user(attribute: str, default: Any) -> From:
    def resolve(active: Any, ctx: Any) -> Any:
        user = active.key.user
        return getattr(user, attribute) if user else default

    return From(resolve=resolve)


def _username(active: Any, ctx: Any) -> str:
    user = active.key.user
    return user.get_username() if user else active.key.name


def _channels(active: Any, ctx: Any) -> list[int] | None:
    channels = active.principal.channel_ids
    return sorted(channels) if channels is not None else None


class ActiveUserOut(Answer):
    """The key's user (a key without one answers its own name); `channels` null for every channel."""

    pk: Annotated[int | None, _user("pk", None)]
    id: Annotated[int | None, _user("pk", None)]
    username: Annotated[str, From(resolve=_username)]
    email: Annotated[str, _user("email", "")]
    first_name: Annotated[str, _user("first_name", "")]
    last_name: Annotated[str, _user("last_name", "")]
    is_active: Annotated[bool, From(resolve=lambda active, ctx: True)]
    is_staff: Annotated[
        bool, From(resolve=lambda active, ctx: bool(active.key.user and active.key.user.is_staff))
    ]
    is_superuser: Annotated[
        bool, From(resolve=lambda active, ctx: bool(active.key.user and active.key.user.is_superuser))
    ]
    api_key: Annotated[ApiKeyOut, From("key")]
    channels: Annotated[list[int] | None, From(resolve=_channels)]


class BatchRefusedOut(ErrorOut):
    """406: the batch request may not make that move."""

    error_code: str = Field(
        description="Omnitron's code, batch_request_status_100_1, which channel-app reads."
    )
