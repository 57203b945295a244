"""`make fuzz`: schemathesis with all its phases (examples, coverage, fuzzing, stateful) against
the service as it is deployed: `oms serve` (granian) with the production configuration, on SQLite and on a
throwaway PostgreSQL 15, migrated and filled with the demo data.

`make test` runs schemathesis in-process with the coverage phase off (its ~1,400 boundary cases
for create_orders alone would double the suite's time); this is the whole thing, over HTTP, as an
outsider would run it. It fails (exit 1) on any 5xx and on any answer the OpenAPI document does
not describe (status, content type, headers, body schema).

Environment: FUZZ_DATABASES (sqlite,postgres), FUZZ_MAX_EXAMPLES (per operation and phase, 30),
FUZZ_WORKERS (2), FUZZ_SEED (random unless set). Reports: bench/results/fuzz-<database>/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import server
from pgdb import PostgresDB
from sqlitedb import SqliteDB

RESULTS = Path(__file__).resolve().parent / "results"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
# Requests aimed at the demo rows; otherwise nearly every case stops at "channel not found".
CONFIG = """
[parameters]
channel_id = 1
price_list_id = 1
stock_list_id = 1
"""


def fuzz(kind: str) -> int:
    db_class = PostgresDB if kind == "postgres" else SqliteDB
    with db_class.start() as db, tempfile.TemporaryDirectory(prefix="fuzz-") as var:
        env = {**os.environ, "DATABASE_URL": db.url, "OMS_VAR_DIR": var, "DEBUG": "0"}
        server.prepare(env)
        # Granted channel 1 and the shared catalog: the catalog writes answer 403 to other keys.
        token = server.oms(env, "token", "create", "--channel", "1", "--shared", "--name", "fuzz").strip()
        config = Path(var) / "schemathesis.toml"
        config.write_text(CONFIG)
        with server.shipped(env, Path(var) / "server.log") as srv:
            report_dir = RESULTS / f"fuzz-{kind}"
            command = [
                str(Path(sys.executable).parent / "schemathesis"),
                "--config-file",
                str(config),
                "run",
                f"{srv.url}/api/v1/openapi.json",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--checks",
                CHECKS,
                "--header",
                f"Authorization: Token {token}",
                "--max-examples",
                os.environ.get("FUZZ_MAX_EXAMPLES", "30"),
                "--workers",
                os.environ.get("FUZZ_WORKERS", "2"),
                "--report",
                "junit",
                "--report-dir",
                str(report_dir),
                "--generation-database",
                "none",
                "--no-color",
            ]
            if os.environ.get("FUZZ_SEED"):
                command += ["--seed", os.environ["FUZZ_SEED"]]
            print(f"fuzz: {kind}: {' '.join(command[3:5])} ...", flush=True)
            code = subprocess.run(command, env=env, check=False).returncode
            log = Path(var) / "server.log"
            errors = [ln for ln in log.read_text(errors="replace").splitlines() if "Traceback" in ln]
            print(f"fuzz: {kind}: schemathesis exit {code}; tracebacks in the server log: {len(errors)}")
            if errors:
                (RESULTS / f"fuzz-{kind}-server.log").write_text(log.read_text(errors="replace"))
            return code or (1 if errors else 0)


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    kinds = [k for k in os.environ.get("FUZZ_DATABASES", "sqlite,postgres").split(",") if k]
    codes = {kind: fuzz(kind) for kind in kinds}
    print(
        "fuzz: " + ", ".join(f"{kind} {'passed' if code == 0 else 'FAILED'}" for kind, code in codes.items())
    )
    return 1 if any(codes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
