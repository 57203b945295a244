from django.core.management.base import BaseCommand

from oms.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo API token and admin login."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1:8000", help="host:port used in the printed curl example"
        )

    def handle(self, *args, host: str, **options):
        creds = load_demo()
        self.stdout.write(f"Demo API token: {creds.token}")
        if creds.admin_password:
            self.stdout.write(
                f"Admin login: http://{host}/admin/ user {creds.admin_username} password {creds.admin_password}"
            )
        else:
            self.stdout.write(
                f"Admin login: http://{host}/admin/ user {creds.admin_username} (password changed since the demo set it)"
            )
        self.stdout.write("Try it (the example body of Omnitron's page, with a fresh order number):")
        self.stdout.write(
            f"  curl -s -X POST http://{host}/api/v1/channel/1/create_orders/ \\\n"
            f"    -H 'Authorization: Token {creds.token}' -H 'Content-Type: application/json' \\\n"
            '    -d \'{"order": {"number": "\'$(date +%s%N)\'", "status": "approved", '
            '"date_placed": "2025-01-01T00:00:00Z", "customer": 1, "shipping_address": 1, '
            '"billing_address": 1, "currency": "try", "amount": 100}, '
            '"order_item": [{"product": 1, "price": 100}]}\''
        )
