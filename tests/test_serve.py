"""`oms serve` (granian) as an outsider meets it: what it refuses before the application, and how
it stops."""

import json
import signal
import socket
import sys
import time
from pathlib import Path

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from liveserver import Server, order_body, prepare, request, server_env

pytestmark = process_level("its own SQLite file")
CREATE = "/api/v1/channel/1/create_orders/"


def wait_for_log(server: Server, text: str) -> None:
    deadline = time.monotonic() + 30
    while text not in server.log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"no {text!r} in the server log:\n{server.log_tail()}"
        time.sleep(0.05)


def test_what_granian_refuses_itself_is_a_4xx_that_closes_the_connection(tmp_path):
    # Given `oms serve` alone
    env = server_env(tmp_path, WEB_CONCURRENCY="1")
    refused = {
        "malformed request line": (b"HELLO\r\n\r\n", b"400"),
        "two lengths": (b"POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", b"400"),
        "URL past 64 KiB": (b"GET /healthz?" + b"a" * 70000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", b"414"),
        "more than 100 headers": (
            b"GET /healthz HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(120)) + b"\r\n",
            b"431",
        ),
    }  # fmt: skip
    answers = {}
    with Server(env, tmp_path / "server.log") as server:
        # When each is sent
        for name, (sent, _) in refused.items():
            with socket.create_connection(("127.0.0.1", server.port), timeout=30) as client:
                client.sendall(sent)
                answer = b""
                while data := client.recv(65536):
                    answer += data
                answers[name] = answer
    # Then each is refused with its 4xx and the connection closed; the body is empty, granian
    # having no hook to give it the API's error shape (nginx in front does: deploy/nginx/oms.conf)
    assert {name: answer.split()[1] for name, answer in answers.items()} == {
        name: status for name, (_, status) in refused.items()
    }
    assert all(b"content-length: 0\r\n" in answer.lower() for answer in answers.values()), answers


def test_sigterm_lets_the_request_in_flight_finish(tmp_path):
    # Given `oms serve` with a create request in flight: its head and half its body sent
    env = server_env(tmp_path, WEB_CONCURRENCY="1", LOG_LEVEL="INFO")
    token = prepare(env)
    body = json.dumps(order_body("STOP-1")).encode()
    with Server(env, tmp_path / "server.log") as server:
        client = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        head = (
            f"POST {CREATE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
        )
        client.sendall(head.encode())
        # (the server asks for the body once the application reads it: the request is in flight)
        assert client.recv(65536).startswith(b"HTTP/1.1 100")
        client.sendall(body[: len(body) // 2])
        # When the server is told to stop, and has begun to, before the rest of the body arrives
        server.process.send_signal(signal.SIGTERM)
        wait_for_log(server, "Stopping worker")
        client.sendall(body[len(body) // 2 :])
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
        client.close()
        exit_code = server.process.wait(timeout=30)
    # Then the order is answered 201 (created) and the server exits cleanly
    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["number"] == "STOP-1"
    assert exit_code == 0


def test_the_process_environment_does_not_reach_a_request(tmp_path):
    # Given `oms serve` (granian copies its process environment into every request's environ)
    # started with a variable named like a request header
    env = server_env(tmp_path, WEB_CONCURRENCY="1", HTTP_X_REQUEST_ID="from-the-process")
    with Server(env, tmp_path / "server.log") as server:
        # When a request is sent without that header, and one with it
        _, _, without = request(server.port, "GET", "/healthz")
        _, _, sent = request(server.port, "GET", "/healthz", headers={"X-Request-ID": "from-the-client"})
    # Then the first gets a request id of its own (not the process's), the second its own header's
    assert without["X-Request-ID"] not in {"", "from-the-process"}
    assert sent["X-Request-ID"] == "from-the-client"


def test_only_the_process_environment_is_dropped_from_a_request():
    from oms.core.environ import ProcessEnvironmentDropped

    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    process = {"DJANGO_SETTINGS_MODULE": "oms.settings", "DATABASE_URL": "postgres://x", "PATH_INFO": "/p"}
    layer = ProcessEnvironmentDropped(app, process)
    # A granian-like environ: the process's copy, then the request's own keys over it
    environ = {**process, "PATH_INFO": "/orders/", "HTTP_X_A": "1", "DATABASE_URL": "postgres://x"}
    layer(environ, None)
    assert seen == {"PATH_INFO": "/orders/", "HTTP_X_A": "1"}
    # gunicorn's environ (no copy): left as it is
    seen.clear()
    layer({"PATH_INFO": "/", "DATABASE_URL": "sent"}, None)
    assert seen == {"PATH_INFO": "/", "DATABASE_URL": "sent"}
