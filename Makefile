# The README's commands. `make run` serves the demo; `make test` runs the suite on SQLite and PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test test-sqlite test-postgres lint format bench install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Runtime dependencies only (what `make run` needs).
$(VENV)/.installed-run: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.lock
	$(BIN)/pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
	touch $@

# Everything the tests and benchmarks need (a superset of the runtime lock).
$(VENV)/.installed-dev: requirements-dev.lock requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.lock
	$(BIN)/pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/oms migrate --noinput -v 0
	$(BIN)/oms demo --host $(HOST):$(PORT)
	# The webhook worker beside the server, stopped with it.
	$(BIN)/oms worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; $(BIN)/oms serve

test: install-dev lint test-sqlite test-postgres

# Each pass runs on TEST_WORKERS processes (pytest-xdist; the machine's CPUs, at most 4), a test
# module to a worker at a time so its module fixtures start once; then the tests marked `serial`
# (schemathesis's, whose operations xdist would run as one) in one process.
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; cpus = os.sched_getaffinity(0) if hasattr(os, 'sched_getaffinity') else range(os.cpu_count() or 1); print(min(4, len(cpus)))")
PYTEST_PASS := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial" && $(BIN)/pytest -m serial

test-sqlite: install-dev
	$(PYTEST_PASS)

# A throwaway PostgreSQL 15 cluster is started for the run and removed afterwards.
test-postgres: install-dev
	$(BIN)/python scripts/pgcluster.py run -- $(SHELL) -c '$(PYTEST_PASS)'

# The deployment of deploy/ (nginx, 3 replicas, PgBouncer, PostgreSQL primary and standby) under
# load, a replica killed and PostgreSQL restarted: 1-3 minutes, so not in `make test`.
.PHONY: test-deploy
test-deploy: install-dev
	OMS_DEPLOY_TEST=1 $(BIN)/pytest -s tests/test_deploy.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Load benchmark of create_orders on PostgreSQL and SQLite against the database's own ceiling,
# then the bulk scenario; writes bench/results/latest.json. `make bench BENCH_QUICK=1` skips the
# 1,000,000-order run. Then webhook delivery under create load (bench-webhooks, under a minute).
bench: install-dev
	$(BIN)/python bench/run.py
	cd bench && ../$(BIN)/python webhooks.py

# Order reads at scale: fills 1,000,000 orders on SQLite and PostgreSQL, then p50/p95 of the list
# by page and by cursor, a modified_date__gt poll and a number lookup. `ORDERS=200000` for less.
.PHONY: bench-bulk
# The bulk scenario alone: bulk create against PostgreSQL's multi-row insert of the same rows
# and against its copy of stored rows (results/bulk.json).
bench-bulk: install-dev
	cd bench && ../$(BIN)/python bulk.py

.PHONY: bench-ab
# Two commits' create scenario served side by side, runs alternating: `make bench-ab A=main~1 B=main`.
# Each side has its own database, migrated by its own commit (so a migration between them is fine).
bench-ab: install-dev
	cd bench && ../$(BIN)/python ab.py $(or $(A),HEAD~1) $(or $(B),HEAD)

.PHONY: bench-stock-ab
# bench/stock.py's scenarios (no stock, reserve, reject under contention) of two commits served
# side by side on PostgreSQL, runs alternating: `make bench-stock-ab A=main B=HEAD`.
bench-stock-ab: install-dev
	cd bench && ../$(BIN)/python stock_ab.py $(or $(A),HEAD~1) $(or $(B),HEAD)

.PHONY: bench-stock-profile
# Where a reserving create's cost goes, against one without stock: CPU of the app and of its
# PostgreSQL backend, WAL and the statement's time per create, in one process (bench/stock_profile.py).
bench-stock-profile: install-dev
	$(BIN)/python bench/stock_profile.py $(ARGS)

.PHONY: bench-servers bench-storage
# gunicorn sync, gunicorn gthread and granian, each behind deploy/'s nginx, side by side
# (docs/scaling.md); bytes per stored order and index growth on PostgreSQL.
bench-servers: install-dev
	cd bench && ../$(BIN)/python servers_ab.py
bench-storage: install-dev
	$(BIN)/python bench/storage.py --orders $(or $(ORDERS),20000)

.PHONY: bench-webhooks
# Webhook delivery on PostgreSQL: events/s from the outbox to a local receiver, and the lag p50/p99
# while creates arrive at a fixed 80 % of the peak found in the same run, with 1 then 2 workers
# (bench/webhooks.py, results/webhooks.json; WH_WORKERS, WH_SHARE, WH_DURATION).
bench-webhooks: install-dev
	cd bench && ../$(BIN)/python webhooks.py

.PHONY: fuzz
# schemathesis, all phases, against `oms serve` (granian) on SQLite and PostgreSQL: no 5xx, every answer as documented.
fuzz: install-dev
	cd bench && ../$(BIN)/python fuzz.py

.PHONY: bench-feeds
# The channel feeds over a 100,000-product catalog (PostgreSQL): bench/results/feeds.json.
bench-feeds: install-dev
	$(BIN)/python bench/feeds.py --products $(or $(PRODUCTS),100000)

.PHONY: bench-orders-scale
bench-orders-scale: install-dev
	$(BIN)/python bench/orders_scale.py --orders $(or $(ORDERS),1000000)

clean:
	rm -rf $(VENV) var
