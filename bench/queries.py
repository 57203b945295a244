"""Queries per order as the application issues them: one create request per item count through
Django's test client under CaptureQueriesContext, after a warm-up request (so the API key and
channel lookups are cached, as in a running server).

Run by bench/run.py with DATABASE_URL set: `python bench/queries.py TOKEN RUN_ID ITEMS...`;
prints {"<items>": {"queries": n, "sql": [...]}} as JSON. Writes real orders (unique numbers).
"""

from __future__ import annotations

import json
import os
import sys

from pyload import order_body


def main(token: str, run_id: str, item_counts: list[int]) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    path = "/api/v1/channel/1/create_orders/"
    out = {}
    for items in item_counts:
        warm = client.post(
            path, order_body(f"Q-{run_id}-warm-{items}", items), content_type="application/json"
        )
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                path, order_body(f"Q-{run_id}-{items}", items), content_type="application/json"
            )
        if warm.status_code != 201 or response.status_code != 201:
            raise SystemExit(
                f"queries: expected 201, got {warm.status_code}/{response.status_code}: {response.content[:400]}"
            )
        out[str(items)] = {
            "queries": len(captured),
            "sql": [q["sql"][:160] for q in captured.captured_queries],
        }
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], [int(n) for n in sys.argv[3:]])))
