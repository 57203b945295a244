"""PostgreSQL: the events' data compressed with lz4 instead of pglz (rows written from now on).

An order's event data (~4.6 KB) is past the 2 KB TOAST threshold, so every create compresses it
in its row; lz4 does that several times faster than pglz, for a slightly larger row. Needs
PostgreSQL 14+ built with lz4 (Debian's packages and the official images are); on a server
without it the column keeps pglz, so the migration never stops an upgrade."""

from django.db import DatabaseError, migrations, transaction


def compression(method: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            try:
                with transaction.atomic(using=schema_editor.connection.alias):  # a savepoint
                    schema_editor.execute(f"ALTER TABLE events_event ALTER COLUMN data SET COMPRESSION {method}")
            except DatabaseError:  # not built with lz4 (or before 14): pglz, as before
                pass

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_event_data_json"),
    ]

    operations = [migrations.RunPython(compression("lz4"), compression("default"))]
