from django.core.management.base import BaseCommand, CommandError

from oms.access.services import create_api_key
from oms.channels.models import Channel


class Command(BaseCommand):
    help = (
        "Manage API keys. `oms token create --channel 1 [--channel 2] [--name NAME] [--shared] [--erp]` "
        "prints a new key."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key granted the given channels and print it")
        create.add_argument(
            "--channel", type=int, action="append", default=[], help="channel id (repeatable)"
        )
        create.add_argument("--name", default="cli", help="a label for the key")
        create.add_argument("--shared", action="store_true", help="may also write shared (catalog) data")
        create.add_argument(
            "--erp", action="store_true", help="the shop's ERP: reads and confirms every channel's orders"
        )

    def handle(
        self, *args, action: str, channel: list[int], name: str, shared: bool, erp: bool = False, **options
    ):
        channels = list(Channel.objects.filter(pk__in=channel))
        missing = sorted(set(channel) - {c.pk for c in channels})
        if missing:
            raise CommandError(f"Unknown channel(s): {', '.join(map(str, missing))}")
        if not channels and not shared and not erp:
            raise CommandError("Grant at least one --channel (or --shared, or --erp).")
        _, key = create_api_key(name=name, channels=channels, shared=shared, erp=erp)
        self.stdout.write(key)
