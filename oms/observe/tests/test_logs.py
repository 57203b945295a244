"""One JSON log line per request, X-Request-ID on every answer, nothing forged, nothing secret."""

from __future__ import annotations

import json
import logging

import pytest
from django.conf import settings as django_settings
from django.test import Client

from oms.observe.logs import FIELDS, JsonFormatter
from oms.observe.tests.secrets import leaks
from oms.orders.tests.payloads import minimal_body
from oms.orders.tests.test_lane import call
from oms.wsgi import application

pytestmark = pytest.mark.django_db
CREATE = "api/v1/channel/<int:channel_id>/create_orders/"


def request_lines(caplog) -> list[dict]:
    return [getattr(r, FIELDS) for r in caplog.records if r.name == "oms.requests"]


def test_a_create_logs_one_line_with_its_fields(api, caplog):
    # Given a client sending its own request id
    caplog.set_level(logging.INFO)
    # When it creates an order
    answer = api.create_order(minimal_body("LOG-1"), HTTP_X_REQUEST_ID="req-123.abc")
    # Then the answer and the one line carry that id, and the line says what happened
    assert answer.status_code == 201 and answer["X-Request-ID"] == "req-123.abc"
    (line,) = request_lines(caplog)
    assert line | {"duration_ms": None, "queries": None, "key_id": None} == {
        "request_id": "req-123.abc",
        "method": "POST",
        "route": CREATE,
        "status": 201,
        "duration_ms": None,
        "queries": None,
        "key_id": None,
        "channel": 1,
        "order_number": "LOG-1",
    }
    assert line["duration_ms"] > 0 and line["queries"] > 0 and isinstance(line["key_id"], int)


def test_the_request_line_can_be_turned_off(api, caplog, settings):
    # Given the request lines turned off
    settings.OMS_REQUEST_LOG = False
    caplog.set_level(logging.INFO)
    # When an order is created, then it has its request id but no line
    assert api.create_order(minimal_body("LOG-OFF"))["X-Request-ID"]
    assert request_lines(caplog) == []


@pytest.mark.parametrize("sent", ["", "a" * 129, "has space", "new\nline", "esc\x1b[31m", "ünï"], ids=repr)
def test_an_unsafe_or_long_request_id_is_replaced(api, sent):
    answer = api.client.get("/api/v1/channel/1/orders/", HTTP_X_REQUEST_ID=sent, **api.auth)
    assert answer.status_code == 200
    assert answer["X-Request-ID"] != sent
    assert len(answer["X-Request-ID"]) == 32 and int(answer["X-Request-ID"], 16) >= 0


def test_every_answer_has_a_request_id_django_admin_and_errors(token):
    # Django's answers: an error, an unknown path, the admin, healthz
    client = Client()
    for path in ["/api/v1/channel/1/orders/", "/nowhere", "/admin/login/", "/healthz"]:
        answer = client.get(path, HTTP_X_REQUEST_ID="given")
        assert answer["X-Request-ID"] == "given", path


def test_the_lane_and_the_body_layer_answers_carry_the_request_id(token, settings, caplog):
    caplog.set_level(logging.INFO)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    body = json.dumps(minimal_body("LOG-LANE"))
    # The lane's answer (created) and its refusal (handed to Django)
    created = call(application, body, **auth, HTTP_X_REQUEST_ID="lane-1")
    refused = call(application, json.dumps({"order": {}}), **auth, HTTP_X_REQUEST_ID="lane-2")
    # The body layer's refusals: no key, too large
    keyless = call(application, body, HTTP_X_REQUEST_ID="body-1")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    too_large = call(application, body, **auth, HTTP_X_REQUEST_ID="body-2")
    statuses = [a.status[:3] for a in (created, refused, keyless, too_large)]
    assert statuses == ["201", "400", "401", "413"]
    assert [a.headers["X-Request-ID"] for a in (created, refused, keyless, too_large)] == [
        "lane-1",
        "lane-2",
        "body-1",
        "body-2",
    ]
    # and each is one log line, routed by its template
    lines = {line["request_id"]: line for line in request_lines(caplog)}
    assert [(lines[i]["route"], lines[i]["status"]) for i in ("lane-1", "lane-2", "body-1", "body-2")] == [
        (CREATE, 201),
        (CREATE, 400),
        (CREATE, 401),
        (CREATE, 413),
    ]
    assert lines["lane-1"]["order_number"] == "LOG-LANE" and lines["lane-2"]["codes"] == ["required"]


