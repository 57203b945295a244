"""A request thread's database connections close when the thread ends (oms/core/threads.py)."""

import threading

import pytest
from django.db import connections

from oms.core.threads import ConnectionsClosedAtThreadExit


def _closed(raw) -> bool:
    try:
        raw.cursor()  # psycopg and sqlite3 both refuse on a closed connection
    except Exception:
        return True
    return False


def querying_app(opened: list):
    """A WSGI app that queries the database and notes the connection it used in `opened`."""

    def app(environ, start_response):
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        opened.append(connections["default"].connection)
        start_response("200 OK", [])
        return [b""]

    return app


@pytest.mark.django_db(transaction=True)
def test_a_retired_threads_connection_is_closed_when_the_thread_ends():
    # Given the layer in front of an app that queries the database
    opened = []
    layer = ConnectionsClosedAtThreadExit(querying_app(opened))
    # When a thread serves a request and ends (as granian retires an idle one)
    thread = threading.Thread(target=layer, args=({}, lambda *args: None))
    thread.start()
    thread.join()
    # Then the connection it opened is closed, without waiting for a garbage collection
    assert len(opened) == 1
    assert _closed(opened[0])


@pytest.mark.django_db(transaction=True)
def test_a_live_threads_connection_stays_open_across_requests():
    # Given the layer, and a thread serving two requests
    opened = []
    layer = ConnectionsClosedAtThreadExit(querying_app(opened))
    still_open = []

    def serve_twice():
        layer({}, lambda *args: None)
        layer({}, lambda *args: None)
        still_open.append(not _closed(opened[-1]))
        connections.close_all()

    # When it serves them
    thread = threading.Thread(target=serve_twice)
    thread.start()
    thread.join()
    # Then both used one connection, open while the thread lived
    assert opened[0] is opened[1]
    assert still_open == [True]
