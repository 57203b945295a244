"""Running channel-app against oms on a live port, shared by the end-to-end tests: its settings
imported with a worker's environment, the key of its user, a JSON client for the test's own
setup calls, and channel-app pointed at the live server with retries turned into failures."""

from __future__ import annotations

import importlib
import os
import socket
from types import ModuleType, SimpleNamespace

import requests
from django.test.testcases import QuietWSGIRequestHandler

from oms.access.models import ApiKey
from oms.access.services import login
from oms.channels.models import Channel

USERNAME = "channel-app"
PASSWORD = "channel-app-secret-1"


def import_channel_app_settings(redis_port: int, channel: int) -> ModuleType:
    """channel-app's settings module, imported with a worker's environment (once per process:
    later calls get the module as first imported)."""
    environment = {
        "OMNITRON_URL": "https://oms.invalid/",
        "OMNITRON_USERNAME": USERNAME,
        "OMNITRON_PASSWORD": PASSWORD,
        "OMNITRON_CHANNEL_ID": str(channel),
        "OMNITRON_CATALOG_ID": "1",
        "CACHE_HOST": "127.0.0.1",
        "CACHE_PORT": str(redis_port),
        "CACHE_DATABASE_INDEX": "0",
        "OMNITRON_MODULE": "tests.channel_app_side.omnitron",
        "CHANNEL_MODULE": "tests.channel_app_side.integration",
    }
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        return importlib.import_module("channel_app.core.settings")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def point_channel_app(
    monkeypatch, live_server, channel_app_settings, *, catalog: int, redis_port: int
) -> None:
    """channel-app aimed at the live server and `catalog`, with a fresh Redis, fresh content type
    ids, and a retry (after a 5xx or a broken connection) failing the test at once instead of
    sleeping ten seconds."""
    import omnisdk.api_endpoint
    import redis
    from channel_app.omnitron.constants import CONTENT_TYPE_IDS

    monkeypatch.setattr(live_server.thread.httpd, "RequestHandlerClass", NoDelayHandler)
    monkeypatch.setattr(channel_app_settings, "OMNITRON_URL", f"{live_server.url}/")
    monkeypatch.setattr(channel_app_settings, "OMNITRON_CATALOG_ID", str(catalog))
    # Read when each client is made: the settings module outlives the Redis of the test module
    # that imported it first.
    monkeypatch.setattr(channel_app_settings, "CACHE_PORT", str(redis_port))
    redis.Redis(host="127.0.0.1", port=redis_port).flushall()
    CONTENT_TYPE_IDS.clear()
    monkeypatch.setattr(omnisdk.api_endpoint, "time", SimpleNamespace(sleep=no_retries))


class NoDelayHandler(QuietWSGIRequestHandler):
    """The live server's handler with Nagle's algorithm off: it writes an answer's headers and
    body separately, and the client's delayed ACK would hold each answer back ~40 ms."""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def no_retries(seconds: float) -> None:
    raise RuntimeError("omnisdk is retrying: oms answered 5xx or the connection failed")


def user_with_key(channel: Channel) -> str:
    # As an operator does it: the user logs in once, the admin grants its key the channel.
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(username=USERNAME, password=PASSWORD)
    key = login(username=USERNAME, password=PASSWORD, address="127.0.0.1")
    ApiKey.objects.get(user__username=USERNAME).channels.add(channel)
    return key


class Api:
    def __init__(self, base: str, token: str):
        self.base = f"{base}/api/v1/"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def post(self, path: str, **body):
        response = self.session.post(self.base + path, json=body, timeout=30)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def send(self, method: str, path: str, **body):
        response = self.session.request(method, self.base + path, json=body or None, timeout=30)
        assert response.status_code < 300, response.text
        return response
