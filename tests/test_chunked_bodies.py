"""A body sent with Transfer-Encoding: chunked (no Content-Length) is read, through a real server:
granian (what `oms serve` runs) and gunicorn (OMS_SERVER=gunicorn), each guarantee of the body
layer (oms/core/bodies.py) under both where the server lets it hold (oms/serving.py says why not).

HTTP clients that stream a body (a generator in requests, curl's `-H 'Transfer-Encoding:
chunked'`) send no Content-Length; Django alone read such bodies as empty.
"""

import contextlib
import gzip
import http.client
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from liveserver import Server, order_body, prepare, request, server_env

pytestmark = process_level("its own SQLite file")
JSON = "application/json"


def post_chunked(
    port: int, path: str, body: bytes, token: str, piece: int = 100, pause_after: int | None = None
) -> tuple[int, dict]:
    """POST `body` in chunks of `piece` bytes; with `pause_after`, wait half a second once that
    many bytes are sent (time for the server to decide), then send the rest."""

    def pieces():
        for start in range(0, len(body), piece):
            if pause_after is not None and start <= pause_after < start + piece:
                time.sleep(0.5)
            yield body[start : start + piece]

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=pieces(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_chunked_bodies_are_read_whole_and_refused_past_the_limit(tmp_path):
    env = server_env(tmp_path, WEB_CONCURRENCY="1", OMS_MAX_BODY_BYTES="4096")
    token = prepare(env)
    with Server(env, tmp_path / "server.log") as server:
        # An order streamed in 100-byte chunks is created, by the single and the bulk endpoint
        single = json.dumps(order_body("CHUNKED-1")).encode()
        status, answer = post_chunked(server.port, "/api/v1/channel/1/create_orders/", single, token)
        assert (status, answer["number"]) == (201, "CHUNKED-1")
        bulk = json.dumps({"orders": [order_body("CHUNKED-2")]}).encode()
        status, answer = post_chunked(server.port, "/api/v1/channel/1/create_orders/bulk/", bulk, token)
        assert (status, answer["summary"]["created"]) == (200, 1), answer
        # A chunked body past the endpoint's limit gets its 413, as a declared one does
        big = json.dumps(order_body("CHUNKED-3", items=80)).encode()
        assert len(big) > 4096
        status, answer = post_chunked(server.port, "/api/v1/channel/1/create_orders/", big, token)
        assert (status, answer["errors"][0]["code"]) == (413, "too_large")
        # and so does one far past it, while the client is still sending (http.client reads no
        # answer before its body is sent: a connection closed on the unread rest broke its pipe)
        far = json.dumps(order_body("CHUNKED-4", items=500) | {"padding": "x" * 600_000}).encode()
        url = "/api/v1/channel/1/create_orders/"
        status, answer = post_chunked(server.port, url, far, token, piece=4096, pause_after=16384)
        assert (status, answer["errors"][0]["code"]) == (413, "too_large")


class RawClient:
    """One connection written byte for byte: a head, then whatever body the test sends (or not)."""

    def __init__(self, port: int, method: str, path: str, headers: dict[str, str]):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=30)
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.socket.sendall(head.encode() + b"\r\n")

    def send(self, data: bytes) -> None:
        self.socket.sendall(data)

    def answer(self) -> tuple[int, dict[str, str], dict]:
        """The status, headers and JSON body of the answer; raises if there is none within 30 s."""
        received = b""
        while b"\r\n\r\n" not in received:
            data = self.socket.recv(65536)
            if not data:
                raise AssertionError(f"the connection closed with no answer: {received!r}")
            received += data
        head, _, body = received.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        if headers.get("transfer-encoding") == "chunked":  # granian's 408, its connection then reset
            with contextlib.suppress(OSError):
                while data := self.socket.recv(65536):
                    body += data
            return int(status_line.split()[1]), headers, json.loads(_dechunked(body))
        while len(body) < int(headers["content-length"]):
            data = self.socket.recv(65536)
            if not data:
                break
            body += data
        return int(status_line.split()[1]), headers, json.loads(body)

    def close(self) -> None:
        self.socket.close()


