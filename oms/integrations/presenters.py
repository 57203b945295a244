"""The integration objects as answered on the wire, in the shapes Omnitron's clients read."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType

from oms.channels.models import Channel
from oms.core.render import wire_datetime
from oms.integrations.kinds import content_types, kind_by_content_type_id
from oms.integrations.models import (
    BatchRequest,
    CancellationRequest,
    Catalog,
    ErrorReport,
    IntegrationAction,
    LocationErrorReport,
    OperationalEvent,
    OrderShippingInfo,
)
from oms.integrations.services.reference import ActiveUser


def content_type_to_wire(content_type: ContentType) -> dict[str, Any]:
    return {
        "id": content_type.pk,
        "pk": content_type.pk,
        "app_label": content_type.app_label,
        "model": content_type.model,
        "name": str(content_type.model_class()._meta.verbose_name) if content_type.model_class() else "",
    }


def _content_type_ref(content_type_id: int | None) -> dict[str, Any] | None:
    # channel-app reads `content_type["model"]` and `content_type["id"]`.
    if content_type_id is None:
        return None
    kind = kind_by_content_type_id().get(content_type_id)
    if kind is None:
        content_type = ContentType.objects.get_for_id(content_type_id)
        return {"id": content_type_id, "app_label": content_type.app_label, "model": content_type.model}
    return {"id": content_type_id, "app_label": content_types()[kind].app_label, "model": kind}


def integration_action_to_wire(action: IntegrationAction) -> dict[str, Any]:
    batch = action.batch_request
    return {
        "pk": action.pk,
        "id": action.pk,
        "channel": action.channel_id,
        "content_type": _content_type_ref(action.content_type_id),
        "object_id": action.object_id,
        "remote_id": action.remote_id,
        "version_date": wire_datetime(action.version_date),
        "state": action.state,
        "status": action.status,
        "failed_reason_type": action.failed_reason_type or None,
        "batch_request": action.batch_request_id,
        "local_batch_id": str(batch.local_batch_id) if batch is not None else None,
        "created_date": wire_datetime(action.created_date),
        "modified_date": wire_datetime(action.modified_date),
    }


def batch_request_to_wire(batch: BatchRequest) -> dict[str, Any]:
    """`objects` lists what the batch recorded, as channel-app writes them; the batch's
    integration actions must be prefetched (`list_batch_requests` does)."""
    kinds = kind_by_content_type_id()
    return {
        "pk": batch.pk,
        "id": batch.pk,
        "channel": batch.channel_id,
        "local_batch_id": str(batch.local_batch_id),
        "remote_batch_id": batch.remote_batch_id or None,
        "content_type": kinds.get(
            batch.content_type_id, batch.content_type.model if batch.content_type else None
        ),
        "status": batch.status,
        "objects": [
            {
                "pk": action.object_id,
                "content_type": kinds.get(action.content_type_id),
                "remote_id": action.remote_id,
                "version_date": wire_datetime(action.version_date),
                "failed_reason_type": action.failed_reason_type or None,
                "status": action.status,
            }
            for action in batch.integration_actions.all()
        ],
        "created_date": wire_datetime(batch.created_date),
        "modified_date": wire_datetime(batch.modified_date),
    }


def error_report_to_wire(report: ErrorReport) -> dict[str, Any]:
    return {
        "pk": report.pk,
        "id": report.pk,
        "channel": report.channel_id,
        "action_content_type": report.action_content_type_id,
        "action_object_id": report.action_object_id,
        "target_content_type": report.target_content_type_id,
        "target_object_id": report.target_object_id,
        "obj_modified_date": wire_datetime(report.obj_modified_date),
        "error_code": report.error_code,
        "error_desc": report.error_desc,
        "raw_request": report.raw_request,
        "raw_response": report.raw_response,
        "is_ok": report.is_ok,
        "created_date": wire_datetime(report.created_date),
    }


def location_error_report_to_wire(report: LocationErrorReport) -> dict[str, Any]:
    return {
        "pk": report.pk,
        "id": report.pk,
        "channel": report.channel_id,
        "type": report.type,
        "remote_code": report.remote_code,
        "country_id": report.country_pk,
        "integration_type": report.integration_type,
        "err_code": report.err_code,
        "err_desc": report.err_desc,
        "created_date": wire_datetime(report.created_date),
    }


def operational_event_to_wire(event: OperationalEvent) -> dict[str, Any]:
    return {
        "pk": event.pk,
        "id": event.pk,
        "channel": event.channel_id,
        "event_type": event.event_type,
        "level": event.level,
        "source": event.source,
        "message": event.message,
        "context": event.context,
        "tags": event.tags,
        "action_content_type": event.action_content_type or None,
        "action_object_id": event.action_object_id,
        "trace_id": event.trace_id or None,
        "span_id": event.span_id or None,
        "parent_span_id": event.parent_span_id or None,
        "raw_data": event.raw_data,
        "created_date": wire_datetime(event.created_date),
    }


def cancellation_request_to_wire(request: CancellationRequest) -> dict[str, Any]:
    return {
        "pk": request.pk,
        "id": request.pk,
        "channel": request.channel_id,
        "order": request.order_item.order_id,
        "order_item": request.order_item_id,
        "reason": request.reason_id,
        "cancellation_type": request.cancellation_type,
        "status": request.status,
        "description": request.description,
        "remote_id": request.remote_id,
        "created_date": wire_datetime(request.created_date),
        "modified_date": wire_datetime(request.modified_date),
    }


def shipping_info_to_wire(info: OrderShippingInfo) -> dict[str, Any]:
    return {
        "pk": info.pk,
        "id": info.pk,
        "order": info.order_id,
        "order_number": info.order_number,
        "shipping_company": info.shipping_company_id,
        "is_send": info.is_send,
        "created_date": wire_datetime(info.created_date),
        "modified_date": wire_datetime(info.modified_date),
    }


def channel_to_wire(channel: Channel, conf: dict[str, Any]) -> dict[str, Any]:
    return {
        "pk": channel.pk,
        "id": channel.pk,
        "name": channel.name,
        "code": channel.code,
        "channel_type": "sales_channel",
        "is_active": channel.is_active,
        "conf": conf,
        "created_date": wire_datetime(channel.created_date),
        "modified_date": wire_datetime(channel.modified_date),
    }


def catalog_to_wire(catalog: Catalog) -> dict[str, Any]:
    return {
        "pk": catalog.pk,
        "id": catalog.pk,
        "name": catalog.name,
        "channel": catalog.channel_id,
        "price_list": catalog.price_list_id,
        "stock_list": catalog.stock_list_id,
        "created_date": wire_datetime(catalog.created_date),
        "modified_date": wire_datetime(catalog.modified_date),
    }


def active_user_to_wire(active: ActiveUser) -> dict[str, Any]:
    user = active.key.user
    channels = active.principal.channel_ids
    return {
        "pk": user.pk if user else None,
        "id": user.pk if user else None,
        "username": user.get_username() if user else active.key.name,
        "email": user.email if user else "",
        "first_name": user.first_name if user else "",
        "last_name": user.last_name if user else "",
        "is_active": True,
        "is_staff": bool(user and user.is_staff),
        "is_superuser": bool(user and user.is_superuser),
        "api_key": {"name": active.key.name, "prefix": active.key.prefix},
        "channels": sorted(channels) if channels is not None else None,
    }
