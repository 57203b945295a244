"""The PostgreSQL insert statement of the create and bulk paths stays cheap to send."""

import pytest
from django.db import connection

from oms.orders.services.store import _postgresql_statement

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
