"""The insert of the create and bulk paths: cheap to send, and writing what the ORM would write."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from oms.orders.models import Order
from oms.orders.services.store import _aware_datetime, _postgresql_statement

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL statement")
def test_the_insert_statement_fits_psycopgs_cache_of_parsed_queries(api):
    # psycopg parses a statement for its placeholders once and caches the result, but only for
    # statements up to this length; a longer one is parsed again on every order.
    from psycopg import _queries

    assert len(_postgresql_statement().encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH
    from oms.orders.tests.payloads import minimal_body

    assert api.create_order(minimal_body("STORE-1")).status_code == 201
    before = _queries._query2pg.cache_info()
    assert api.create_order(minimal_body("STORE-2")).status_code == 201
    after = _queries._query2pg.cache_info()
    assert after.misses == before.misses and after.hits > before.hits


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite insert")
@pytest.mark.parametrize(
    "value",
    [
        datetime(2025, 1, 1, 10, 0, tzinfo=UTC),
        datetime(2025, 1, 1, 10, 0, 0, 123456, tzinfo=UTC),
        datetime(2025, 6, 30, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=3))),
        datetime(1999, 12, 31, 22, 30, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
        None,
    ],
)
def test_sqlite_datetimes_are_written_as_the_field_writes_them(value):
    field = Order._meta.get_field("date_placed")
    wrapper = connections[DEFAULT_DB_ALIAS]
    assert _aware_datetime(field, value, wrapper) == field.get_db_prep_save(value, wrapper)