def _dechunked(data: bytes) -> bytes:
    """The chunks' data, up to the last whole chunk (a reset connection sends no last chunk)."""
    body = b""
    while (end := data.find(b"\r\n")) > 0 and (size := int(data[:end], 16)) and len(data) >= end + size + 4:
        body += data[end + 2 : end + 2 + size]
        data = data[end + size + 4 :]
    return body


def raw_answer(
    port: int, path: str, headers: dict[str, str], sent: bytes
) -> tuple[int, dict[str, str], dict]:
    client = RawClient(port, "POST", path, headers)
    try:
        client.send(sent)
        return client.answer()
    finally:
        client.close()


@dataclass
class Served:
    port: int
    token: str
    server: str  # granian or gunicorn


@pytest.fixture(scope="module", params=["granian", "gunicorn"])
def served(request, tmp_path_factory):
    """A server whose body reads time out after 1 s (under granian, only those of bodies sent
    without a key: oms/core/bodies.py); before oms/core/bodies.py bounded the reads, the stalls
    below held a gunicorn worker until its worker timeout killed it (no answer)."""
    work = tmp_path_factory.mktemp("bodies")
    env = server_env(
        work,
        OMS_SERVER=request.param,
        WEB_CONCURRENCY="2",
        OMS_BODY_READ_TIMEOUT_SECONDS="1",
        GUNICORN_TIMEOUT="15",
    )
    token = prepare(env)
    with Server(env, work / "server.log") as server:
        yield Served(server.port, token, request.param)


def needs_gunicorn(served: Served, why: str) -> None:
    if served.server != "gunicorn":
        pytest.skip(why)


NO_BODY_TIMEOUT = "under granian a keyed body is read without a timeout (oms/core/bodies.py): nginx bounds it"


CREATE = "/api/v1/channel/1/create_orders/"


def chunked_headers(token: str | None) -> dict[str, str]:
    headers = {"Content-Type": JSON, "Transfer-Encoding": "chunked"}
    return headers | ({"Authorization": f"Token {token}"} if token else {})


def malformed(served: Served) -> str:
    """The code a malformed chunked framing is refused with: the body layer's own under gunicorn,
    which raises on it; under granian, which ends the body where the framing broke, the app's
    answer to the (here empty) body before it."""
    return "invalid" if served.server == "gunicorn" else "invalid_json"


def test_a_chunk_size_that_is_not_hex_is_400_at_once(served):
    port, token = served.port, served.token
    status, _, answer = raw_answer(port, CREATE, chunked_headers(token), b"XYZ\r\nabc\r\n")
    assert (status, answer["errors"][0]["code"]) == (400, malformed(served)), answer


def test_a_chunk_larger_than_any_body_is_400_at_once(served):
    port, token = served.port, served.token
    # A chunk of 2^80 - 1 bytes of which 3 arrive: refused on its size line, not after the read
    # timeout (408) as a small chunk that stops arriving is, below
    # (granian takes no chunk size past 2^64 - 1)
    status, _, answer = raw_answer(port, CREATE, chunked_headers(token), b"FFFFFFFFFFFFFFFFFFFF\r\nabc")
    assert (status, answer["errors"][0]["code"]) == (400, malformed(served)), answer


def test_a_chunk_that_never_arrives_is_dropped_after_the_read_timeout(served):
    needs_gunicorn(served, NO_BODY_TIMEOUT)
    port, token = served.port, served.token
    # A chunk of 256 bytes of which 3 arrive
    status, _, answer = raw_answer(port, CREATE, chunked_headers(token), b"100\r\nabc")
    assert (status, answer["errors"][0]["code"]) == (408, "timeout"), answer


def test_a_declared_body_that_stops_arriving_is_dropped_after_the_read_timeout(served):
    needs_gunicorn(served, NO_BODY_TIMEOUT)
    port, token = served.port, served.token
    headers = {"Authorization": f"Token {token}", "Content-Type": JSON, "Content-Length": "100"}
    status, _, answer = raw_answer(port, CREATE, headers, b'{"order": ')
    assert (status, answer["errors"][0]["code"]) == (408, "timeout"), answer


def test_a_body_without_a_key_that_stops_arriving_is_dropped_after_the_read_timeout(served):
    # Given a login (it takes a body without a key) announcing 100 bytes of which 11 arrive
    headers = {"Content-Type": JSON, "Content-Length": "100"}
    # When it stalls
    status, _, answer = raw_answer(served.port, "/api/v1/auth/login/", headers, b'{"username"')
    # Then it is 408 under either server (granian has no body timeout: oms/core/bodies.py times
    # the read out and resets the connection after the answer)
    assert (status, answer["errors"][0]["code"]) == (408, "timeout"), answer


