from django.core.management.base import BaseCommand, CommandError

from oms.channels.models import Channel
from oms.core.errors import DomainError
from oms.events.webhooks import create_webhook


class Command(BaseCommand):
    help = "oms webhook add --channel N URL [--events order.created,order.updated]: subscribe a URL."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser(
            "add", help="Subscribe URL to the channel's events; prints the pk and the secret."
        )
        add.add_argument("url")
        add.add_argument("--channel", type=int, required=True)
        add.add_argument("--events", default="", help="Comma-separated event types (all when left out).")

    def handle(self, *args, action, url, channel, events, **options):
        found = Channel.objects.filter(pk=channel).first()
        if found is None:
            raise CommandError(f"Channel {channel} does not exist.")
        payload = {"url": url} | (
            {"events": [e.strip() for e in events.split(",") if e.strip()]} if events else {}
        )
        try:
            webhook, secret = create_webhook(channel=found, payload=payload)
        except DomainError as error:
            raise CommandError(
                "; ".join(f"{p.path}: {p.message}" for p in error.problems) or error.detail
            ) from None
        self.stdout.write(f"Webhook {webhook.pk} for channel {channel}: {webhook.url}")
        self.stdout.write(f"Signing secret (shown once): {secret}")
