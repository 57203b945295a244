"""PostgreSQL: the events' data compressed with lz4 instead of pglz (rows written from now on).

An order's event data (~4.6 KB) is past the 2 KB TOAST threshold, so every create compresses it
in its row; lz4 does that several times faster than pglz, for a slightly larger row. Needs
PostgreSQL 14+ built with lz4 (Debian's packages and the official images are)."""

from django.db import migrations


def compression(method: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE events_event ALTER COLUMN data SET COMPRESSION {method}")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_event_data_json"),
    ]

    operations = [migrations.RunPython(compression("lz4"), compression("default"))]
