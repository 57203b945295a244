"""Deployment test: oms deployed from deploy/ as operators run it, faults survived.

    python scripts/deploytest.py [--clients 16] [--replicas 3]

Brings up, all on loopback ports, from the files in deploy/ (ports and paths rewritten, nothing
else): nginx (TLS with a self-signed certificate) -> N oms replicas, each started by the
ExecStartPre and ExecStart lines of deploy/systemd/oms@.service with deploy/oms.env -> PgBouncer
in transaction mode -> a durable PostgreSQL 15 primary, plus a streaming standby made with
pg_basebackup that the replicas read lag-tolerant pages from.

Clients create 3-item orders through nginx and retry every failure with the same body, as
channel-app does. Meanwhile one replica is killed with SIGKILL and started again, then the
primary is restarted (fast shutdown, start). Afterwards, read from the primary:

* every order acknowledged with 201/200 exists exactly once with its 3 items, and nothing else;
* the units reserved since the start are exactly those of the acknowledged orders;
* clients saw errors only while a component was down (and GRACE_SECONDS after it was back);
* the standby caught up with the primary.

Then lag-tolerant reads: with the standby's replay paused, an order created through the API is
found by the channel API (the primary) but not on the admin's order list (the standby); with the
standby stopped, the admin's list finds it (the primary).

Exit status 0 when every check holds; the report gives the seconds of disturbance per fault.
`tests/test_deploy.py` runs it under pytest (`make test-deploy`).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from liveserver import CONNECTION_ERRORS, free_port, order_body
from pgcluster import Cluster

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
OMS = Path(sys.executable).parent / "oms"
HOST = "oms.example.com"  # ALLOWED_HOSTS in deploy/oms.env
PATH = "/api/v1/channel/1/create_orders/"
ITEMS = 3
PASSWORD = "deploy-test"
START_TIMEOUT = 90
# Errors are expected while a component is down, and this long after it is back (a pool's
# connections to a restarted database are replaced as they are next used).
GRACE_SECONDS = 5.0


def rewrite(text: str, replacements: list[tuple[str, str]]) -> str:
    """`text` with each pattern replaced; a pattern that no longer matches is an error, so the
    test keeps serving the shipped file and not a copy that drifted from it."""
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        if count == 0:
            raise RuntimeError(f"{pattern!r} not found: deploy/ changed, update the test's rewrites")
    return text


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value
    return env


@dataclass
class Unit:
    """The [Service] lines of a systemd unit that decide what runs: its environment and commands."""

    environment_files: list[str] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)
    exec_start_pre: list[list[str]] = field(default_factory=list)
    exec_start: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path, instance: str = "") -> Unit:
        unit, section = cls(), ""
        for line in path.read_text().splitlines():
            line = line.strip()
            if line.startswith("["):
                section = line
            if section != "[Service]" or "=" not in line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            value = value.replace("%i", instance)
            if key == "EnvironmentFile":
                unit.environment_files.append(value)
            elif key == "Environment":
                unit.environment.update(item.split("=", 1) for item in value.split())
            elif key == "ExecStartPre":
                unit.exec_start_pre.append(value.split())
            elif key == "ExecStart":
                unit.exec_start = value.split()
        return unit


def local_command(command: list[str]) -> list[str]:
    """A unit's command with /opt/oms's virtualenv replaced by the one running this test."""
    if command[0] != "/opt/oms/.venv/bin/oms":
        raise RuntimeError(f"unexpected command in a unit: {command}")
    return [str(OMS), *command[1:]]


class Replica:
    """One oms@<port>.service, run as a plain process group."""

    def __init__(self, port: int, env: dict[str, str], work: Path):
        self.port, self.work = port, work
        self.unit = Unit.read(DEPLOY / "systemd" / "oms@.service", str(port))
        assert self.unit.environment_files == ["/etc/oms/oms.env"], self.unit.environment_files
        self.env = {**env, **self.unit.environment, "OMS_VAR_DIR": str(work)}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        for command in self.unit.exec_start_pre:
            done = subprocess.run(
                local_command(command), env=self.env, cwd=ROOT, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"ExecStartPre {command} failed:\n{done.stdout}{done.stderr}")
        with (self.work / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                local_command(self.unit.exec_start),
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: self.ready(), f"replica {self.port} ready", self.process)

    def ready(self) -> bool:
        with contextlib.suppress(*CONNECTION_ERRORS):
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/readyz", headers={"Host": HOST})
            return connection.getresponse().status == 200
        return False

    def kill(self) -> None:
        """kill -9 the master and every worker: no request finishes."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """What systemd's KillSignal does: SIGTERM, in-flight requests finish."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(
    condition, what: str, process: subprocess.Popen | None = None, timeout: float = START_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


