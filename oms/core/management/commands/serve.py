import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from oms.core.envvars import env_int

GUNICORN_CONF = Path(__file__).resolve().parents[2].parent / "gunicorn_conf.py"


class Command(BaseCommand):
    help = (
        "Serve the API and admin with granian (oms/serving.py: HOST, PORT, WEB_CONCURRENCY, WEB_THREADS), "
        "or gunicorn with OMS_SERVER=gunicorn (oms/gunicorn_conf.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None)
        parser.add_argument("--port", default=None)

    def handle(self, *args, host, port, **options):
        if host:
            os.environ["HOST"] = host
        if port:
            os.environ["PORT"] = str(port)
        server = os.environ.get("OMS_SERVER", "granian")
        if server == "granian":
            command = ["-m", "oms.serving"]
        elif server == "gunicorn":
            command = ["-m", "gunicorn", "--config", str(GUNICORN_CONF), "oms.wsgi:application"]
        else:
            raise SystemExit(f'OMS_SERVER is "{server}": granian or gunicorn.')
        # A bad PORT stops here, before the line that would print it as the address.
        self.stdout.write(
            f"Serving on http://{os.environ.get('HOST', '127.0.0.1')}:{env_int('PORT', 8000)} ({server})"
        )
        self.stdout.flush()
        # exec: the process a supervisor started is the server's main process (signals, MAINPID).
        os.execv(sys.executable, [sys.executable, *command])
