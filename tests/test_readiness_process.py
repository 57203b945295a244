"""/healthz and /readyz of a real server whose PostgreSQL stops and comes back, asked as an
outsider would."""

import sys
from pathlib import Path

import pytest

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import pgcluster
from liveserver import Server, oms, request, server_env
from pgcluster import Cluster

pytestmark = process_level("its own PostgreSQL cluster")


@pytest.mark.skipif(not pgcluster.available(), reason="PostgreSQL 15 server binaries not installed")
def test_a_stopped_database_makes_the_server_unready_but_alive_and_reveals_nothing(tmp_path):
    # Given oms served by gunicorn on a migrated PostgreSQL
    database = Cluster().init()
    database.start()
    try:
        env = server_env(tmp_path, database_url=database.url, WEB_CONCURRENCY="1")
        oms(env, "migrate", "--noinput", "-v", "0")
        with Server(env, tmp_path / "gunicorn.log") as server:
            ready_before = request(server.port, "GET", "/readyz")[0]
            # When the database is stopped
            database.stop("fast")
            alive = request(server.port, "GET", "/healthz")
            unready = request(server.port, "GET", "/readyz")
            # and started again
            database.start()
            ready_after = request(server.port, "GET", "/readyz")
    finally:
        database.remove()
    # Then the process stays alive, is unready only while the database is down, and neither
    # answer names the database's address
    assert ready_before == 200
    assert (alive[0], alive[1]) == (200, b'{"status": "ok"}')
    assert (unready[0], unready[1]) == (503, b'{"status": "unavailable", "reason": "database_unavailable"}')
    assert str(database.port).encode() not in unready[1] and b"127.0.0.1" not in unready[1]
    assert ready_after[0] == 200
