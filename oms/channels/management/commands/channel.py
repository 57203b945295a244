from django.core.management.base import BaseCommand, CommandError

from oms.channels.models import Channel
from oms.channels.services import channel_settings, set_channel_settings
from oms.core.errors import ValidationFailed


class Command(BaseCommand):
    help = (
        "A channel's settings. `oms channel show <id>` prints them; `oms channel set <id> key=value ...` "
        "changes them (e.g. stock_policy=reject, stock_list=3, strict_fields=true)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="print every setting of a channel")
        show.add_argument("channel_id", type=int)
        change = sub.add_parser("set", help="change settings: key=value ...")
        change.add_argument("channel_id", type=int)
        # Not "settings": Django's own --settings option has that name.
        change.add_argument("pairs", nargs="+", metavar="key=value")

    def handle(self, *args, action: str, channel_id: int, pairs: list[str] | None = None, **options):
        channel = Channel.objects.filter(pk=channel_id).first()
        if channel is None:
            raise CommandError(f"Unknown channel {channel_id}")
        if action == "set":
            malformed = [pair for pair in pairs if "=" not in pair]
            if malformed:
                raise CommandError(f"Expected key=value, got: {', '.join(malformed)}")
            try:
                set_channel_settings(channel=channel, values=dict(pair.split("=", 1) for pair in pairs))
            except ValidationFailed as failed:
                raise CommandError("; ".join(f"{p.path}: {p.message}" for p in failed.problems)) from None
        for name, field in channel_settings().items():
            self.stdout.write(f"{name}={getattr(channel, field.attname)}")
