"""`oms serve` stopped as systemd stops it (SIGTERM to the main process, deploy/systemd/oms@.service):
a request in flight is finished and answered before the server exits."""

import json
import signal
import socket
import sys
import time
from pathlib import Path

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from liveserver import Server, order_body, prepare, server_env

pytestmark = process_level("its own SQLite file")
CREATE = "/api/v1/channel/1/create_orders/"


def wait_for_log(server: Server, text: str) -> None:
    deadline = time.monotonic() + 30
    while text not in server.log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"no {text!r} in the server log:\n{server.log_tail()}"
        time.sleep(0.05)


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
