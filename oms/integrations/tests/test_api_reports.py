"""error_reports/, error_reports/<location type>/ and operational_events/ through HTTP, with the
bodies channel-app 0.0.161 posts."""

import pytest

from oms.integrations.kinds import content_types
from oms.integrations.models import ErrorReport, LocationErrorReport, OperationalEvent

pytestmark = pytest.mark.django_db
REPORTS = "/api/v1/channel/{}/error_reports/"


def report_body(**fields) -> dict:
    kinds = content_types()
    return {
        "action_content_type": kinds["batchrequest"].pk,
        "action_object_id": 10,
        "error_code": "5f0c-1-Channel-GetOrders_202989",
        "error_desc": "GetOrders",
        "is_ok": True,
        "obj_modified_date": "2026-11-27 03:31:31",
        "raw_request": "",
        "raw_response": "{'order': ...}",
        "target_content_type": kinds["channel"].pk,
        "target_object_id": "1",
        **fields,
    }


def test_a_success_log_and_an_error_are_stored_and_listed_apart(api):
    # Given a success log and an error, as channel-app posts them
    ok = api.post(REPORTS.format(1), report_body())
    failed = api.post(REPORTS.format(1), report_body(is_ok=False, raw_response='{"detail": "boom"}'))
    # When the errors are listed
    errors = api.get(REPORTS.format(1), is_ok="false")
    # Then both were stored and only the error is listed
    assert (ok.status_code, failed.status_code) == (201, 201), ok.content
    assert [row["raw_response"] for row in errors.json()["results"]] == ['{"detail": "boom"}']
    assert (
        ErrorReport.objects.get(pk=ok.json()["pk"]).obj_modified_date.isoformat()
        == "2026-11-27T03:31:31+00:00"
    )


def test_a_report_is_kept_whatever_its_raw_payload_holds(api):
    # Given a remote answer with a NUL character and a lone surrogate
    body = report_body(raw_response="before\u0000after \ud800")
    # When it is reported
    response = api.post(REPORTS.format(1), body)
    # Then it is stored with those written as escapes
    assert response.status_code == 201, response.content
    assert ErrorReport.objects.get().raw_response == "before\\u0000after \\ud800"


def test_a_report_with_an_unknown_content_type_is_refused(api):
    # Given a content type id integrations do not use
    # When it is reported
    response = api.post(REPORTS.format(1), report_body(action_content_type=999999))
    # Then 400 names it and nothing is stored
    assert response.status_code == 400
    assert [(p["path"], p["code"]) for p in response.json()["errors"]] == [
        ("action_content_type", "not_found")
    ]
    assert not ErrorReport.objects.exists()


def test_an_unmatched_city_is_reported_under_its_type(api):
    # Given the city channel-app could not match
    body = {
        "type": "city",
        "remote_code": "1_İstanbull",
        "country_id": 1,
        "integration_type": "sales_channel",
        "err_code": "integrations_200_10_2",
        "err_desc": "City not found",
    }
    # When it is reported, to the right type and to a wrong one
    response = api.post(REPORTS.format(1) + "city/", body)
    wrong = api.post(REPORTS.format(1) + "township/", body)
    unknown = api.post(REPORTS.format(1) + "planet/", body | {"type": "planet"})
    # Then the first is stored and listed, the others are 400
    assert response.status_code == 201, response.content
    assert api.get(REPORTS.format(1) + "city/").json()["results"][0]["remote_code"] == "1_İstanbull"
    assert (wrong.status_code, unknown.status_code) == (400, 400)
    assert LocationErrorReport.objects.count() == 1


def test_an_operational_event_is_stored(api):
    # Given the event channel-app sends after an error report
    body = {
        "action_content_type": "batchrequest",
        "action_object_id": 10,
        "context": {
            "error_code": "x",
            "error_description": "GetOrders",
            "modified_date": "2026-11-27 03:31:31",
        },
        "event_type": "batch_request_error",
        "level": "error",
        "message": "GetOrders",
        "parent_span_id": None,
        "raw_data": {"raw_request": "POST ...", "raw_response": "x" * 100_000},
        "source": "channel_app",
        "span_id": None,
        "tags": {"action_content_type": "batchrequest"},
        "trace_id": None,
    }
    # When it is posted
    response = api.post("/api/v1/channel/1/operational_events/", body)
    # Then it is stored, its long raw payload too
    assert response.status_code == 201, response.content
    event = OperationalEvent.objects.get()
    assert (event.event_type, event.level, len(event.raw_data["raw_response"])) == (
        "batch_request_error",
        "error",
        100_000,
    )
    assert api.get("/api/v1/channel/1/operational_events/", level="error").json()["count"] == 1


def test_an_operational_event_whose_raw_data_keys_hold_a_nul_or_a_lone_surrogate_is_kept(api):
    # Given an event whose raw_data keys hold what the database cannot store as text (found by
    # schemathesis: a NUL in a key was a 500 on PostgreSQL)
    raw = '{"event_type": "e", "level": "error", "raw_data": {"a\\u0000b": "x\\u0000", "\\udb64key": null}}'
    # When it is posted
    response = api.post("/api/v1/channel/1/operational_events/", raw=raw)
    # Then it is stored, the keys escaped as the values are
    assert response.status_code == 201, response.content
    assert OperationalEvent.objects.get().raw_data == {"a\\u0000b": "x\\u0000", "\\udb64key": None}
