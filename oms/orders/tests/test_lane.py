"""The create-order fast lane (oms/orders/api/lane.py) answers exactly as Django's route does.

Each request is sent through WSGI twice from the same database state: once to the lane in front of
Django's handler (the application gunicorn serves), once to Django's handler alone. Answers must
match in status, headers and body, ids and timestamps aside. The tests also check which requests
the lane answered itself and which it handed to Django.
"""

from __future__ import annotations

import io
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.urls import reverse

from oms.observe.requests import ObservedRequests
from oms.orders.api.lane import PATH, CreateOrderLane
from oms.orders.models import Order, OrderItem
from oms.orders.tests.payloads import minimal_body
from oms.wsgi import django_application

pytestmark = pytest.mark.django_db
URL = "/api/v1/channel/{}/create_orders/"
# Differ between two runs of one request: generated ids, and the time of the write.
VOLATILE = {"pk", "id", "order", "created_date", "modified_date"}


@dataclass
class Answer:
    status: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class CountingApp:
    """A Django handler, counting the requests the lane handed to it. New for each test, as the
    lane's probe is: middleware reads some settings once, when it is loaded."""

    def __init__(self):
        self.calls = 0
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.handler(environ, start_response)


@contextmanager
def _connections_kept():
    # As Django's test client does: the test's transaction must survive request_started/finished.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def call(app, body: bytes | str, *, channel_id: int = 1, path: str | None = None, **headers) -> Answer:
    data = body.encode() if isinstance(body, str) else body
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path or URL.format(channel_id),
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update(headers)
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"], started["headers"] = status, response_headers

    with _connections_kept():
        result = app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
    return Answer(started["status"], dict(started["headers"]), content)


