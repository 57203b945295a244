from django.core.management.base import BaseCommand, CommandError

from oms.access.services import create_api_key, set_key_rate_limit
from oms.channels.models import Channel
from oms.core.errors import DomainError

RATE_HELP = (
    'the key\'s own rate limit: "<n>/s" (or /m, /h, /d) with an optional "burst <m>", or "off"; '
    "without it the key has its channels' limit, else OMS_RATE_LIMIT"
)


class Command(BaseCommand):
    help = (
        "Manage API keys. `oms token create --channel 1 [--channel 2] [--name NAME] [--shared] [--erp] "
        '[--rate "200/s burst 400"]` prints a new key; `oms token set-rate ID RATE` changes a key\'s '
        'rate limit ("default" for its channels\' or OMS_RATE_LIMIT again).'
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
        create.add_argument("--rate", default="", help=RATE_HELP)
        set_rate = sub.add_parser("set-rate", help="change an existing key's rate limit")
        set_rate.add_argument("key_id", type=int, help="the key's id (admin, API keys)")
        set_rate.add_argument("rate", help=RATE_HELP + '; "default" to drop the key\'s own')

    def handle(self, *args, action: str, **options):
        try:
            if action == "create":
                self.stdout.write(self._create(**options))
            else:
                rate = "" if options["rate"].strip().lower() == "default" else options["rate"]
                api_key = set_key_rate_limit(api_key_id=options["key_id"], rate_limit=rate)
                self.stdout.write(f"{api_key}: rate limit {api_key.rate_limit or 'default'}")
        except DomainError as error:
            raise CommandError(error.detail) from None

    def _create(
        self, *, channel: list[int], name: str, shared: bool, rate: str, erp: bool = False, **options
    ) -> str:
        channels = list(Channel.objects.filter(pk__in=channel))
        missing = sorted(set(channel) - {c.pk for c in channels})
        if missing:
            raise CommandError(f"Unknown channel(s): {', '.join(map(str, missing))}")
        if not channels and not shared and not erp:
            raise CommandError("Grant at least one --channel (or --shared, or --erp).")
        return create_api_key(name=name, channels=channels, shared=shared, erp=erp, rate_limit=rate)[1]
