"""The production configuration in deploy/ as operators install it."""

import secrets
import subprocess
import sys
from pathlib import Path

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