def _masked(value):
    if isinstance(value, dict):
        return {k: "<volatile>" if k in VOLATILE else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def both(body, **kw) -> tuple[Answer, Answer, int]:
    """The lane's answer and Django's alone, each from the same database state (rolled back
    after each); and how many times the lane handed the request to Django."""
    django = CountingApp()
    # Both behind the request layer, as served: the same X-Request-ID comes back from either.
    lane = ObservedRequests(CreateOrderLane(django))
    kw = {"HTTP_X_REQUEST_ID": "lane-or-django", **kw}
    with transaction.atomic():
        by_lane = call(lane, body, **kw)
        transaction.set_rollback(True)
    with transaction.atomic():
        by_django = call(ObservedRequests(WSGIHandler()), body, **kw)
        transaction.set_rollback(True)
    return by_lane, by_django, django.calls


def assert_same(by_lane: Answer, by_django: Answer) -> None:
    assert by_lane.status == by_django.status
    lane_headers = {k.lower(): v for k, v in by_lane.headers.items() if k.lower() != "content-length"}
    django_headers = {k.lower(): v for k, v in by_django.headers.items() if k.lower() != "content-length"}
    assert lane_headers == django_headers
    assert _masked(by_lane.json()) == _masked(by_django.json())


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


def test_the_lane_path_is_the_routes_url():
    assert PATH.fullmatch(reverse("api:create_orders", kwargs={"channel_id": 1}))
    assert PATH.fullmatch(reverse("api:create_orders", kwargs={"channel_id": 123456789012345678}))


def test_created_by_the_lane_alone_with_djangos_answer(token):
    from conftest import SEED_REQUEST_TEXT

    by_lane, by_django, handed_over = both(SEED_REQUEST_TEXT, **auth(token))
    assert by_lane.status == "201 Created"
    assert handed_over == 0
    assert_same(by_lane, by_django)
    # The middleware's headers are there, found by running the middleware.
    assert by_lane.headers["X-Content-Type-Options"] == "nosniff"
    assert by_lane.headers["X-Frame-Options"] == "DENY"
    assert int(by_lane.headers["Content-Length"]) == len(by_lane.body)


def test_a_bare_key_and_a_charset_are_taken(token):
    body = json.dumps(minimal_body("LANE-BARE"))
    by_lane, by_django, handed_over = both(
        body, HTTP_AUTHORIZATION=token, CONTENT_TYPE="application/json; charset=utf-8"
    )
    assert (by_lane.status, handed_over) == ("201 Created", 0)
    assert_same(by_lane, by_django)


def test_replay_and_warning_headers_match(token):
    django = CountingApp()
    lane = CreateOrderLane(django)
    body = minimal_body("LANE-REPLAY")
    body["order"]["not_a_field"] = 1
    text = json.dumps(body)
    first = call(lane, text, **auth(token))
    assert first.status == "201 Created"
    assert first.headers["Warning"].startswith('299 oms "Unknown field ignored: order.not_a_field"')
    by_lane, by_django, handed_over = both(text, **auth(token))
    assert by_lane.status == "200 OK"
    assert by_lane.headers["Idempotent-Replayed"] == "true"
    assert handed_over == 0
    assert_same(by_lane, by_django)
    assert by_lane.json()["pk"] == first.json()["pk"]
    assert Order.objects.filter(number="LANE-REPLAY").count() == 1


def _bad_reference_body():
    body = minimal_body("LANE-BAD")
    body["order"]["amount"] = "abc"
    body["order_item"][0]["product"] = 999999
    return json.dumps(body)


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("validation", "400 Bad Request"),
        ("conflict", "409 Conflict"),
        ("no key", "401 Unauthorized"),
        ("wrong key", "401 Unauthorized"),
        ("unknown channel", "404 Not Found"),
        ("channel not granted", "404 Not Found"),
        ("malformed JSON", "400 Bad Request"),
        ("NaN", "400 Bad Request"),
    ],
)
def test_every_error_is_djangos_answer_and_nothing_is_written(case, status, token, key_for):
    call(CreateOrderLane(django_application), json.dumps(minimal_body("LANE-TAKEN")), **auth(token))
    taken = minimal_body("LANE-TAKEN")
    taken["order"]["amount"] = "1.00"
    requests = {
        "validation": (_bad_reference_body(), auth(token), 1),
        "conflict": (json.dumps(taken), auth(token), 1),
        "no key": (json.dumps(minimal_body("LANE-X")), {}, 1),
        "wrong key": (json.dumps(minimal_body("LANE-X")), auth("nope"), 1),
        "unknown channel": (json.dumps(minimal_body("LANE-X")), auth(token), 999),
        "channel not granted": (json.dumps(minimal_body("LANE-X")), auth(key_for(2)), 1),
        "malformed JSON": ('{"order": ', auth(token), 1),
        "NaN": ('{"order": NaN}', auth(token), 1),
    }
    body, headers, channel_id = requests[case]
    before = (Order.objects.count(), OrderItem.objects.count())
    by_lane, by_django, handed_over = both(body, channel_id=channel_id, **headers)
    assert by_lane.status == status
    assert handed_over == 1
    assert_same(by_lane, by_django)
    if by_lane.status == "401 Unauthorized":
        assert by_lane.headers["WWW-Authenticate"] == "Token"
    assert (Order.objects.count(), OrderItem.objects.count()) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"CONTENT_TYPE": "text/plain"},  # 415
        {"CONTENT_TYPE": "application/vnd.api+json"},  # JSON all the same
        {"HTTP_IDEMPOTENCY_KEY": "lane-key-1"},
        {"CONTENT_LENGTH": ""},  # undeclared: Django reads nothing
        {"HTTP_HOST": "evil.example"},  # a host Django refuses (ALLOWED_HOSTS below)
    ],
    ids=["text/plain", "+json", "idempotency key", "no length", "refused host"],
)
def test_requests_the_lane_does_not_take_go_to_django(headers, token, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    body = json.dumps(minimal_body("LANE-OTHER"))
    by_lane, by_django, handed_over = both(body, **auth(token), **headers)
    assert handed_over == 1
    assert by_lane.status == by_django.status
    assert _masked(by_lane.json()) == _masked(by_django.json())


def test_a_body_past_the_limit_goes_to_django_and_gets_413(token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    by_lane, by_django, handed_over = both(json.dumps(minimal_body("LANE-BIG")), **auth(token))
    assert (by_lane.status, handed_over) == ("413 Request Entity Too Large", 1)
    assert_same(by_lane, by_django)


def test_the_hsts_header_of_a_secure_request_is_added(token, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    body = json.dumps(minimal_body("LANE-TLS"))
    by_lane, by_django, handed_over = both(body, **auth(token), **{"wsgi.url_scheme": "https"})
    assert (by_lane.status, handed_over) == ("201 Created", 0)
    assert by_lane.headers["Strict-Transport-Security"] == "max-age=3600"
    assert_same(by_lane, by_django)
    plain, _, _ = both(json.dumps(minimal_body("LANE-PLAIN")), **auth(token))
    assert "Strict-Transport-Security" not in plain.headers


def test_an_unexpected_failure_in_the_lane_is_answered_500_by_the_lane_and_logged_once(
    token, monkeypatch, caplog
):
    import oms.orders.api.lane as lane_module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(lane_module, "created_answer", broken)
    django = CountingApp()
    answer = call(CreateOrderLane(django), json.dumps(minimal_body("LANE-BOOM")), **auth(token))
    # The lane answers Django's 500 itself: handing over would run the create a second time.
    assert (answer.status, django.calls) == ("500 Internal Server Error", 0)
    assert answer.json()["errors"][0]["code"] == "internal_error"
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [RuntimeError]


def test_a_database_down_is_one_create_attempt_one_traceback_and_djangos_503(token, monkeypatch, caplog):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    body = json.dumps(minimal_body("LANE-DB-DOWN"))
    call(CreateOrderLane(CountingApp()), json.dumps(minimal_body("LANE-WARM")), **auth(token))  # key cached
    attempts = []

    def down(self, sql, params=None):
        if sql.split()[0].upper() in {"SAVEPOINT", "RELEASE", "ROLLBACK"}:  # the test's own
            return self.cursor.execute(sql, params)
        attempts.append(sql)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", down)
    django = CountingApp()
    by_lane = call(ObservedRequests(CreateOrderLane(django)), body, **auth(token), HTTP_X_REQUEST_ID="down")
    # One attempt (the first query of the create), one logged traceback, no hand-over
    assert (len(attempts), django.calls) == (1, 0)
    assert len([r for r in caplog.records if r.exc_info]) == 1
    # And the answer is the one Django gives alone: 503 unavailable, to be retried (a database
    # restart is not the request's fault)
    assert by_lane.status == "503 Service Unavailable"
    assert json.loads(by_lane.body)["errors"][0]["code"] == "unavailable"
    assert by_lane.headers["Retry-After"] == "1"
    assert_same(by_lane, call(ObservedRequests(WSGIHandler()), body, **auth(token), HTTP_X_REQUEST_ID="down"))


def test_the_lanes_are_the_settings_and_the_create_lane_can_be_turned_off(settings):
    import subprocess
    import sys

    from oms import wsgi

    settings.OMS_WSGI_LANES = []
    # behind the environ layer, the thread layer, the request layer and the body layer
    assert wsgi._application().app.app.app.app is django_application
    settings.OMS_WSGI_LANES = ["oms.orders.api.lane.CreateOrderLane"]
    assert isinstance(wsgi._application().app.app.app.app, CreateOrderLane)
    # OMS_CREATE_LANE=0 leaves it out
    lanes = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.OMS_WSGI_LANES)"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "oms.settings", "OMS_CREATE_LANE": "0"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert lanes.strip() == "[]"


def test_every_request_started_signal_has_its_request_finished(token, monkeypatch):
    import oms.orders.api.lane as lane_module

    sent = []

    def started(**kwargs):
        sent.append("started")

    def finished(**kwargs):
        sent.append("finished")

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        lane = CreateOrderLane(CountingApp())
        # Taken by the lane, handed to Django (a refusal), and a failure the lane answers
        call(lane, json.dumps(minimal_body("LANE-SIGNALS")), **auth(token))
        call(lane, _bad_reference_body(), **auth(token))
        monkeypatch.setattr(lane_module, "created_answer", lambda *args: 1 / 0)
        call(lane, json.dumps(minimal_body("LANE-SIGNALS-2")), **auth(token))
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert lane.app.calls == 1
    assert sent == ["started", "finished"] * 4  # the hand-over: the lane's pair, then Django's


def test_a_lane_create_costs_the_routes_queries(token):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lane, route = CreateOrderLane(CountingApp()), WSGIHandler()
    for app, number in ((lane, "LANE-WARM-1"), (route, "LANE-WARM-2")):  # key and channel cached
        call(app, json.dumps(minimal_body(number)), **auth(token))
    counts = []
    for app, number in ((lane, "LANE-COUNT-1"), (route, "LANE-COUNT-2")):
        with CaptureQueriesContext(connection) as captured:
            answer = call(app, json.dumps(minimal_body(number)), **auth(token))
        assert answer.status == "201 Created"
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert lane.app.calls == 0
