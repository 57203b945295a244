import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from oms.core.readiness import check_readiness


class Command(BaseCommand):
    help = (
        "Exit 0 once the database answers, takes writes and has every migration applied (what "
        "/readyz checks); with --wait, keep asking for that many seconds. Applies nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=float, default=0, help="seconds to keep asking")

    def handle(self, *args, wait: float, **options):
        deadline = time.monotonic() + wait
        while (reason := check_readiness()) is not None:
            connection.close()  # a connection that failed is not asked again
            if time.monotonic() >= deadline:
                raise CommandError(f"not ready: {reason}")
            time.sleep(0.5)
        self.stdout.write("ready")
