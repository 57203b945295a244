"""What integrations report: error reports (also their success logs), locations they could not
match, and operational events. Kept as sent, for operators; nothing else reads them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.integrations.models import ErrorReport, LocationErrorReport, OperationalEvent
from oms.integrations.schemas import ErrorReportIn, LocationErrorReportIn, OperationalEventIn
from oms.integrations.services.common import content_type_id, parse, resolve_kind

_READ_ONLY = ("pk", "id", "created_date")


def list_error_reports(*, channel: Channel) -> QuerySet[ErrorReport]:
    return ErrorReport.objects.filter(channel=channel)


@transaction.atomic
def create_error_report(*, channel: Channel, payload: Any) -> ErrorReport:
    """Store one report. Content types are ids from content_types/ (or model names); a report
    about an object is kept whether or not the object exists (it may have failed to be made)."""
    data, _ = parse(ErrorReportIn, payload, channel=channel, read_only=_READ_ONLY)
    problems: list[Problem] = []
    action_kind = resolve_kind(data.action_content_type, path="action_content_type", problems=problems)
    target_kind = (
        resolve_kind(data.target_content_type, path="target_content_type", problems=problems)
        if data.target_content_type is not None
        else None
    )
    if problems:
        raise ValidationFailed(problems)
    return ErrorReport.objects.create(
        channel=channel,
        action_content_type_id=content_type_id(action_kind),
        action_object_id=data.action_object_id,
        target_content_type_id=content_type_id(target_kind) if target_kind else None,
        target_object_id=data.target_object_id or "",
        obj_modified_date=data.obj_modified_date,
        error_code=data.error_code,
        error_desc=data.error_desc or "",
        raw_request=data.raw_request or "",
        raw_response=data.raw_response or "",
        is_ok=bool(data.is_ok),
    )


def list_location_error_reports(*, channel: Channel, kind: str) -> QuerySet[LocationErrorReport]:
    return LocationErrorReport.objects.filter(channel=channel, type=kind)


@transaction.atomic
def create_location_error_report(*, channel: Channel, kind: str, payload: Any) -> LocationErrorReport:
    """Store a location the integration could not match; `kind` comes from the URL
    (error_reports/city/) and the body's `type`, if sent, must agree."""
    problems = []
    if kind not in LocationErrorReport.Type.values:
        problems.append(
            Problem(
                "type",
                ErrorCode.INVALID_CHOICE,
                f'"{kind[:32]}" is not a location type; expected one of: '
                f"{', '.join(LocationErrorReport.Type.values)}.",
            )
        )
    data, _ = parse(LocationErrorReportIn, payload, channel=channel, read_only=_READ_ONLY)
    if data.type is not None and data.type != kind:
        problems.append(Problem("type", ErrorCode.MISMATCH, f"type is {data.type} but the URL's is {kind}."))
    if problems:
        raise ValidationFailed(problems)
    return LocationErrorReport.objects.create(
        channel=channel,
        type=kind,
        remote_code=data.remote_code,
        country_pk=data.country_id,
        integration_type=data.integration_type or "",
        err_code=data.err_code or "",
        err_desc=data.err_desc or "",
    )


def list_operational_events(*, channel: Channel) -> QuerySet[OperationalEvent]:
    return OperationalEvent.objects.filter(channel=channel)


@transaction.atomic
def create_operational_event(*, channel: Channel, payload: Any) -> OperationalEvent:
    data, _ = parse(OperationalEventIn, payload, channel=channel, read_only=_READ_ONLY)
    return OperationalEvent.objects.create(
        channel=channel,
        event_type=data.event_type,
        level=data.level,
        source=data.source or "",
        message=data.message or "",
        context=data.context or {},
        tags=data.tags or {},
        action_content_type=data.action_content_type or "",
        action_object_id=data.action_object_id,
        trace_id=data.trace_id or "",
        span_id=data.span_id or "",
        parent_span_id=data.parent_span_id or "",
        raw_data=data.raw_data,
    )
