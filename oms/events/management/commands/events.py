from django.core.management.base import BaseCommand

from oms.events.services import purge_events


class Command(BaseCommand):
    help = "oms events purge: delete events past OMS_EVENT_RETENTION_SECONDS (7 days) and their deliveries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("purge", help="Delete events past the retention period.")

    def handle(self, *args, action, **options):
        self.stdout.write(f"Purged {purge_events()} events.")
