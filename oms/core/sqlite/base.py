"""Django's SQLite backend, told SQLite's real bound-parameter limit.

Django assumes 999 parameters per statement (SQLite before 3.32), so a 50-item order's
`bulk_create` would be split into several INSERTs; SQLite 3.32+ allows 32,766, which keeps an
order's items in one statement, as on PostgreSQL (and keeps the query count flat).
"""

import sqlite3

from django.db.backends.sqlite3 import base, features

if sqlite3.sqlite_version_info < (3, 32):  # pragma: no cover - depends on the platform's SQLite
    raise RuntimeError(f"oms needs SQLite 3.32 or newer, found {sqlite3.sqlite_version}")


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = 32766


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
