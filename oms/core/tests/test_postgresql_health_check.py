"""The PostgreSQL connection health check: no round trip for a healthy idle connection, and a
connection the server closed between requests is replaced before the request uses it."""

import select
import time

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.db.backends.postgresql import base as django_postgresql

from oms.orders.tests.payloads import minimal_body

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend only"),
    pytest.mark.django_db(transaction=True),  # Django skips health checks inside a transaction
]


@pytest.fixture
def select_one_checks(monkeypatch) -> list[int]:
    """Counts Django's own check (`SELECT 1`), which ours falls back to."""
    calls = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return calls


def backend_pid() -> int:
    return connection.connection.info.backend_pid


def start_of_request() -> None:
    # What Django runs on request_started under a real server (the test client leaves it out).
    close_old_connections()


def test_a_healthy_idle_connection_is_checked_without_a_query(api, select_one_checks):
    # Given a first request, which opened the connection
    assert api.create_order(minimal_body("HC-1")).status_code == 201
    pid = backend_pid()
    # When more requests come, each starting with the health check
    for n in range(2, 5):
        start_of_request()
        assert api.create_order(minimal_body(f"HC-{n}")).status_code == 201
    # Then the connection was kept and no SELECT 1 was sent
    assert backend_pid() == pid
    assert connection.health_check_done
    assert select_one_checks == []


def test_a_connection_the_server_closed_is_replaced_before_the_next_request(api, select_one_checks):
    # Given a request, then the server ending that connection while it sits idle
    assert api.create_order(minimal_body("HC-10")).status_code == 201
    pid = backend_pid()
    socket = connection.connection.pgconn.socket
    with psycopg.connect(_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    _wait_readable(socket)
    # When the next request comes
    start_of_request()
    response = api.create_order(minimal_body("HC-11"))
    # Then Django's SELECT 1 confirmed the loss, and the request was served on a new connection
    assert response.status_code == 201, response.content
    assert backend_pid() != pid
    assert select_one_checks == [1]


def test_a_connection_inside_a_transaction_gets_djangos_check(select_one_checks):
    # Given a connection in an open transaction (not idle: the socket says nothing about it)
    connection.ensure_connection()
    connection.connection.execute("BEGIN")
    try:
        # When its health is checked
        usable = connection.is_usable()
    finally:
        connection.connection.execute("ROLLBACK")
    # Then Django's own check decided
    assert usable and select_one_checks == [1]


def _url() -> str:
    settings = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"],
    )


def _wait_readable(fd: int, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not select.select([fd], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the server did not close the connection"
