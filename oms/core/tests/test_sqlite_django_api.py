"""The parts of Django's SQLite backend that oms/core/sqlite/base.py still overrides without a
public extension point: if a Django upgrade renames them, changes their signature or stops
calling them, these tests fail (the write lock and the placeholder cache would silently stop)."""

import inspect

import pytest
from django.db import connection, transaction
from django.db.backends.sqlite3 import base as django_sqlite

from oms.core.sqlite.base import DatabaseWrapper, SQLiteCursorWrapper


def _parameters(function) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_djangos_private_methods_we_override_keep_their_signatures():
    # Given the private methods of Django's SQLite backend that ours override
    begin = django_sqlite.DatabaseWrapper._start_transaction_under_autocommit
    convert = django_sqlite.SQLiteCursorWrapper.convert_query
    # Then they are there, with the signatures our overrides were written for
    assert _parameters(begin) == [("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty)]
    assert _parameters(convert) == [
        ("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("query", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("param_names", inspect.Parameter.KEYWORD_ONLY, None),
    ]
    assert _parameters(DatabaseWrapper._start_transaction_under_autocommit) == _parameters(begin)
    assert _parameters(SQLiteCursorWrapper.convert_query) == _parameters(convert)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend")
@pytest.mark.django_db(transaction=True)
def test_atomic_begins_through_our_override_and_ends_through_the_public_methods(monkeypatch):
    # Given the write lock's take and release watched
    calls = []
    monkeypatch.setattr(DatabaseWrapper, "_take_write_lock", lambda self: calls.append("take"))
    monkeypatch.setattr(DatabaseWrapper, "_release_write_lock_if_ended", lambda self: calls.append("end"))
    # When one transaction commits and one rolls back
    with transaction.atomic():
        pass
    with pytest.raises(RuntimeError), transaction.atomic():
        raise RuntimeError("rolled back")
    # Then each took the lock as it began and released it as it ended
    assert calls == ["take", "end", "take", "end"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend")
@pytest.mark.django_db
def test_djangos_cursor_rewrites_placeholders_through_our_convert_query(monkeypatch):
    # Given our convert_query watched
    seen = []
    original = SQLiteCursorWrapper.convert_query

    def watched(self, query, *, param_names=None):
        seen.append(query)
        return original(self, query, param_names=param_names)

    monkeypatch.setattr(SQLiteCursorWrapper, "convert_query", watched)
    # When a statement with parameters runs
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s AS private_api_test", [1])
    # Then Django's execute called it
    assert seen == ["SELECT %s AS private_api_test"]
