"""channel/{channel_id}/error_reports/ (and error_reports/<location type>/) and
channel/{channel_id}/operational_events/: what an integration reports."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.access.services import get_channel_for
from oms.core.http import json_response, read_json
from oms.core.listing import list_openapi, list_page
from oms.core.openapi import json_body
from oms.integrations.api.filters import (
    ERROR_REPORT_FILTERS,
    ID_ONLY_SORTS,
    LOCATION_ERROR_FILTERS,
    OPERATIONAL_EVENT_FILTERS,
)
from oms.integrations.api.router import router
from oms.integrations.presenters import (
    error_report_to_wire,
    location_error_report_to_wire,
    operational_event_to_wire,
)
from oms.integrations.schemas import ErrorReportIn, LocationErrorReportIn, OperationalEventIn
from oms.integrations.services import reports as services

REPORTS = "/channel/{channel_id}/error_reports/"
LOCATION_REPORTS = "/channel/{channel_id}/error_reports/{kind}/"
EVENTS = "/channel/{channel_id}/operational_events/"


@router.get(
    REPORTS,
    response={200: dict},
    summary="List error reports (and success logs)",
    openapi_extra=list_openapi(ERROR_REPORT_FILTERS, ID_ONLY_SORTS),
)
def list_error_reports(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    page = list_page(
        request,
        services.list_error_reports(channel=channel),
        filters=ERROR_REPORT_FILTERS,
        present=error_report_to_wire,
        sorts=ID_ONLY_SORTS,
    )
    return json_response(page)


@router.post(
    REPORTS,
    response={201: dict},
    summary="Report a step of a run (is_ok true for a success log)",
    openapi_extra=json_body(ErrorReportIn),
)
def create_error_report(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    report = services.create_error_report(channel=channel, payload=read_json(request))
    return json_response(error_report_to_wire(report), status=201)


@router.get(
    LOCATION_REPORTS,
    response={200: dict},
    summary="List the channel's locations no location matched (kind: country, city, township, district)",
    openapi_extra=list_openapi(LOCATION_ERROR_FILTERS, ID_ONLY_SORTS),
)
def list_location_error_reports(request: HttpRequest, channel_id: int, kind: str) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    queryset = services.list_location_error_reports(channel=channel, kind=kind)
    page = list_page(
        request,
        queryset,
        filters=LOCATION_ERROR_FILTERS,
        present=location_error_report_to_wire,
        sorts=ID_ONLY_SORTS,
    )
    return json_response(page)


@router.post(
    LOCATION_REPORTS,
    response={201: dict},
    summary="Report a channel location no location matched",
    openapi_extra=json_body(LocationErrorReportIn),
)
def create_location_error_report(request: HttpRequest, channel_id: int, kind: str) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    report = services.create_location_error_report(channel=channel, kind=kind, payload=read_json(request))
    return json_response(location_error_report_to_wire(report), status=201)


@router.get(
    EVENTS,
    response={200: dict},
    summary="List operational events",
    openapi_extra=list_openapi(OPERATIONAL_EVENT_FILTERS, ID_ONLY_SORTS),
)
def list_operational_events(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    page = list_page(
        request,
        services.list_operational_events(channel=channel),
        filters=OPERATIONAL_EVENT_FILTERS,
        present=operational_event_to_wire,
        sorts=ID_ONLY_SORTS,
    )
    return json_response(page)


@router.post(
    EVENTS,
    response={201: dict},
    summary="Record an operational event",
    openapi_extra=json_body(OperationalEventIn),
)
def create_operational_event(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_channel_for(principal=request.auth, channel_id=channel_id)
    event = services.create_operational_event(channel=channel, payload=read_json(request))
    return json_response(operational_event_to_wire(event), status=201)
