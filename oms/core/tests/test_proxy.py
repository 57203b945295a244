"""X-Forwarded-For and X-Forwarded-Proto are believed only from OMS_TRUSTED_PROXIES, through the
WSGI application as gunicorn calls it."""

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler

from oms.core.proxy import TrustedProxies


def call(app, remote_addr: str, **headers: str) -> tuple[str, dict[str, str], dict]:
    """The app called as a WSGI server calls it: (status, headers, the environ it saw)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/healthz",
        "SERVER_NAME": "oms.example.com",
        "SERVER_PORT": "80",
        "HTTP_HOST": "oms.example.com",
        "REMOTE_ADDR": remote_addr,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=dict(response_headers))

    b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], environ


def seen_by_app():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        start_response("200 OK", [])
        return [b""]

    return seen, app


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),
        # What the client wrote left of the last untrusted hop proves nothing
        ("1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Our own proxies on the way are skipped
        ("203.0.113.7, 10.0.0.2", "203.0.113.7"),
        # A garbled chain keeps the proxy's address
        ("203.0.113.7, not-an-address", "127.0.0.1"),
    ],
)
def test_the_client_address_comes_from_a_trusted_proxy(forwarded_for, client):
    # Given the proxies 127.0.0.1 and 10.0.0.0/8 trusted
    seen, app = seen_by_app()
    # When the proxy forwards a request
    call(
        TrustedProxies(app, ["127.0.0.1", "10.0.0.0/8"]),
        "127.0.0.1",
        X_FORWARDED_FOR=forwarded_for,
        X_FORWARDED_PROTO="https",
    )
    # Then the application sees the client's address and the scheme the proxy was asked in
    assert seen["REMOTE_ADDR"] == client
    assert seen["HTTP_X_FORWARDED_PROTO"] == "https"


def test_forwarded_headers_from_any_other_peer_are_dropped():
    # Given 127.0.0.1 trusted
    seen, app = seen_by_app()
    # When a client connecting directly claims another address and HTTPS
    call(
        TrustedProxies(app, ["127.0.0.1"]),
        "198.51.100.1",
        X_FORWARDED_FOR="127.0.0.1",
        X_FORWARDED_PROTO="https",
    )
    # Then the application sees neither claim
    assert seen["REMOTE_ADDR"] == "198.51.100.1"
    assert "HTTP_X_FORWARDED_PROTO" not in seen and "HTTP_X_FORWARDED_FOR" not in seen


def test_hsts_is_sent_only_for_https_as_the_trusted_proxy_says(db, settings):
    # Given the production HTTPS settings, with 127.0.0.1 the trusted proxy
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.ALLOWED_HOSTS = ["oms.example.com"]
    app = TrustedProxies(WSGIHandler(), ["127.0.0.1"])  # its middleware reads the settings now
    # When HTTPS is claimed by the proxy, and by a stranger
    _, from_proxy, _ = call(app, "127.0.0.1", X_FORWARDED_PROTO="https")
    _, from_stranger, _ = call(app, "198.51.100.1", X_FORWARDED_PROTO="https")
    # Then only the proxy's request is taken as HTTPS
    assert from_proxy["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in from_stranger
