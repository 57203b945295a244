"""The production configuration in deploy/ as operators install it."""

import json
import re
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from oms.core.bodies import _BULK_PATH

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def production_env(tmp_path: Path) -> dict[str, str]:
    """deploy/oms.env with the operator's values filled in."""
    env = {"PATH": "/usr/bin:/bin", "OMS_VAR_DIR": str(tmp_path)}
    for line in (DEPLOY / "oms.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    env.update(SECRET_KEY=secrets.token_urlsafe(50), DATABASE_URL=f"sqlite:///{tmp_path}/oms.sqlite3")
    return env


def test_check_deploy_passes_with_the_documented_production_settings(tmp_path):
    # Given deploy/oms.env, the environment the systemd units read
    env = production_env(tmp_path)
    # When Django's deployment checks run on it, warnings counted as failures
    done = subprocess.run(
        [sys.executable, "-m", "oms.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # Then nothing is reported
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


sys.path.insert(0, str(ROOT / "scripts"))
import deploytest  # noqa: E402
from liveserver import free_port, insecure_tls  # noqa: E402

UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path):
    # Given the units, pointed at this checkout's virtualenv and deploy/oms.env instead of
    # /opt/oms and /etc/oms (so that the commands they name exist here)
    for unit in UNITS:
        text = unit.read_text().replace("/opt/oms/.venv/bin/oms", str(deploytest.OMS))
        (tmp_path / unit.name).write_text(text.replace("/etc/oms/oms.env", str(DEPLOY / "oms.env")))
    names = [f"./{u.name.replace('@.', '@8001.')}" for u in UNITS]
    # When systemd checks them
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    # Then it finds nothing to say: every key known, every value parsed, every command there
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_every_command_a_unit_runs_is_an_oms_command_reading_the_production_env(unit):
    # Given a unit's commands and environment
    service = deploytest.Unit.read(unit, "8001")
    commands = [*service.exec_start_pre, service.exec_start]
    if (
        service.exec_start[1:] == ["worker"]
        and b"worker"
        not in subprocess.run(
            [str(deploytest.OMS), "help", "--commands"], capture_output=True, check=True
        ).stdout.split()
    ):
        pytest.skip("`oms worker` arrives with the events branch")
    # When each is asked for its help
    helps = [
        subprocess.run(
            [*deploytest.local_command(c)[:2], "--help"], capture_output=True, check=False
        ).returncode
        for c in commands
    ]
    # Then each exists, and the unit reads /etc/oms/oms.env, waits for readiness before starting,
    # and migrates nothing itself
    assert helps == [0] * len(commands)
    assert service.environment_files == ["/etc/oms/oms.env"]
    assert service.exec_start_pre == [["/opt/oms/.venv/bin/oms", "ready", "--wait", "60"]]
    assert not any("migrate" in part for command in commands for part in command)


@pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None, reason="nginx not installed"
)
def test_nginx_accepts_the_site_configuration(tmp_path):
    # Given deploy/nginx/oms.conf in a main configuration as Debian's
    main = deploytest.nginx_config(tmp_path, 8443, 8080, [8001, 8002, 8003])
    # When nginx checks it
    done = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True
    )
    # Then it is valid
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None, reason="nginx not installed"
)
@pytest.mark.parametrize(
    ("sent", "status", "code"),
    [
        (b"HELLO\r\n\r\n", 400, "invalid"),
        (b"POST /x HTTP/1.1\r\nHost: oms.example.com\r\nTransfer-Encoding: chunked\r\n\r\nXYZ\r\n", 400, "invalid"),
        (b"GET /?" + b"a" * 10000 + b" HTTP/1.1\r\nHost: oms.example.com\r\n\r\n", 414, "too_large"),
        (b"GET / HTTP/1.1\r\nHost: oms.example.com\r\nX-Big: " + b"a" * 10000 + b"\r\n\r\n", 431, "too_large"),
        (b"GET / HTTP/9.9\r\nHost: oms.example.com\r\n\r\n", 505, "invalid"),
    ],
    ids=["malformed request", "malformed chunked body", "URL too long", "headers too large", "HTTP/9.9"],
)  # fmt: skip
def test_nginx_answers_its_own_refusals_in_the_apps_error_shape(tmp_path, sent, status, code):
    # Given nginx with the site configuration (no replica behind it: it answers these itself)
    https = free_port()
    main = deploytest.nginx_config(tmp_path, https, free_port(), [free_port()])
    stack = deploytest.Stack(tmp_path)
    try:
        stack.daemon(["nginx", "-p", str(tmp_path), "-c", str(main)], https)
        # When a request it refuses comes
        with socket.create_connection(("127.0.0.1", https), timeout=10) as raw:
            client = insecure_tls().wrap_socket(raw)
            client.sendall(sent)
            answer = b""
            while data := client.recv(65536):
                answer += data
    finally:
        stack.stop()
    # Then the answer is its status with the API's error body
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split()[1] == str(status).encode(), answer[:300]
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["errors"][0]["code"] == code


def test_nginx_body_limits_are_the_apps(settings):
    # Given the site configuration and the app's limits (oms/core/bodies.py)
    site = (DEPLOY / "nginx" / "oms.conf").read_text()
    limits = [int(size) * 1024 * 1024 for size in re.findall(r"client_max_body_size (\d+)m;", site)]
    bulk_location = re.search(r"location ~ (\S+) \{\n\s+client_max_body_size", site).group(1)
    # Then nginx refuses no body the app takes, nor lets a larger one through to it
    assert limits == [settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.OMS_MAX_BULK_BODY_BYTES]
    assert bulk_location == "^" + _BULK_PATH.pattern + "$"


def test_oms_ready_refuses_an_unmigrated_database_and_migrates_nothing(tmp_path):
    # Given a database nothing was applied to, with the production environment
    env = production_env(tmp_path)

    def ready() -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "oms.cli", "ready", "--wait", "1"]
        return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)

    # When a unit's start condition is checked, before and after the operator's `oms migrate`
    before = ready()
    subprocess.run([sys.executable, "-m", "oms.cli", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    after = ready()
    # Then the start is refused until the migrations are applied, and `ready` applied none itself
    assert before.returncode == 1 and "not ready: migrations_pending" in before.stderr
    assert after.returncode == 0 and after.stdout.strip() == "ready"
