"""What the WSGI body reader (oms/core/bodies.py) knows of the routes agrees with the routes."""

from __future__ import annotations

import inspect
import io
import json
import re

import pytest
from django.db import OperationalError

from oms.api import api
from oms.core.bodies import OPEN_API_PATHS, RequestBodies, body_limit

BODY_METHODS = {"post", "put", "patch"}


def _operations():
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            if method in BODY_METHODS:
                yield path, method, operation


def test_the_paths_taking_a_body_without_a_key_are_the_routes_without_auth():
    open_paths = {path for path, _, operation in _operations() if not operation.get("security")}
    assert open_paths == OPEN_API_PATHS


@pytest.mark.django_db
def test_every_route_reads_a_body_up_to_the_limit_the_reader_gives_its_path(demo, key_for, settings):
    # Given limits small enough to tell apart, and a key that may write everything
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.OMS_MAX_BULK_BODY_BYTES = 100_000
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {key_for(1, shared=True, erp=True)}")
    body = json.dumps({"padding": "x" * 2000})
    disagreements = []
    for template, method, _ in _operations():
        path = re.sub(r"\{kind\}", "order", re.sub(r"\{\w+_?id\}|\{pk\}", "1", template))
        # When a body past the small limit is sent to the route
        response = getattr(client, method)(path, data=body, content_type="application/json")
        # Then it is refused 413 exactly when the reader holds the path to the small limit (rows
        # the demo data lacks answer 404 before any body is read: nothing to compare there)
        if response.status_code == 404 and response.json()["errors"][0]["path"] == "pk":
            continue
        small = body_limit(path) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (response.status_code == 413) != small:
            disagreements.append((method, path, response.status_code, response.content[:200]))
    assert disagreements == []


class _Unread(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the body was read")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "failure, status, code",
    [
        (
            OperationalError("server closed the connection unexpectedly"),
            "503 Service Unavailable",
            "unavailable",
        ),
        (RuntimeError("a bug"), "500 Internal Server Error", "internal_error"),
    ],
)
def test_a_key_lookup_that_fails_is_a_503_or_500_logged_once_with_no_body_read(caplog, failure, status, code):
    # Given a key lookup failing as it does with the database down (503: retry), or with a bug
    def down(header: str):
        raise failure

    def app(environ, start_response):
        raise AssertionError("the application was called")

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/channel/1/create_orders/",
        "CONTENT_LENGTH": "10",
        "CONTENT_TYPE": "application/json",
        "HTTP_AUTHORIZATION": "Token abc",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": _Unread(),
    }
    started = []
    # When a request with a body comes
    content = b"".join(RequestBodies(app, authenticate=down)(environ, lambda *args: started.append(args)))
    # Then Django's answer to that failure answers it, with one logged traceback
    assert started[0][0] == status
    assert json.loads(content)["errors"][0]["code"] == code
    assert (("Retry-After", "1") in started[0][1]) == (code == "unavailable")
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [type(failure)]


def test_gunicorn_builds_its_chunked_reader_by_the_name_bound_chunk_sizes_replaces():
    # Given gunicorn's request message, which reads a chunked body with `ChunkedReader`
    from gunicorn.http import message

    from oms.core.bodies import _BoundedChunkedReader, bound_chunk_sizes

    # When the bound is installed (oms.wsgi does it in every worker)
    bound_chunk_sizes()
    # Then the name gunicorn builds readers by is ours: should an upgrade build them another way,
    # this fails instead of a 2^80-byte chunk size silently waiting for the read timeout again
    assert message.ChunkedReader is _BoundedChunkedReader
    assert "ChunkedReader(self, self.unreader)" in inspect.getsource(message.Message.set_body_reader)


def test_a_chunk_size_past_the_largest_body_is_refused_on_its_size_line(settings):
    # Given a chunked body whose first chunk claims one byte more than any path takes
    from gunicorn.http.errors import InvalidChunkSize

    from oms.core.bodies import _BoundedChunkedReader, largest_body_limit

    settings.OMS_MAX_BULK_BODY_BYTES = 4096
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    reader = _BoundedChunkedReader(None, _Unreader(b""))
    wire = f"{largest_body_limit() + 1:x}\r\nabc".encode()
    # When its size line is parsed; Then it is refused before any of its data is waited for
    with pytest.raises(InvalidChunkSize):
        reader.parse_chunk_size(_Unreader(wire))
    # and a chunk of exactly the limit is taken
    size, _ = reader.parse_chunk_size(_Unreader(f"{largest_body_limit():x}\r\nabc".encode()))
    assert size == 4096


class _Unreader:
    """gunicorn's unreader over fixed bytes."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self) -> bytes:
        data, self.data = self.data, b""
        return data

    def unread(self, data: bytes) -> None:
        self.data = data + self.data


def _wsgi(method: str, path: str, body: bytes = b"", **extra) -> tuple[str, dict[str, str]]:
    from oms.wsgi import application

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "QUERY_STRING": "",
        **extra,
    }
    started = []
    answer = application(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    b"".join(answer)
    getattr(answer, "close", lambda: None)()
    status, headers = started[0]
    return status, {name.lower(): value for name, value in headers}


@pytest.mark.django_db
def test_the_body_layers_refusals_carry_the_headers_djangos_answers_do():
    # Given the security headers Django's middleware adds to its answers
    # When the same unauthenticated request comes without a body (Django's handler answers) and
    # with one (the body layer refuses it before reading)
    django_status, django_headers = _wsgi("GET", "/api/v1/channel/1/customers/")
    layer_status, layer_headers = _wsgi("POST", "/api/v1/channel/1/customers/", b'{"email": "a@example.com"}')
    # Then both are 401s with the same security headers
    assert django_status.startswith("401") and layer_status.startswith("401")
    security = {"x-content-type-options", "x-frame-options", "referrer-policy", "cross-origin-opener-policy"}
    assert security <= set(django_headers)
    assert {name: layer_headers.get(name) for name in security} == {
        name: django_headers[name] for name in security
    }


@pytest.mark.parametrize("from_proxy, status", [(False, "503 Service Unavailable"), (True, "200 OK")])
def test_a_body_without_a_key_meets_the_readers_cap_unless_a_trusted_proxy_read_it_first(
    settings, from_proxy, status
):
    from oms.core.proxy import TrustedProxies

    # Given a process whose one reader of bodies sent without a key is taken (a client stalling)
    settings.OMS_UNKEYED_BODY_READERS = 1
    read = []

    def app(environ, start_response):
        read.append(environ["wsgi.input"].read())
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    bodies = RequestBodies(app, authenticate=lambda header: None)
    assert bodies.unkeyed_readers.acquire(blocking=False)
    layers = TrustedProxies(bodies, ["10.0.0.1"])
    # When a login form comes straight from a client, or through our nginx (a trusted proxy)
    form = b"username=a&password=b"
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/admin/login/",
        "REMOTE_ADDR": "10.0.0.1" if from_proxy else "192.0.2.7",
        "HTTP_X_FORWARDED_FOR": "192.0.2.7",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(form)),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(form),
    }
    started = []
    b"".join(layers(environ, lambda *args: started.append(args)))
    # Then straight it is refused at once, unread (503, retry); through nginx, which read the body
    # whole before passing it on, it is read as it comes
    assert started[0][0] == status
    assert read == ([form] if from_proxy else [])
