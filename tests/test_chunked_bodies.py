"""A body sent with Transfer-Encoding: chunked (no Content-Length) is read, through real gunicorn.

HTTP clients that stream a body (a generator in requests, curl's `-H 'Transfer-Encoding:
chunked'`) send no Content-Length; Django alone read such bodies as empty.
"""

import http.client
import json
import sys
from pathlib import Path

from conftest import process_level

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from liveserver import Server, order_body, prepare, server_env

pytestmark = process_level("its own SQLite file")


def post_chunked(port: int, path: str, body: bytes, token: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        pieces = (body[i : i + 100] for i in range(0, len(body), 100))
        connection.request(
            "POST",
            path,
            body=pieces,
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_chunked_bodies_are_read_whole_and_refused_past_the_limit(tmp_path):
    env = server_env(tmp_path, WEB_CONCURRENCY="1", OMS_MAX_BODY_BYTES="4096")
    token = prepare(env)
    with Server(env, tmp_path / "gunicorn.log") as server:
        # An order streamed in 100-byte chunks is created, by the single and the bulk endpoint
        single = json.dumps(order_body("CHUNKED-1")).encode()
        status, answer = post_chunked(server.port, "/api/v1/channel/1/create_orders/", single, token)
        assert (status, answer["number"]) == (201, "CHUNKED-1")
        bulk = json.dumps({"orders": [order_body("CHUNKED-2")]}).encode()
        status, answer = post_chunked(server.port, "/api/v1/channel/1/create_orders/bulk/", bulk, token)
        assert (status, answer["summary"]["created"]) == (200, 1), answer
        # A chunked body past the endpoint's limit gets its 413, as a declared one does
        big = json.dumps(order_body("CHUNKED-3", items=80)).encode()
        assert len(big) > 4096
        status, answer = post_chunked(server.port, "/api/v1/channel/1/create_orders/", big, token)
        assert (status, answer["errors"][0]["code"]) == (413, "too_large")
