"""Slow clients: 50 connections sending their headers one line every 2 s. `oms serve` as shipped
(granian) reads request heads on its event loop, so they hold no Python thread and a normal request
is answered while they are held, with or without nginx (deploy/nginx/oms.conf) in front; they held
every thread of the gunicorn we shipped before, straight."""

import http.client
import shutil
import sys
from pathlib import Path

import pytest

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import deploytest
from liveserver import Server, free_port, insecure_tls, server_env, slow_clients

pytestmark = process_level("its own server and nginx")
needs_nginx = pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None, reason="nginx not installed"
)
SLOW = 50
HOSTS = "oms.example.com,127.0.0.1"


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
