import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from oms.events.delivery import run_once

log = logging.getLogger("oms.events.worker")


class Command(BaseCommand):
    help = (
        "Deliver the outbox's events to webhook subscriptions until SIGTERM or SIGINT (the delivery "
        "under way is finished first). Several workers may run at once."
    )

    def handle(self, *args, **options):
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("Worker delivering webhooks (stop with SIGTERM)")
        self.stdout.flush()
        pause = settings.OMS_WORKER_POLL_SECONDS
        while not stop.is_set():
            try:
                done = run_once(stopping=stop.is_set)
            except DatabaseError:
                # The database went away or refused a statement: try again shortly, on a fresh
                # connection; nothing is lost (events stay in the outbox, leases expire).
                log.exception("worker round failed")
                close_old_connections()
                stop.wait(1)
                continue
            if done.full:
                continue  # a backlog: straight on
            # Between rounds that were not full, a short pause lets events gather into the next
            # batch (a round costs a few queries, whatever it carries); it doubles while nothing
            # comes, up to OMS_WORKER_IDLE_SECONDS.
            stop.wait(pause)
            if done.handled:
                pause = settings.OMS_WORKER_POLL_SECONDS
            else:
                pause = min(
                    2 * pause, max(settings.OMS_WORKER_IDLE_SECONDS, settings.OMS_WORKER_POLL_SECONDS)
                )
        self.stdout.write("Worker stopped")
