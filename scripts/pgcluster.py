"""Throwaway PostgreSQL 15 cluster for tests and benchmarks.

Creates a temporary cluster (initdb, trust auth, UTF8, locale C, superuser ``postgres``)
listening on 127.0.0.1 on a free port, runs a command against it and always tears it down.

CLI::

    python scripts/pgcluster.py run [--durable] -- CMD ARGS...

CMD runs with DATABASE_URL, PGHOST, PGPORT, PGUSER and PGDATABASE set; the exit code is CMD's.
By default the server is tuned for speed (fsync, synchronous_commit and full_page_writes off);
``--durable`` keeps PostgreSQL's defaults for those (benchmarks, durability tests).

Python API::

    from pgcluster import cluster
    with cluster(durable=False) as database_url:
        ...

    server = Cluster(durable=True).init(); server.start()     # or, to stop and start it:
    standby = Cluster.standby_of(server); standby.start()      # a streaming standby of it
    server.stop("fast"); server.start(); ...; standby.remove(); server.remove()

Standard library only. As root, the server binaries run as the ``postgres`` user.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

DEBIAN_BINDIR = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT = 30
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class ClusterError(RuntimeError):
    pass


def log(msg: str) -> None:
    print(f"pgcluster: {msg}", file=sys.stderr, flush=True)


def find_bindir() -> Path:
    """Directory holding initdb/pg_ctl/postgres: Debian's v15 dir, then pg_config, then PATH."""
    if (DEBIAN_BINDIR / "postgres").is_file():
        return DEBIAN_BINDIR
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        bindir = Path(out.stdout.strip())
        if out.returncode == 0 and (bindir / "postgres").is_file():
            return bindir
    postgres = shutil.which("postgres")
    if postgres:
        return Path(postgres).resolve().parent
    raise ClusterError(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/15/bin, "
        "`pg_config --bindir` and PATH); install postgresql-15"
    )


def available() -> bool:
    """Whether the server binaries are installed (tests skip, saying so, when not)."""
    try:
        find_bindir()
    except ClusterError:
        return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_run(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run a server binary, as the postgres user when we are root (the server refuses root)."""
    if os.geteuid() == 0:
        kwargs.update(user="postgres", group="postgres", extra_groups=[])
    return subprocess.run(args, cwd=cwd, text=True, check=False, **kwargs)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no server log: {exc})"


def wait_ready(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
        time.sleep(0.1)
    return False


class Cluster:
    """One server: `start()`, `stop(mode)`, `start()` again, `remove()`. A primary is made by
    initdb; `standby_of(primary)` makes a streaming standby of it with pg_basebackup."""

    def __init__(self, durable: bool = False):
        self.bindir = find_bindir()
        self.tmp = Path(tempfile.mkdtemp(prefix="pgcluster-"))
        self.data, self.logfile = self.tmp / "data", self.tmp / "server.log"
        self.port = free_port()
        self.durable = durable
        self.running = False
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> Cluster:
        initdb = [
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
        ]
        init = pg_run(
            [*initdb, "--locale=C", "--no-sync", "--no-instructions"], self.tmp, capture_output=True
        )
        if init.returncode != 0:
            raise ClusterError(f"initdb failed:\n{init.stdout}{init.stderr}")
        self._configure()
        return self

    @classmethod
    def standby_of(cls, primary: Cluster) -> Cluster:
        """A hot standby streaming from `primary` (running), its copy taken by pg_basebackup."""
        standby = cls(durable=primary.durable)
        backup = [str(standby.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port)]
        done = pg_run(
            [*backup, "-U", "postgres", "-D", str(standby.data), "-R", "-X", "stream", "--checkpoint=fast"],
            standby.tmp,
            capture_output=True,
        )
        if done.returncode != 0:
            raise ClusterError(f"pg_basebackup failed:\n{done.stdout}{done.stderr}")
        standby._configure()
        return standby

    def _configure(self) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.tmp}'",
            "max_connections": "200",
            "shared_buffers": "128MB",
            **({} if self.durable else FAST_SETTINGS),
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# pgcluster\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))

    def _ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        # New session: a terminal Ctrl-C must not hit the server; we stop it ourselves.
        ctl = [str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]
        return pg_run(ctl, self.tmp, capture_output=True, start_new_session=True)

    def start(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        start = self._ctl("start", "-l", str(self.logfile), "-w", "-t", str(START_TIMEOUT))
        self.running = True
        if start.returncode != 0 or not wait_ready(self.port, deadline):
            raise ClusterError(
                f"server did not start:\n{start.stdout}{start.stderr}\n--- {self.logfile} ---\n{tail(self.logfile)}"
            )
        log(f"PostgreSQL 15 on 127.0.0.1:{self.port} (dir {self.tmp})")

    def stop(self, mode: str = "fast") -> None:
        if self.running and self._ctl("stop", "-w", "-t", "30", "-m", mode).returncode != 0:
            self._ctl("stop", "-w", "-t", "30", "-m", "immediate")
        self.running = False

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        log(f"removed {self.tmp}")


@contextlib.contextmanager
def cluster(durable: bool = False) -> Iterator[str]:
    """Start a temporary PostgreSQL cluster and yield its DATABASE_URL; always stop and remove it."""
    server = Cluster(durable=durable)
    try:
        server.init().start()
        yield server.url
    finally:
        server.remove()


def run(cmd: list[str], durable: bool) -> int:
    with cluster(durable=durable) as url:
        port = url.rsplit(":", 1)[1].split("/", 1)[0]
        pg_env = {"PGHOST": "127.0.0.1", "PGPORT": port, "PGUSER": "postgres", "PGDATABASE": "postgres"}
        env = {**os.environ, "DATABASE_URL": url, **pg_env}
        try:
            proc = subprocess.Popen(cmd, env=env)
        except OSError as exc:
            log(f"cannot run {cmd[0]!r}: {exc}")
            return 127
        try:
            rc = proc.wait()
        except BaseException:  # Ctrl-C / SIGTERM: stop the command, then clean up the cluster
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            raise
    return 128 - rc if rc < 0 else rc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run CMD against a throwaway cluster")
    p_run.add_argument(
        "--durable", action="store_true", help="keep fsync/synchronous_commit/full_page_writes"
    )
    p_run.add_argument("cmd", nargs=argparse.REMAINDER, help="-- CMD ARGS...")
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("missing command: pgcluster.py run [--durable] -- CMD ARGS...")

    def on_term(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    try:
        return run(cmd, durable=args.durable)
    except ClusterError as exc:
        log(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
