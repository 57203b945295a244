"""Fixtures shared by every app's tests."""

import copy
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test import Client

from oms.access.services import clear_key_cache, create_api_key
from oms.catalog.services.stock import forget_contention
from oms.channels.models import Channel
from oms.core.ratelimit import clear_buckets
from oms.demo import load_demo
from oms.observe.logs import JsonFormatter
from oms.observe.refusals import discard_pending_refusals
from oms.observe.tests.secrets import leaks

FIXTURES = Path(__file__).parent / "tests" / "fixtures"
SEED_REQUEST_TEXT = (FIXTURES / "seed_request.json").read_text()
SEED_RESPONSE = json.loads((FIXTURES / "seed_response.json").read_text())


def process_level(owns: str) -> list:
    """The marks of a test that starts its own server and `owns` its database: slow, and run once
    per `make test`, in the pass without DATABASE_URL (it needs no test database)."""
    return [
        pytest.mark.slow,
        pytest.mark.skipif(
            bool(os.environ.get("DATABASE_URL")),
            reason=f"process-level test with {owns}: runs once, in the pass without DATABASE_URL",
        ),
    ]


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    clear_key_cache()
    yield
    clear_key_cache()


@pytest.fixture(autouse=True)
def _no_stock_contended():
    """No test finds stock rows another one's slow creates marked contended."""
    forget_contention()
    yield
    forget_contention()


# The rate limit the other tests run under: on (every answer carries its headers), never reached.
NEVER_REACHED_RATE_LIMIT = "1000000/s burst 1000000"


@pytest.fixture(autouse=True)
def _rate_limit_never_reached(settings):
    """Tests post hundreds of orders a second with one key: they run under a limit that is on but
    never reached, with empty buckets; the rate limit's own tests set theirs."""
    settings.OMS_RATE_LIMIT = NEVER_REACHED_RATE_LIMIT
    clear_buckets()
    yield
    clear_buckets()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    """Debian's redis-server on a free loopback port, without persistence, for this module."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("redis-server did not start")
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Django's cache holds the login throttle's counts and cached list counts: none carries over."""
    cache.clear()
    yield
    cache.clear()


class _SuiteLog(logging.Handler):
    """Every log record of the test run, as the configured formatter writes it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


_suite_log = _SuiteLog()


@pytest.fixture(scope="session", autouse=True)
def _suite_log_captured():
    """Captures the whole run's logs; pytest_sessionfinish fails the run if any line holds a
    secret or personal data (oms/observe/tests/secrets.py)."""
    root = logging.getLogger()
    root.addHandler(_suite_log)
    yield
    root.removeHandler(_suite_log)


# The leaks xdist's workers found (`make test` runs the suite on several): a worker's own exit
# status does not fail the run, so each hands its count and first line to the controller.
_workers_leaks: list[tuple[int, str]] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    # A worker that crashed sent no output: xdist reports the crash itself.
    count, example = getattr(node, "workeroutput", {}).get("oms_log_leaks", (0, ""))
    if count:
        _workers_leaks.append((count, example))


def pytest_sessionfinish(session, exitstatus):
    found = leaks(_suite_log.lines)
    worker = getattr(session.config, "workeroutput", None)
    if worker is not None:
        worker["oms_log_leaks"] = (len(found), found[0] if found else "")
        return
    counted = [(len(found), found[0])] if found else []
    counted += _workers_leaks
    if counted:
        total = sum(count for count, _ in counted)
        sys.stderr.write(f"\n{total} log lines hold a secret or personal data, e.g.:\n{counted[0][1]}\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _refusal_counts_kept_in_process(settings):
    """Refusal counts are written to the dashboard's table only when a test asks (a write in the
    middle of a request would change its query count)."""
    settings.OMS_REFUSAL_FLUSH_SECONDS = float("inf")
    discard_pending_refusals()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 is slow on purpose (~0.4 s for the demo admin); tests only need passwords to work."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    """The demo data: channels 1 and 2 and every row the seed example points at."""
    return load_demo()


@pytest.fixture
def token(demo) -> str:
    return demo.token


@pytest.fixture(params=["statement", "function"])
def reserving_through(request, settings) -> str:
    """How PostgreSQL's single create reserves: in its statement's CTEs, or through the function
    `oms_reserve_stock` (which it uses for contended rows: catalog.services.stock.contended).
    Both must decide alike. SQLite has neither: it runs "statement" only."""
    if request.param == "function" and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL reserves contended rows through a function")
    settings.OMS_STOCK_FUNCTION = "always" if request.param == "function" else "never"
    return request.param


@pytest.fixture
def seed_body() -> dict:
    """The page's example request body, parsed (a fresh copy per test)."""
    return copy.deepcopy(json.loads(SEED_REQUEST_TEXT))


@pytest.fixture
def api(token):
    return ApiClient(token)


class ApiClient:
    """Django's test client speaking JSON with an API key."""

    def __init__(self, key: str | None, scheme: str = "Token "):
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"{scheme}{key}"} if key else {}

    def post(
        self,
        path: str,
        body=None,
        *,
        raw: str | bytes | None = None,
        content_type="application/json",
        **headers,
    ):
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(path, data=data, content_type=content_type, **self.auth, **headers)

    def get(self, path: str, **params):
        return self.client.get(path, params, **self.auth)

    def patch(self, path: str, body=None, **headers):
        return self.client.patch(
            path, data=json.dumps(body), content_type="application/json", **self.auth, **headers
        )

    def put(self, path: str, body=None, **headers):
        return self.client.put(
            path, data=json.dumps(body), content_type="application/json", **self.auth, **headers
        )

    def delete(self, path: str, **headers):
        return self.client.delete(path, **self.auth, **headers)

    def create_order(self, body, channel_id: int = 1, **headers):
        return self.post(f"/api/v1/channel/{channel_id}/create_orders/", body, **headers)


@pytest.fixture
def operator(demo) -> Client:
    """A browser session of the demo admin, logged in with the password `oms demo` prints."""
    client = Client()
    assert client.login(username=demo.admin_username, password=demo.admin_password)
    return client


@pytest.fixture
def key_for():
    """A new API key granted the given channel ids."""

    def make(*channel_ids: int, shared: bool = False, erp: bool = False) -> str:
        return create_api_key(
            name="test", channels=Channel.objects.filter(pk__in=channel_ids), shared=shared, erp=erp
        )[1]

    return make
