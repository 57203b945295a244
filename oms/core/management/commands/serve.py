import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

CONFIG = Path(__file__).resolve().parents[2].parent / "gunicorn_conf.py"


class Command(BaseCommand):
    help = "Serve the API and admin with gunicorn (HOST, PORT, WEB_CONCURRENCY, GUNICORN_THREADS override)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None)
        parser.add_argument("--port", default=None)

    def handle(self, *args, host, port, **options):
        if host:
            os.environ["HOST"] = host
        if port:
            os.environ["PORT"] = str(port)
        self.stdout.write(
            f"Serving on http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        )
        self.stdout.flush()
        os.execv(
            sys.executable,
            [sys.executable, "-m", "gunicorn", "--config", str(CONFIG), "oms.wsgi:application"],
        )
