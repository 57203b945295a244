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


@contextlib.contextmanager
def cluster(durable: bool = False) -> Iterator[str]:
    """Start a temporary PostgreSQL cluster and yield its DATABASE_URL; always stop and remove it."""
    bindir = find_bindir()
    tmp = Path(tempfile.mkdtemp(prefix="pgcluster-"))
    data, logfile = tmp / "data", tmp / "server.log"
    started = False
    try:
        if os.geteuid() == 0:
            shutil.chown(tmp, "postgres", "postgres")
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        init = pg_run([*initdb, "--locale=C", "--no-sync", "--no-instructions"], tmp, capture_output=True)
        if init.returncode != 0:
            raise ClusterError(f"initdb failed:\n{init.stdout}{init.stderr}")
        port = free_port()
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": f"'{tmp}'",
            "max_connections": "200",
            "shared_buffers": "128MB",
            **({} if durable else FAST_SETTINGS),
        }
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("\n# pgcluster\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        deadline = time.monotonic() + START_TIMEOUT
        # New session: a terminal Ctrl-C must not hit the server; we stop it ourselves below.
        ctl = [str(bindir / "pg_ctl"), "-D", str(data)]
        start_args = ["start", "-l", str(logfile), "-w", "-t", str(START_TIMEOUT)]
        start = pg_run([*ctl, *start_args], tmp, capture_output=True, start_new_session=True)
        started = True
        if start.returncode != 0 or not wait_ready(port, deadline):
            raise ClusterError(
                f"server did not start:\n{start.stdout}{start.stderr}\n--- {logfile} ---\n{tail(logfile)}"
            )
        log(f"PostgreSQL 15 on 127.0.0.1:{port} (dir {tmp})")
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            stop = [*ctl, "stop", "-w", "-t", "30"]
            if pg_run([*stop, "-m", "fast"], tmp, capture_output=True).returncode != 0:
                pg_run([*stop, "-m", "immediate"], tmp, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
        log(f"removed {tmp}")


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