@pytest.mark.parametrize("token", [None, "nope"], ids=["no key", "unknown key"])
def test_without_a_known_key_no_body_is_read(served, token):
    port = served.port
    # The first chunk never ends: only an answer before reading can come back (401, not 408)
    status, headers, answer = raw_answer(port, CREATE, chunked_headers(token), b"FFFF\r\n{")
    assert (status, answer["errors"][0]["code"]) == (401, "not_authenticated"), answer
    assert headers["www-authenticate"] == "Token"


def test_every_401_names_its_scheme(served):
    port = served.port
    for method, path, body in (("GET", "/api/v1/channel/1/orders/", None), ("POST", CREATE, b"{}")):
        status, _, headers = request(port, method, path, body, {"Content-Type": JSON})
        assert (status, headers.get("WWW-Authenticate")) == (401, "Token"), (method, path)


@pytest.mark.parametrize(
    ("headers", "body", "path"),
    [
        (
            {"Content-Encoding": "gzip"},
            gzip.compress(json.dumps(order_body("GZIP-1")).encode()),
            "Content-Encoding",
        ),
        ({"Content-Encoding": "gzip"}, json.dumps(order_body("GZIP-2")).encode(), "Content-Encoding"),
        (
            {"Content-Type": "application/json; charset=latin-1"},
            json.dumps(order_body("LATIN-1")).encode(),
            "Content-Type",
        ),
    ],
    ids=["gzipped", "says gzip, is not", "latin-1"],
)
def test_a_body_in_another_encoding_or_charset_is_415_and_nothing_is_written(served, headers, body, path):
    port, token = served.port, served.token
    sent = {"Authorization": f"Token {token}", "Content-Type": JSON, **headers}
    status, content, answer_headers = request(port, "POST", CREATE, body, sent)
    answer = json.loads(content)
    assert (status, answer["errors"][0]["path"]) == (415, path), answer
    assert answer["errors"][0]["code"] == "unsupported_media_type"
    assert answer_headers["Accept-Encoding"] == "identity"
    # Nothing was written: the same order sent plainly is created, not replayed
    plain = json.loads(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)
    status, answer = post_chunked(port, CREATE, json.dumps(plain).encode(), token)
    assert status == 201, answer


def test_utf8_and_identity_are_taken(served):
    port, token = served.port, served.token
    sent = {
        "Authorization": f"Token {token}",
        "Content-Type": 'application/json; charset="UTF-8"',
        "Content-Encoding": "identity",
    }
    status, content, _ = request(port, "POST", CREATE, json.dumps(order_body("UTF8-1")).encode(), sent)
    assert status == 201, content


def test_login_takes_a_chunked_body_without_a_key(served):
    port = served.port
    login = json.dumps({"username": "admin", "password": "wrong"}).encode()
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(login), login)
    status, _, answer = raw_answer(port, "/api/v1/auth/login/", chunked_headers(None), body)
    assert (status, answer["errors"][0]["path"]) == (400, "non_field_errors"), answer


def test_a_path_reads_no_more_than_its_own_limit(served):
    port, token = served.port, served.token
    # 34 MiB streamed to /healthz (no key needed there) is refused past the 1 MiB every path
    # but bulk takes; the 32 MiB of bulk was the limit of every path.
    client = RawClient(port, "POST", "/healthz", {"Transfer-Encoding": "chunked"})
    sender = threading.Thread(target=_stream, args=(client, 34 * 1024 * 1024), daemon=True)
    sender.start()
    try:
        status, _, answer = client.answer()
    finally:
        client.close()
    assert (status, answer["errors"][0]["code"]) == (413, "too_large"), answer
    # The server goes on answering
    status, answer = post_chunked(port, CREATE, json.dumps(order_body("CHUNKED-4")).encode(), token)
    assert status == 201, answer


def _stream(client: RawClient, size: int) -> None:
    piece = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    with contextlib.suppress(OSError):  # the server closes the connection once it has refused
        for _ in range(size // 65536):
            client.send(piece)
