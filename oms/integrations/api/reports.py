"""channel/{channel_id}/error_reports/ (and error_reports/<location type>/) and
channel/{channel_id}/operational_events/: what an integration reports."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from oms.core.http import json_response, read_json
from oms.core.listing import list_openapi, list_page, page_of
from oms.core.openapi import json_body
from oms.core.resources import Resource
from oms.integrations.api.filters import (
    ERROR_REPORT_FILTERS,
    ID_ONLY_SORTS,
    LOCATION_ERROR_FILTERS,
    OPERATIONAL_EVENT_FILTERS,
)
from oms.integrations.api.router import router
from oms.integrations.schemas import ErrorReportIn, LocationErrorReportIn, OperationalEventIn
from oms.integrations.schemas_out import ErrorReportOut, LocationErrorReportOut, OperationalEventOut
from oms.integrations.services import reports as services

REPORTS = Resource.of(
    services,
    "error_report",
    ErrorReportOut,
    "list create",
    filters=ERROR_REPORT_FILTERS,
    sorts=ID_ONLY_SORTS,
    body=ErrorReportIn,
    summaries={
        "list": "List error reports (and success logs)",
        "create": "Report a step of a run (is_ok true for a success log)",
    },
)
REPORTS.register(router)
Resource.of(
    services,
    "operational_event",
    OperationalEventOut,
    "list create",
    filters=OPERATIONAL_EVENT_FILTERS,
    sorts=ID_ONLY_SORTS,
    body=OperationalEventIn,
    summaries={"list": "List operational events", "create": "Record an operational event"},
).register(router)

# Under a location type as well as the channel: written out, on the resource's pieces.
LOCATION_REPORTS = REPORTS.list_path + "{kind}/"


@router.get(
    LOCATION_REPORTS,
    response={200: page_of(LocationErrorReportOut)},
    summary="List the channel's locations no location matched (kind: country, city, township, district)",
    openapi_extra=list_openapi(LOCATION_ERROR_FILTERS, ID_ONLY_SORTS),
)
def list_location_error_reports(request: HttpRequest, channel_id: int, kind: str) -> HttpResponse:
    channel = REPORTS.owner(request, {"channel_id": channel_id})
    queryset = services.list_location_error_reports(**channel, kind=kind)
    present = LocationErrorReportOut.presenter()
    return json_response(
        list_page(request, queryset, filters=LOCATION_ERROR_FILTERS, present=present, sorts=ID_ONLY_SORTS)
    )


@router.post(
    LOCATION_REPORTS,
    response={201: LocationErrorReportOut},
    summary="Report a channel location no location matched",
    openapi_extra=json_body(LocationErrorReportIn),
)
def create_location_error_report(request: HttpRequest, channel_id: int, kind: str) -> HttpResponse:
    channel = REPORTS.owner(request, {"channel_id": channel_id})
    report = services.create_location_error_report(**channel, kind=kind, payload=read_json(request))
    return json_response(LocationErrorReportOut.render(report), status=201)
