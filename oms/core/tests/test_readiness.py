"""/healthz (alive, no database call) and /readyz (a write could succeed now): what a load
balancer polls, and what a stranger learns from them (nothing about our servers)."""

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client

from oms.core.readiness import _expected_migrations


def test_healthz_answers_without_touching_the_database():
    # Given a running service, and a test that fails on any database access (no db fixture)
    # When /healthz is asked
    response = Client().get("/healthz")
    # Then it answers 200 with nothing but its status
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_200_in_a_few_statements_when_the_database_takes_writes(
    db, django_assert_max_num_queries
):
    # Given a migrated, writable database
    # When /readyz is asked
    with django_assert_max_num_queries(6):
        response = Client().get("/readyz")
    # Then it answers 200, cheaply enough to be polled every second
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def read_only_connection(db):
    statement = {
        "sqlite": ("PRAGMA query_only = ON", "PRAGMA query_only = OFF"),
        # The test's own transaction becomes read-only, as every transaction on a standby is.
        "postgresql": ("SET transaction_read_only = on", None),
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(statement[0])
    yield
    if statement[1]:
        with connection.cursor() as cursor:
            cursor.execute(statement[1])


def test_readyz_answers_503_when_the_database_refuses_writes(read_only_connection):
    # Given a database that reads but refuses writes (a standby, a read-only SQLite file)
    # When /readyz is asked
    response = Client().get("/readyz")
    # Then it answers 503 with the reason's code only
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database_read_only"}


def test_readyz_answers_503_until_every_migration_on_disk_is_applied(db):
    # Given a database where the latest migration of the orders app has not been applied
    (leaf,) = [name for app, name in _expected_migrations() if app == "orders"]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'orders' AND name = %s", [leaf])
    # When /readyz is asked
    response = Client().get("/readyz")
    # Then it answers 503: migrations are an explicit step, not something a start does
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "migrations_pending"}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page limit")
def test_readyz_answers_503_when_the_sqlite_file_cannot_grow(transactional_db):
    # Given a SQLite file that reached its size limit, so that a write needing a page fails (and
    # SQLite rolls back the whole transaction: no test transaction around this one)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM pragma_page_count()")
        (pages,) = cursor.fetchone()
        cursor.execute(f"PRAGMA max_page_count = {pages}")
    try:
        with (
            pytest.raises(OperationalError, match="full"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "INSERT INTO django_migrations (app, name, applied) VALUES ('x', %s, '2026-01-01')",
                ["x" * 20000],
            )
        # When /readyz is asked
        response = Client().get("/readyz")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 1073741823")
    # Then it answers 503
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database_full"}
