"""The service under test: database prepared with `oms migrate` + `oms demo`, served as shipped
(`shipped`: `oms serve`, granian) or by gunicorn with oms/gunicorn_conf.py (`gunicorn`: what `make
bench` and the A/B of two commits measure, one server for every commit)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyload

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "oms" / "gunicorn_conf.py"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class Server:
    pid: int
    url: str


def oms(env: dict[str, str], *args: str, root: Path = ROOT) -> str:
    """`oms ARGS` run from the source tree `root` (another commit's, for an A/B)."""
    out = subprocess.run(
        [sys.executable, "-m", "oms.cli", *args],
        env={**env, "PYTHONPATH": str(root)},
        cwd=root,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"oms {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def shell(env: dict[str, str], code: str, *, root: Path = ROOT) -> str:
    """Python `code` run by `oms shell` (Django set up) from the source tree `root`."""
    return oms(env, "shell", "-v", "0", "-c", code, root=root)


def prepare(env: dict[str, str], root: Path = ROOT) -> str:
    """Create the schema and the demo data; returns the demo API token."""
    oms(env, "migrate", "--noinput", "-v", "0", root=root)
    first_line = oms(env, "demo", root=root).splitlines()[0]
    prefix = "Demo API token: "
    if not first_line.startswith(prefix):
        raise RuntimeError(f"unexpected `oms demo` output: {first_line!r}")
    return first_line.removeprefix(prefix).strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def shipped(env: dict[str, str], log_path: Path, root: Path = ROOT) -> Iterator[Server]:
    """`oms serve` of the source tree `root` on a free port: granian as shipped (oms/serving.py),
    gunicorn when env says OMS_SERVER=gunicorn; stopped (TERM, then KILL) on exit."""
    with _serving([sys.executable, "-m", "oms.cli", "serve"], env, log_path, root) as server:
        yield server


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log_path: Path, root: Path = ROOT) -> Iterator[Server]:
    """gunicorn on a free port with oms/gunicorn_conf.py of the source tree `root` (this one, or
    another commit's for an A/B, whatever that commit's `oms serve` ran); stopped (TERM, then
    KILL) on exit.

    The control socket is disabled: its default path is per user, and another gunicorn on this
    machine (a colleague's test run) would share it.
    """
    conf = root / GUNICORN_CONF.relative_to(ROOT)
    command = [sys.executable, "-m", "gunicorn", "--config", str(conf), "--no-control-socket"]
    with _serving(command, env, log_path, root) as server:
        yield server


@contextlib.contextmanager
def _serving(command: list[str], env: dict[str, str], log_path: Path, root: Path) -> Iterator[Server]:
    port = free_port()
    # The load is as fast as the server answers: the rate limit is on (its cost is measured) but
    # never reached, unless the caller's environment sets one.
    env = {"OMS_RATE_LIMIT": "1000000/s burst 1000000", **env}
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "PYTHONPATH": str(root)}
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        server = Server(pid=proc.pid, url=f"http://127.0.0.1:{port}")
        _wait_listening(proc, port, log_path)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait_listening(proc: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}):\n{_tail(log_path)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the server did not listen on {port} within {START_TIMEOUT_S}s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return "(no log)"


def post_order(server: Server, token: str, number: str, items: int) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{server.url}/api/v1/channel/1/create_orders/",
        data=pyload.order_body(number, items),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=START_TIMEOUT_S) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def create_template(server: Server, token: str, items: int, run_id: str) -> int:
    """One order created through the API: the smoke test, and the row the baselines copy."""
    status, body = post_order(server, token, f"TEMPLATE-{run_id}-{items}", items)
    if status != 201:
        raise RuntimeError(f"smoke test: create_orders answered {status}, not 201: {body}")
    return int(body["id"])
