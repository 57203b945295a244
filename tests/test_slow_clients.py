"""Slow clients against the shipped front: 50 connections sending their headers one line every
2 s hold every gunicorn thread when they reach it straight, and none when nginx, configured by
deploy/nginx/oms.conf, reads the headers first."""

import http.client
import shutil
import sys
from pathlib import Path

import pytest

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import deploytest
from liveserver import Server, free_port, insecure_tls, server_env, slow_clients

pytestmark = [
    *process_level("its own gunicorn and nginx"),
    pytest.mark.skipif(
        shutil.which("nginx") is None or shutil.which("openssl") is None, reason="nginx not installed"
    ),
]
SLOW = 50


def healthz(connection: http.client.HTTPConnection) -> int | None:
    """The status of a normal request, or None when it got no answer before the client gave up."""
    try:
        connection.request("GET", "/healthz", headers={"Host": "oms.example.com"})
        return connection.getresponse().status
    except (TimeoutError, OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def test_slow_clients_hold_gunicorn_straight_but_not_behind_the_shipped_nginx(tmp_path):
    # Given a replica as shipped (gthread threads), and nginx with deploy/nginx/oms.conf in front
    env = server_env(
        tmp_path, WEB_CONCURRENCY="1", GUNICORN_THREADS="4", ALLOWED_HOSTS="oms.example.com,127.0.0.1"
    )
    with Server(env, tmp_path / "gunicorn.log") as server:
        main = deploytest.nginx_config(tmp_path, https := free_port(), free_port(), [server.port])
        nginx = deploytest.Stack(tmp_path)
        try:
            nginx.daemon(["nginx", "-p", str(tmp_path), "-c", str(main)], https)
            # When 50 clients send their headers slowly, to gunicorn straight and through nginx
            with slow_clients(server.port, SLOW):
                straight = healthz(http.client.HTTPConnection("127.0.0.1", server.port, timeout=3))
            with slow_clients(https, SLOW, secure=True):
                proxied = healthz(
                    http.client.HTTPSConnection("127.0.0.1", https, timeout=10, context=insecure_tls())
                )
        finally:
            nginx.stop()
    # Then straight, the normal request waits behind them; through nginx it is answered
    assert straight is None
    assert proxied == 200
