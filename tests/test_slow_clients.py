"""Slow clients: 50 connections sending their headers one line every 2 s. `oms serve` as shipped
(granian) reads request heads on its event loop, so they hold no Python thread and a normal request
is answered while they are held, with or without nginx (deploy/nginx/oms.conf) in front; they held
every thread of the gunicorn we shipped before, straight.

And 50 connections that stall their bodies, sent without a key: granian has no body timeout, so
the body layer (oms/core/bodies.py) lets only a few threads of a process wait on such bodies, the
rest being 503 at once, and times those few out (408), so a normal request is answered while they
are held (they held every thread before, until their clients went)."""

import contextlib
import http.client
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import deploytest
from liveserver import (
    CONNECTION_ERRORS,
    Server,
    free_port,
    insecure_tls,
    order_body,
    prepare,
    request,
    server_env,
    slow_clients,
    stalled_bodies,
)

pytestmark = process_level("its own server and nginx")
needs_nginx = pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None, reason="nginx not installed"
)
SLOW = 50
HOSTS = "oms.example.com,127.0.0.1"
CREATE = "/api/v1/channel/1/create_orders/"


def healthz(connection: http.client.HTTPConnection) -> int | None:
    """The status of a normal request, or None when it got no answer before the client gave up."""
    try:
        connection.request("GET", "/healthz", headers={"Host": "oms.example.com"})
        return connection.getresponse().status
    except (TimeoutError, OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def test_slow_clients_hold_nothing_of_oms_serve_alone(tmp_path):
    # Given `oms serve` as shipped, alone (no proxy), with its smallest pool: 1 process of 4 threads
    env = server_env(tmp_path, WEB_CONCURRENCY="1", WEB_THREADS="4", ALLOWED_HOSTS=HOSTS)
    # When 50 clients send their headers slowly and a normal request comes
    with Server(env, tmp_path / "server.log") as server, slow_clients(server.port, SLOW) as held:
        status = healthz(http.client.HTTPConnection("127.0.0.1", server.port, timeout=30))
        still_held = held()
    # Then it is answered while all 50 are still open, unanswered
    assert status == 200
    assert still_held == SLOW


@needs_nginx
def test_slow_clients_hold_nothing_behind_the_shipped_nginx(tmp_path):
    # Given a replica as shipped, and nginx with deploy/nginx/oms.conf in front
    env = server_env(tmp_path, WEB_CONCURRENCY="1", ALLOWED_HOSTS=HOSTS)
    with Server(env, tmp_path / "server.log") as server:
        main = deploytest.nginx_config(tmp_path, https := free_port(), free_port(), [server.port])
        nginx = deploytest.Stack(tmp_path)
        try:
            nginx.daemon(["nginx", "-p", str(tmp_path), "-c", str(main)], https)
            # When 50 clients send their headers slowly to nginx and a normal request comes
            with slow_clients(https, SLOW, secure=True) as held:
                connection = http.client.HTTPSConnection(
                    "127.0.0.1", https, timeout=30, context=insecure_tls()
                )
                status = healthz(connection)
                still_held = held()
        finally:
            nginx.stop()
    # Then it is answered while they are held
    assert status == 200
    assert still_held == SLOW


def test_slow_clients_held_every_thread_of_gunicorn_alone(tmp_path):
    # Given gunicorn gthread (OMS_SERVER=gunicorn), what `oms serve` ran before granian
    env = server_env(
        tmp_path, OMS_SERVER="gunicorn", WEB_CONCURRENCY="1", GUNICORN_THREADS="4", ALLOWED_HOSTS=HOSTS
    )
    # When 50 clients send their headers slowly and a normal request comes
    with Server(env, tmp_path / "server.log") as server, slow_clients(server.port, SLOW):
        status = healthz(http.client.HTTPConnection("127.0.0.1", server.port, timeout=3))
    # Then it waits behind them (no answer before the client gives up)
    assert status is None


def status_or_none(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """The status of a request from a client that gives up after 10 s, or None: no answer."""
    headers = {"Host": "oms.example.com", **(headers or {})}
    try:
        return request(port, method, path, body, headers, timeout=10)[0]
    except CONNECTION_ERRORS:
        return None


def test_stalled_bodies_hold_few_threads_of_oms_serve_alone_and_get_408(tmp_path):
    # Given `oms serve` as shipped, alone, with its smallest pool: 1 process of 4 threads, of which
    # OMS_UNKEYED_BODY_READERS (half) may wait on a body sent without a key, for 5 s at most
    env = server_env(
        tmp_path, WEB_CONCURRENCY="1", WEB_THREADS="4", OMS_BODY_READ_TIMEOUT_SECONDS="5", ALLOWED_HOSTS=HOSTS
    )
    token = prepare(env)
    order = json.dumps(order_body("STALL-1")).encode()
    keyed = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with Server(env, tmp_path / "server.log") as server:
        port = server.port
        # When 50 clients send a login form's head and 4 of its 100 bytes, and stall
        with stalled_bodies(port, SLOW, "/admin/login/") as stalled:
            time.sleep(1)  # every head reaches the server
            # and a normal GET and a keyed create come
            get = status_or_none(port, "GET", "/healthz")
            create = status_or_none(port, "POST", CREATE, order, keyed)
            answers = final_answers(stalled)
        # and then another login form comes whole, and a GET
        login = status_or_none(port, "POST", "/admin/login/", b"username=a&password=b", form)
        get_after = status_or_none(port, "GET", "/healthz")
    # Then both were answered while the stalled clients were held
    assert (get, create) == (200, 201)
    # and two stalled clients were given the threads, until their reads timed out (408); every
    # other one was refused at once, 503 with Retry-After, its body unread
    statuses = [answer[:12] for answer in answers]
    assert statuses.count(b"HTTP/1.1 408") == 2, answers
    assert statuses.count(b"HTTP/1.1 503") == SLOW - 2, answers
    assert all(b"\r\nretry-after: 1\r\n" in a.lower() for a in answers if a.startswith(b"HTTP/1.1 503"))
    # and the process goes on answering: the reads given up on did not stop it (Django's CSRF
    # check answers the form)
    assert (login, get_after) == (403, 200)


def final_answers(sockets: list, seconds: float = 30) -> list[bytes]:
    """Everything the server sent on each socket until it closed it, waiting `seconds` in all."""
    deadline, answers = time.monotonic() + seconds, []
    for sock in sockets:
        received = b""
        with contextlib.suppress(OSError):
            while True:
                sock.settimeout(max(deadline - time.monotonic(), 0.01))
                if not (data := sock.recv(65536)):
                    break
                received += data
        answers.append(received)
    return answers