def listening(port: int) -> bool:
    import socket

    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def nginx_config(directory: Path, https_port: int, http_port: int, upstream_ports: list[int]) -> Path:
    """deploy/nginx/oms.conf on these ports, in the main configuration Debian's nginx.conf would
    give it (its temp paths in `directory`), with a self-signed certificate; the main file."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
         "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    upstreams = "".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in upstream_ports
    )
    site = rewrite(
        (DEPLOY / "nginx" / "oms.conf").read_text(),
        [
            (r"(?:^    server 127\.0\.0\.1:800\d .*\n)+", upstreams),
            (r"^    listen \[::\]:.*\n", ""),
            (r"^    listen 80;", f"    listen 127.0.0.1:{http_port};"),
            (r"^    listen 443 ssl", f"    listen 127.0.0.1:{https_port} ssl"),
            (r"^    ssl_certificate .*$", f"    ssl_certificate {directory}/cert.pem;"),
            (r"^    ssl_certificate_key .*$", f"    ssl_certificate_key {directory}/key.pem;"),
        ],
    )
    (directory / "oms.conf").write_text(site)
    temp = "".join(
        f"    {name}_temp_path {directory}/{name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root root;\n" if os.geteuid() == 0 else ""
    main = directory / "nginx.conf"
    main.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log warn;\n"
        f"events {{ worker_connections 1024; }}\nhttp {{\n    access_log off;\n{temp}"
        f"    include {directory}/oms.conf;\n}}\n"
    )
    return main


class Stack:
    """nginx -> replicas -> PgBouncer -> primary (+ standby), from deploy/."""

    def __init__(self, work: Path, replicas: int = 3, workers: int = 2):
        self.work = work
        self.replica_count, self.workers = replicas, workers
        self.processes: list[subprocess.Popen] = []
        self.replicas: list[Replica] = []
        self.primary: Cluster | None = None
        self.standby: Cluster | None = None
        self.token = self.admin_password = ""
        self.bouncer_dir: Path | None = None

    # --- bring-up -----------------------------------------------------------------------
    def start(self) -> None:
        self.primary = Cluster(durable=True).init()
        self.primary.start()
        self.psql(
            self.primary, f"CREATE ROLE oms LOGIN PASSWORD '{PASSWORD}'", "CREATE DATABASE oms OWNER oms"
        )
        self.standby = Cluster.standby_of(self.primary)
        self.standby.start()
        self.bouncer_port = self.start_pgbouncer()
        self.env = self.oms_env()
        self.migrate()
        self.replica_ports = [free_port() for _ in range(self.replica_count)]
        for port in self.replica_ports:
            replica = Replica(port, self.env, self.mkdir(f"replica-{port}"))
            self.replicas.append(replica)
            replica.start()
        self.https_port = self.start_nginx()

    def mkdir(self, name: str) -> Path:
        path = self.work / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def psql(self, cluster: Cluster, *statements: str, database: str = "postgres") -> None:
        with psycopg.connect(f"{cluster.url.rsplit('/', 1)[0]}/{database}", autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    def start_pgbouncer(self) -> int:
        # Its own directory, as pgcluster's: PgBouncer runs as postgres, who may not enter `work`
        directory = self.bouncer_dir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
        port = free_port()
        ini = rewrite(
            (DEPLOY / "pgbouncer" / "pgbouncer.ini").read_text(),
            [
                (r"^oms = host=127\.0\.0\.1 port=5432 ", f"oms = host=127.0.0.1 port={self.primary.port} "),
                (r"^listen_port = 6432$", f"listen_port = {port}"),
                (r"^auth_file = .*$", f"auth_file = {directory}/userlist.txt"),
                (r"^logfile = .*$", f"logfile = {directory}/pgbouncer.log"),
                (r"^pidfile = .*$", f"pidfile = {directory}/pgbouncer.pid"),
            ],
        )
        (directory / "pgbouncer.ini").write_text(ini)
        (directory / "userlist.txt").write_text(f'"oms" "{PASSWORD}"\n')
        # PgBouncer refuses to run as root
        as_postgres = (
            {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}
        )
        self.daemon(["pgbouncer", str(directory / "pgbouncer.ini")], port, cwd=directory, **as_postgres)
        return port

    def oms_env(self) -> dict[str, str]:
        """deploy/oms.env with this machine's values, as /etc/oms/oms.env would hold them."""
        env = read_env_file(DEPLOY / "oms.env")
        env.pop("REDIS_URL")  # the login throttle's shared counts: not what this test is about
        env.update(
            SECRET_KEY=secrets.token_urlsafe(50),
            DATABASE_URL=f"postgres://oms:{PASSWORD}@127.0.0.1:{self.bouncer_port}/oms",
            DATABASE_REPLICA_URL=f"postgres://oms:{PASSWORD}@127.0.0.1:{self.standby.port}/oms",
            WEB_CONCURRENCY=str(self.workers),
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            # The 16 clients share one key at ~200 orders/s, and without Redis each server process
            # keeps its own bucket of the key's 50/s, filled unevenly (the kernel hands connections
            # to granian's workers as it likes): the limit is not what this test is about, and its
            # 429s outside any fault failed it (tests/test_ratelimit*.py test the limit).
            OMS_RATE_LIMIT="100000/s",
            OMS_RATE_LIMIT_BURST="100000",
        )
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}

    def migrate(self) -> None:
        """The operator's explicit steps: migrate, then the demo data (a channel, a key)."""
        env = {**self.env, "OMS_VAR_DIR": str(self.mkdir("admin"))}
        for args in (["migrate", "--noinput", "-v", "0"], ["demo", "--host", HOST]):
            done = subprocess.run(
                [str(OMS), *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"oms {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        self.token = re.search(r"Demo API token: (\S+)", done.stdout).group(1)
        self.admin_password = re.search(r"password (\S+)", done.stdout).group(1)

    def start_nginx(self) -> int:
        directory = self.mkdir("nginx")
        https_port = free_port()
        main = nginx_config(directory, https_port, free_port(), self.replica_ports)
        self.daemon(["nginx", "-p", str(directory), "-c", str(main)], https_port)
        return https_port

    def daemon(self, command: list[str], port: int, **popen) -> None:
        """Start a server in its own session (stopped by stop()) and wait for its port."""
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, **popen
        )
        self.processes.append(process)
        wait_for(lambda: listening(port), command[0], process)

    # --- clients ------------------------------------------------------------------------
    def connection(self) -> http.client.HTTPSConnection:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection("127.0.0.1", self.https_port, timeout=60, context=context)

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = self.connection()
        try:
            connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.read(), response
        finally:
            connection.close()

    def api(self, method: str, path: str, body=None):
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        return self.call(method, path, json.dumps(body).encode() if body is not None else None, headers)

    # --- teardown -----------------------------------------------------------------------
    def stop(self) -> None:
        for replica in self.replicas:
            with contextlib.suppress(Exception):
                replica.stop()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self.bouncer_dir is not None:
            shutil.rmtree(self.bouncer_dir, ignore_errors=True)
        for cluster in (self.standby, self.primary):
            if cluster is not None:
                cluster.remove()


@dataclass
class Failure:
    at: float  # when the client saw it
    status: int
    detail: str
    recovered_at: float = 0.0


@dataclass
class Report:
    acknowledged: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    faults: list[tuple[str, float, float]] = field(default_factory=list)  # name, down at, back at
    problems: list[str] = field(default_factory=list)
    started: float = 0.0
    seconds: float = 0.0

    def disturbance(self, start: float, end: float) -> tuple[float, int]:
        """Seconds within [start, end] during which some client was failing, and its failures."""
        spans = sorted((f.at, f.recovered_at) for f in self.failures if start <= f.at <= end)
        total, reach = 0.0, start
        for begin, finish in spans:
            begin = max(begin, reach)
            if finish > begin:
                total += finish - begin
                reach = finish
        return total, len(spans)

    def summary(self) -> str:
        lines = [
            f"{len(self.acknowledged)} orders acknowledged in {self.seconds:.1f} s, {len(self.failures)} failed attempts"
        ]
        for name, down, back in self.faults:
            seconds, count = self.disturbance(down, back + GRACE_SECONDS)
            lines.append(
                f"  {name}: down {back - down:.1f} s, clients disturbed {seconds:.1f} s, {count} failed attempts, "
                f"answers {sorted({f.status for f in self.failures if down <= f.at <= back + GRACE_SECONDS})}"
            )
        lines += [f"  problem: {problem}" for problem in self.problems]
        return "\n".join(lines)


class Load:
    """Clients posting unique orders through nginx, each retried with its same body until acknowledged."""

    def __init__(self, stack: Stack, clients: int):
        self.stack = stack
        self.report = Report(started=time.monotonic())
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.sent: set[str] = set()
        self.threads = [threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(clients)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.report.acknowledged)

    def client(self, client: int) -> None:
        headers = {
            "Host": HOST,
            "Authorization": f"Token {self.stack.token}",
            "Content-Type": "application/json",
        }
        connection, sequence = None, 0
        while not self.stopping.is_set():
            sequence += 1
            number = f"DEPLOY-{client}-{sequence}"
            body = json.dumps(order_body(number, ITEMS)).encode()
            with self.lock:
                self.sent.add(number)
            failed: list[Failure] = []
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    connection = connection or self.stack.connection()
                    connection.request("POST", PATH, body=body, headers=headers)
                    response = connection.getresponse()
                    status, content = response.status, response.read()
                    if response.will_close:
                        connection.close()
                        connection = None
                except CONNECTION_ERRORS as error:
                    if connection is not None:
                        connection.close()
                    connection, status, content = None, 0, repr(error).encode()
                if status in (200, 201):
                    now = time.monotonic()
                    with self.lock:
                        self.report.acknowledged[number] = json.loads(content)["id"]
                        for failure in failed:
                            failure.recovered_at = now
                            self.report.failures.append(failure)
                    break
                failed.append(Failure(time.monotonic(), status, content[:200].decode(errors="replace")))
                time.sleep(0.1)
            else:
                with self.lock:
                    self.report.problems.append(f"{number}: not acknowledged within 120 s of retries")
                return


def reserved_units(stack: Stack) -> Counter:
    """Units reserved per product on stock list 1, where every load order's items reserve."""
    with psycopg.connect(f"postgres://postgres@127.0.0.1:{stack.primary.port}/oms") as connection:
        rows = connection.execute(
            "SELECT product_id, sold_quantity_unreported FROM catalog_productstock WHERE stock_list_id = 1"
        ).fetchall()
    return Counter(dict(rows))


def reservation_problems(stack: Stack, load: Load, before: Counter) -> list[str]:
    """The units reserved since the start are exactly the acknowledged orders' units: none lost
    with a killed replica or a restarted database, none without its order."""
    now = reserved_units(stack)
    reserved = {product: now[product] - before[product] for product in now if now[product] != before[product]}
    wanted = Counter(
        item["product"]
        for number in load.report.acknowledged
        for item in order_body(number, ITEMS)["order_item"]
    )
    if reserved != dict(wanted):
        return [f"reserved since the start {reserved}, acknowledged orders' units {dict(wanted)}"]
    return []


def check_database(stack: Stack, load: Load) -> list[str]:
    query = (
        "SELECT o.number, o.id, (SELECT count(*) FROM orders_orderitem i WHERE i.order_id = o.id) "
        "FROM orders_order o WHERE o.channel_id = 1 AND o.number LIKE 'DEPLOY-%%'"
    )
    with psycopg.connect(f"postgres://postgres@127.0.0.1:{stack.primary.port}/oms") as connection:
        rows = connection.execute(query).fetchall()
    problems = []
    stored: dict[str, list[tuple[int, int]]] = {}
    for number, order_id, items in rows:
        stored.setdefault(number, []).append((order_id, items))
    for number, order_id in sorted(load.report.acknowledged.items()):
        if stored.get(number) != [(order_id, ITEMS)]:
            problems.append(f"{number}: acknowledged as id {order_id}, stored as {stored.get(number)}")
    for number in sorted(set(stored) - set(load.report.acknowledged)):
        problems.append(f"{number}: stored as {stored[number]} but never acknowledged")
    # The standby replays what the primary wrote
    deadline = time.monotonic() + 30
    while True:
        with psycopg.connect(f"postgres://postgres@127.0.0.1:{stack.standby.port}/oms") as connection:
            on_standby = len(connection.execute(query).fetchall())
        if on_standby == len(rows) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if on_standby != len(rows):
        problems.append(f"the standby has {on_standby} of the primary's {len(rows)} orders")
    return problems


def check_failures(report: Report) -> list[str]:
    """Every failed attempt fell while a component was down (or within GRACE_SECONDS of its return),
    and was answered as an outage is (503 to retry, or no answer), never a 500."""
    windows = [(down, back + GRACE_SECONDS) for _, down, back in report.faults]
    return [
        f"an attempt failed with {f.status} at {f.at - report.started:.1f} s, outside any fault: {f.detail}"
        for f in report.failures
        if not any(start <= f.at <= end for start, end in windows)
    ] + [
        f"an attempt failed with a 500 at {f.at - report.started:.1f} s: {f.detail}"
        for f in report.failures
        if f.status == 500
    ]


class Admin:
    """The admin's pages over HTTPS through nginx, logged in as the demo superuser."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None):
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Referer": f"https://{HOST}/admin/",
        }
        body = None
        if form is not None:
            from urllib.parse import urlencode

            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, content, response = self.stack.call(method, path, body, headers)
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie, _, _ = value.partition(";")
                key, _, val = cookie.partition("=")
                self.cookies[key] = val
        return status, content.decode(errors="replace")

    def login(self) -> None:
        status, page = self.request("GET", "/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = self.request(
            "POST",
            "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": "admin", "password": self.stack.admin_password},
        )
        if status != 302:
            raise RuntimeError(f"admin login answered {status}")

    def lists_order(self, number: str, order_id: int) -> bool:
        status, page = self.request("GET", f"/admin/orders/order/?q={number}")
        if status != 200:
            raise RuntimeError(f"the admin's order list answered {status}")
        return f"/admin/orders/order/{order_id}/change/" in page


def check_replica_reads(stack: Stack) -> list[str]:
    """Lag-tolerant reads from the standby, the channel API's from the primary, and the admin's
    from the primary when the standby is down."""
    problems = []
    admin = Admin(stack)
    admin.login()
    stack.psql(stack.standby, "SELECT pg_wal_replay_pause()")
    status, content, _ = stack.api("POST", PATH, order_body("REPLICA-1", ITEMS))
    if status != 201:
        return [f"creating REPLICA-1 answered {status}: {content[:200]!r}"]
    order_id = json.loads(content)["id"]
    status, content, _ = stack.api("GET", "/api/v1/channel/1/orders/?number=REPLICA-1")
    if status != 200 or json.loads(content)["count"] != 1:
        problems.append(f"the channel API did not read its own write: {status} {content[:200]!r}")
    if admin.lists_order("REPLICA-1", order_id):
        problems.append("the admin's order list showed an order the paused standby has not replayed")
    stack.psql(stack.standby, "SELECT pg_wal_replay_resume()")
    stack.standby.stop("fast")
    try:
        if not admin.lists_order("REPLICA-1", order_id):
            problems.append("with the standby down, the admin's order list did not read the primary")
    finally:
        stack.standby.start()
    return problems


def run(work: Path, *, clients: int = 16, replicas: int = 3, phase_orders: int = 150) -> Report:
    stack = Stack(work, replicas=replicas)
    try:
        stack.start()
        before = reserved_units(stack)
        load = Load(stack, clients)
        report = load.report
        load.start()

        def settle(orders: int) -> None:
            """Orders acknowledged with every component up, and the last fault's grace over."""
            target, quiet = load.acknowledged() + orders, time.monotonic() + GRACE_SECONDS
            wait_for(
                lambda: (load.acknowledged() >= target and time.monotonic() > quiet) or report.problems,
                f"{orders} more orders",
                timeout=180,
            )

        settle(phase_orders)
        victim = stack.replicas[len(stack.replicas) // 2]
        down = time.monotonic()
        victim.kill()
        victim.start()  # what Restart=always does
        report.faults.append(("replica killed (SIGKILL) and restarted", down, time.monotonic()))
        settle(phase_orders)
        down = time.monotonic()
        stack.primary.stop("fast")
        stack.primary.start()
        report.faults.append(("PostgreSQL primary restarted (fast)", down, time.monotonic()))
        wait_for(lambda: all(replica.ready() for replica in stack.replicas), "replicas ready again")
        settle(phase_orders)
        load.join()
        report.seconds = time.monotonic() - report.started
        report.problems += check_failures(report)
        report.problems += check_database(stack, load)
        report.problems += reservation_problems(stack, load, before)
        report.problems += check_replica_reads(stack)
        return report
    finally:
        stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--phase-orders", type=int, default=150, help="orders acknowledged between faults")
    parser.add_argument("--keep", type=Path, help="a directory to work in and keep (logs, configs)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="deploytest-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        report = run(work, clients=args.clients, replicas=args.replicas, phase_orders=args.phase_orders)
    print(report.summary())
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
