"""The deployment in deploy/ (nginx, 3 replicas by their systemd unit's commands, PgBouncer, a
PostgreSQL primary and its standby) survives a replica killed with SIGKILL and a restart of
PostgreSQL with every acknowledged order stored exactly once. The scenario lives in
scripts/deploytest.py; it takes 1-3 minutes on a shared machine, so `make test-deploy` runs it (and
`.ci/run`), not `make test`."""

import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import deploytest
import pgcluster

missing = [tool for tool in ("nginx", "pgbouncer", "openssl") if shutil.which(tool) is None]
pytestmark = [
    *process_level("its own nginx, PgBouncer and PostgreSQL clusters"),
    pytest.mark.skipif(
        not os.environ.get("OMS_DEPLOY_TEST"), reason="runs by `make test-deploy` (1-3 minutes)"
    ),
    pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)} (.ci/run installs them)"),
    pytest.mark.skipif(not pgcluster.available(), reason="PostgreSQL 15 server binaries not installed"),
]


def test_every_acknowledged_order_survives_a_killed_replica_and_a_database_restart_exactly_once(tmp_path):
    # Given the deployment of deploy/ on loopback ports, with 16 clients creating orders through
    # nginx and retrying every failure with the same body
    # When a replica is killed with SIGKILL and started again, then PostgreSQL is restarted
    report = deploytest.run(tmp_path, clients=16, replicas=3, phase_orders=150)
    # Then every acknowledged order is stored once with its items, errors came only while a
    # component was down, the standby caught up, and lag-tolerant reads came from it (the
    # primary when it was down)
    print(report.summary())
    assert report.problems == []
    assert len(report.acknowledged) >= 450
    assert [name for name, _, _ in report.faults] == [
        "replica killed (SIGKILL) and restarted",
        "PostgreSQL primary restarted (fast)",
    ]
