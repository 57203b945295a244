"""Lag-tolerant reads (the admin's list pages) from DATABASE_REPLICA_URL, the channel API's from the
primary, and the admin's from the primary when the replica cannot be opened; through a real
server. SQLite files stand in for the primary and its replica here (the router does not look at
the engine); `make test-deploy` does the same with a PostgreSQL streaming standby."""

import http.client
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urlencode

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from liveserver import Server, oms, order_body, post_json, prepare, request, server_env

pytestmark = process_level("its own SQLite files")


class Browser:
    """The admin over plain HTTP, keeping its cookies."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def call(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, urlencode(form).encode() if form else None, headers)
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.partition(";")[0]
            return response.status, response.read().decode()
        finally:
            connection.close()

    def login(self, password: str) -> None:
        _, page = self.call("GET", "/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": token, "username": "admin", "password": password}
        assert self.call("POST", "/admin/login/?next=/admin/", form)[0] == 302

    def lists(self, order_id: int) -> bool:
        status, page = self.call("GET", "/admin/orders/order/?q=REPLICA-1")
        assert status == 200
        return f"/admin/orders/order/{order_id}/change/" in page


def test_admin_lists_read_the_replica_and_the_primary_when_it_is_gone(tmp_path):
    # Given a primary, and a replica that is a copy of it taken before an order is created
    env = server_env(tmp_path, database_url=f"sqlite:///{tmp_path}/primary.sqlite3")
    token = prepare(env)
    password = re.search(r"password (\S+)", oms(env, "demo")).group(1)
    shutil.copy(tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3")
    lagging = {**env, "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path}/replica.sqlite3"}
    gone = {**env, "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path}/no-such-dir/replica.sqlite3"}
    with Server(lagging, tmp_path / "lagging.log") as server:
        # When an order is created, then read by the channel API and the admin's list
        status, body, _ = post_json(
            server.port, "/api/v1/channel/1/create_orders/", order_body("REPLICA-1"), token=token
        )
        order_id = int(re.search(rb'"id":\s*(\d+)', body).group(1))
        api_count = request(
            server.port,
            "GET",
            "/api/v1/channel/1/orders/?number=REPLICA-1",
            headers={"Authorization": f"Token {token}"},
        )
        admin = Browser(server.port)
        admin.login(password)
        on_lagging_replica = admin.lists(order_id)
    with Server(gone, tmp_path / "gone.log") as server:
        admin = Browser(server.port)
        admin.login(password)
        without_replica = admin.lists(order_id)
    # Then the API read its own write from the primary, the admin's list the replica's older
    # state, and the primary's once the replica could not be opened
    assert status == 201
    assert b'"count": 1' in api_count[1] or b'"count":1' in api_count[1]
    assert not on_lagging_replica
    assert without_replica
