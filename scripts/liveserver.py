"""A real oms server for process-level tests: `oms serve` as shipped (granian, oms/serving.py; gunicorn
with OMS_SERVER=gunicorn in the environment) on a free port.

    env = server_env(work_dir, database_url=None)    # None: a SQLite file in work_dir
    token = prepare(env)                             # migrate + demo data; the demo API token
    with Server(env, work_dir / "server.log") as server:
        status, body, headers = post_json(server.port, path, body, token=token)
        server.kill()                                # kill -9 the main process and its workers
        server.start()                               # again, on the same port

Standard library only, so that the scripts run from any Python that can import oms.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60
# What a client sees when the server dies under it or is not listening yet.
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(work_dir: Path, *, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of an isolated installation: its own var/ (secret key, SQLite file) in work_dir."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE"}}
    env.update(OMS_VAR_DIR=str(work_dir), LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    # Clients here post as fast as the server answers: the rate limit is on but never reached.
    env.setdefault("OMS_RATE_LIMIT", "1000000/s burst 1000000")
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def oms(env: dict[str, str], *args: str) -> str:
    """Run the `oms` command line; its output, or RuntimeError with it."""
    done = subprocess.run(
        [sys.executable, "-m", "oms.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"oms {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare(env: dict[str, str]) -> str:
    """Migrate the database and load the demo data; returns the demo API token."""
    oms(env, "migrate", "--noinput", "-v", "0")
    match = re.search(r"Demo API token: (\S+)", oms(env, "demo"))
    if match is None:
        raise RuntimeError("`oms demo` printed no token")
    return match.group(1)


class Server:
    """`oms serve` in its own process group, so that kill() reaches the main process and every worker."""

    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None):
        self.env = env
        self.log_path = log_path
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "oms.cli", "serve"],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oms serve exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(*CONNECTION_ERRORS):
                if request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"oms serve did not answer /healthz within {START_TIMEOUT} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """kill -9 the whole process group: no graceful shutdown, no request finishes."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Headers(dict):
    """An answer's headers, by name in any case (granian sends them in lower case, gunicorn as
    the application wrote them)."""

    def __init__(self, items: list[tuple[str, str]]):
        super().__init__((name.lower(), value) for name, value in items)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name.lower() if isinstance(name, str) else name)

    def get(self, name: str, default: str | None = None) -> str | None:
        return super().get(name.lower(), default)


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, bytes, dict[str, str]]:
    """One request on a fresh connection: (status, body, headers). Raises CONNECTION_ERRORS."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), Headers(response.getheaders())
    finally:
        connection.close()


def post_json(
    port: int, path: str, body: Any, *, token: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    sent = {"Authorization": f"Token {token}", "Content-Type": "application/json", **(headers or {})}
    return request(port, "POST", path, json.dumps(body).encode(), sent)


def order_body(number: str, items: int = 3) -> dict[str, Any]:
    """A valid create_orders body for the demo data, with `items` items of 10.00."""
    return {
        "order": {
            "number": number,
            "status": "approved",
            "date_placed": "2025-01-01T10:00:00Z",
            "customer": 1,
            "shipping_address": 1,
            "billing_address": 1,
            "currency": "try",
            "amount": f"{10 * items}.00",
        },
        "order_item": [
            {"product": 1 + index % 3, "price": "10.00", "price_list": 1, "stock_list": 1}
            for index in range(items)
        ],
    }


def insecure_tls() -> ssl.SSLContext:
    """A client context that takes a test's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


@contextlib.contextmanager
def slow_clients(port: int, count: int, *, secure: bool = False) -> Iterator[Callable[[], int]]:
    """`count` connections that sent a request line and send one more header line every 2 s, as
    a client holding a server's workers does. Yields a function counting those the server still
    holds open unanswered (neither an answer nor a close came back)."""
    stop, sockets = threading.Event(), []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if secure:
            sock = insecure_tls().wrap_socket(sock)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: oms.example.com\r\n")
        sockets.append(sock)

    def trickle() -> None:
        while not stop.wait(2):
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X-Slow: 1\r\n")

    def held() -> int:
        return sum(_unanswered(sock) for sock in sockets)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield held
    finally:
        stop.set()
        thread.join()
        for sock in sockets:
            sock.close()


@contextlib.contextmanager
def stalled_bodies(port: int, count: int, path: str) -> Iterator[list[socket.socket]]:
    """`count` connections that sent a POST's whole head to `path`, announcing a body of 100 bytes,
    then 4 bytes of it, and send nothing more while held open."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sockets.append(sock)
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: oms.example.com\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nuser".encode()
            )
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def _unanswered(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        sock.recv(1)  # bytes (an answer) or b"" (closed)
    except (BlockingIOError, ssl.SSLWantReadError):
        return True
    except OSError:
        return False
    finally:
        sock.settimeout(10)
    return False
