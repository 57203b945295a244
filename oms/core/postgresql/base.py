"""Django's PostgreSQL backend, with a connection health check that needs no round trip.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request: on
the create path that was one statement in three, and a round trip of latency. A connection the
server has closed while it sat idle (a restart, an idle timeout, pg_terminate_backend) has
something to read on its socket: the server's FATAL notice, or the end of the stream. So an
idle connection with nothing to read is usable, and only one with something to read gets
Django's `SELECT 1`, which reads it and decides.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status != pq.TransactionStatus.IDLE or _readable(pgconn.socket):
            return super().is_usable()
        return True


def _readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
