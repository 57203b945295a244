from django.conf import settings
from django.core.management.base import BaseCommand

from oms.idempotency.services import purge_expired_keys


class Command(BaseCommand):
    help = (
        "Manage stored Idempotency-Key answers. `oms idempotency purge` deletes keys older than "
        "OMS_IDEMPOTENCY_TTL_SECONDS (run it from cron, e.g. hourly)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("purge", help="delete expired keys and print how many")

    def handle(self, *args, action: str, **options):
        purged = purge_expired_keys()
        hours = settings.OMS_IDEMPOTENCY_TTL_SECONDS / 3600
        self.stdout.write(f"Purged {purged} idempotency key(s) older than {hours:g} h.")