def test_a_client_sent_field_name_cannot_forge_a_log_line(api, caplog):
    # Given an unknown field whose name ends the line and starts a forged one, with an escape
    forged = 'x\n{"level":"CRITICAL","message":"forged"}\x1b[2J'
    body = minimal_body("LOG-FORGE")
    body["order"][forged] = 1
    caplog.set_level(logging.WARNING)
    # When it is sent (ignored with a warning: the channel is not strict)
    assert api.create_order(body).status_code == 201
    # Then the warning, as the configured handler writes it, is one JSON line naming the field
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    formatter = logging.getLogger().handlers[0].formatter
    assert django_settings.LOGGING["formatters"]["json"]["()"].endswith("JsonFormatter")
    assert isinstance(formatter, JsonFormatter)
    written = formatter.format(record)
    assert "\n" not in written and "\x1b" not in written
    assert "forged" in json.loads(written)["message"]


def test_no_secret_or_personal_data_is_logged(demo, caplog, monkeypatch):
    """The requests that carry secrets and personal data, logged at every level."""
    caplog.set_level(logging.DEBUG)
    client = Client()
    # Logins: a wrong password, the right one (its key comes back), the admin's form
    assert (
        client.post(
            "/api/v1/auth/login/",
            {"username": "admin", "password": "wrong-pass"},
            content_type="application/json",
        ).status_code
        == 400
    )
    login = client.post(
        "/api/v1/auth/login/",
        {"username": "admin", "password": demo.admin_password},
        content_type="application/json",
    )
    assert login.status_code == 200
    key = login.json()["key"]
    client.post("/admin/login/", {"username": "admin", "password": demo.admin_password})
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    # A customer and an address with an identity number; a duplicate; a bad email; an unknown
    # field holding personal data; orders, a rejected one; a bad key
    person = {"email": "secret.person@example.org", "phone_number": "+905321234567", "first_name": "Ayşe"}
    customer = client.post(
        "/api/v1/channel/1/customers/",
        {**person, "channel_code": "C-9"},
        content_type="application/json",
        **auth,
    )
    assert customer.status_code == 201, customer.content
    address = {
        **person,
        "customer": customer.json()["pk"],
        "line": "Gizli Sokak 42",
        "identity_number": "12345678950",
        "country": 1,
        "city": 1,
        "township": 1,
        "district": 1,
    }
    for _ in range(2):
        client.post("/api/v1/channel/1/addresses/", address, content_type="application/json", **auth)
    client.post(
        "/api/v1/channel/1/customers/",
        {"email": "not an email +905321234567"},
        content_type="application/json",
        **auth,
    )
    body = minimal_body("LOG-SECRET")
    body["order"]["customer_email"] = "secret.person@example.org"
    client.post("/api/v1/channel/1/create_orders/", body, content_type="application/json", **auth)
    body = minimal_body("LOG-SECRET-2", customer=987654)
    client.post("/api/v1/channel/1/create_orders/", body, content_type="application/json", **auth)
    client.get("/api/v1/channel/1/customers/", {"email": "secret.person@example.org"}, **auth)
    client.get("/api/v1/channel/1/orders/", HTTP_AUTHORIZATION=f"Token {demo.token}x")
    assert any(r.name == "oms.requests" for r in caplog.records)
    # Then no line holds any of it
    lines = [JsonFormatter().format(r) for r in caplog.records]
    secret = [key, "secret.person", "+905321234567", "Gizli Sokak", "12345678950", "wrong-pass"]
    assert leaks(lines, secret) == []
