# Plumbline: `make run` starts everything, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Installs come from hashed lock files (`make lock` regenerates them from pyproject.toml).
RUN_LOCK := requirements/run.txt
TEST_LOCK := requirements/test.txt
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
STAMP := $(TEST_STAMP)

.PHONY: run test lint format bench bench-compare screenshots clean serve lock

$(BIN)/python:
	@echo "Creating the virtual environment $(VENV) with $(PYTHON)..."
	$(PYTHON) -m venv $(VENV)

# Every package at its locked version and hash, then Plumbline itself without touching them.
define install_locked
	@$(BIN)/python scripts/lock_check.py $(1) $(2)
	@echo "Installing the locked dependencies from $(1) into $(VENV) (a minute or two the first time)..."
	$(BIN)/python -m pip install --disable-pip-version-check --require-hashes -r $(1)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --no-deps --no-build-isolation -e .
endef

$(RUN_STAMP): $(RUN_LOCK) pyproject.toml | $(BIN)/python
	$(call install_locked,$(RUN_LOCK),postgres redis prod)
	@touch $@

$(TEST_STAMP): $(TEST_LOCK) pyproject.toml | $(BIN)/python
	$(call install_locked,$(TEST_LOCK),dev postgres redis prod)
	@touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	@bash scripts/run.sh

# After changing dependencies in pyproject.toml: `make lock` (UPGRADE=1 to move every pin forward).
# pip-tools comes pinned from the current test lock, which installs even when it is out of date.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --require-hashes -r $(TEST_LOCK)
	UPGRADE=$(UPGRADE) bash scripts/lock.sh

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# `make bench`: 2,000 x 50 (about 101k assets) and 400 x 50 for memory. `make bench SCALE=1m` also runs
# 20,000 x 50 (about a million assets; on demand, not in CI). `make bench-compare` also times an
# idiomatic pyatlan script in its own throwaway environment (bench/.compare-venv) on the same sandbox.
SCALE ?= default
bench: $(STAMP)
	$(BIN)/python -m bench --scale $(SCALE) $(BENCH_ARGS)

bench-compare: $(STAMP)
	$(BIN)/python -m bench --scale $(SCALE) --compare $(BENCH_ARGS)

screenshots: $(STAMP)
	PLUMBLINE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e -q

clean:
	rm -rf $(VENV) db.sqlite3* .test-db.sqlite3* staticfiles var bench/.compare-venv

# Production-style processes (PostgreSQL via DATABASE_URL, Redis via REDIS_URL): `make serve WORKERS=2`.
WORKERS ?= 1
# The workers stop with the web server (SIGTERM to each; qcluster also stops cleanly when a signal
# reaches its whole process group, as Ctrl-C and systemd send it).
serve: $(RUN_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput >/dev/null
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; \
	for i in $$(seq 1 $(WORKERS)); do $(BIN)/python manage.py qcluster & done; \
	$(BIN)/gunicorn config.wsgi --bind 0.0.0.0:$${PORT:-8000} --workers $${WEB_CONCURRENCY:-3}
