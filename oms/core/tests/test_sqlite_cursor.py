"""Our SQLite cursor rewrites placeholders as Django's does, once per statement."""

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoCursor

from oms.core.sqlite import base

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend"),
]

QUERIES = [
    "SELECT %s, %s FROM t WHERE a = %s",
    "SELECT '100%%', %s WHERE b LIKE '%%x%%'",
    "SELECT %%s, %s",
    "INSERT INTO t VALUES " + ", ".join(["(%s, %s)"] * 5000),  # past the cached length
]


@pytest.mark.parametrize("query", QUERIES)
def test_placeholders_are_rewritten_as_django_rewrites_them(query):
    with connection.cursor() as cursor:
        assert isinstance(cursor.cursor, base.SQLiteCursorWrapper)
        assert cursor.cursor.convert_query(query) == DjangoCursor.convert_query(None, query)


def test_a_repeated_statement_is_rewritten_once():
    query = "SELECT %s AS repeated_statement_test"
    with connection.cursor() as cursor:
        cursor.execute(query, [1])
        before = base._qmark.cache_info()
        cursor.execute(query, [2])
        assert cursor.fetchone() == (2,)
    after = base._qmark.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)


def test_named_parameters_still_work():
    with connection.cursor() as cursor:
        cursor.execute("SELECT %(a)s + %(b)s", {"a": 1, "b": 2})
        assert cursor.fetchone() == (3,)
