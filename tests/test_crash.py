"""Durability: kill -9 the server under load; every acknowledged order is there with its items,
and its items' stock reservations with it.

The scenario lives in scripts/crashtest.py (also runnable on its own). It starts its own
PostgreSQL cluster and `oms serve`, so it needs no test database and runs once per `make test`:
in the SQLite pass (DATABASE_URL unset), skipped in the PostgreSQL pass.
"""

import sys
from pathlib import Path

import pytest

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import crashtest
import pgcluster
from pgcluster import cluster

pytestmark = process_level("its own PostgreSQL cluster")


# How the creates reserve their stock: in the create statement, or through the function that
# contended rows are reserved by.
RESERVING = {"statement": {"OMS_STOCK_FUNCTION": "never"}, "function": {"OMS_STOCK_FUNCTION": "always"}}


@pytest.mark.skipif(not pgcluster.available(), reason="PostgreSQL 15 server binaries not installed")
@pytest.mark.parametrize("reserving_through", list(RESERVING))
def test_every_acknowledged_order_survives_kill_9_of_the_server_with_all_its_items(
    tmp_path, reserving_through
):
    # Given oms under `oms serve` (granian) on a durable PostgreSQL, with six clients posting 3-item
    # orders whose stock is reserved through the create statement or through the function
    with cluster(durable=True) as database_url:
        # When the server's main process and workers are killed with SIGKILL mid-run, restarted, and
        # every unanswered request is retried with the same body (and Idempotency-Key)
        report = crashtest.run(
            database_url,
            tmp_path,
            clients=6,
            before_kill=40,
            after_restart=30,
            settings=RESERVING[reserving_through],
        )
    # Then every acknowledged order is stored under its id with its 3 items, no order lacks
    # items, every retried order exists once, the stock reserved is exactly the acknowledged
    # orders' units, and no answer was a 5xx
    print(report.summary())
    assert report.problems == []
    assert report.acknowledged_before_kill >= 40
    assert len(report.acknowledged) >= 70
    assert set(report.statuses) <= {200, 201}
    assert set(report.retry_statuses) <= {200, 201}
