# Plumbline: `make run` starts everything, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench screenshots clean serve

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,redis,prod]'
	@touch $(STAMP)

run: $(STAMP)
	@bash scripts/run.sh

test: $(STAMP)
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

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

screenshots: $(STAMP)
	PLUMBLINE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e -q

clean:
	rm -rf $(VENV) db.sqlite3* .test-db.sqlite3* staticfiles var

# Production-style processes (PostgreSQL via DATABASE_URL, Redis via REDIS_URL): `make serve WORKERS=2`.
WORKERS ?= 1
serve: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput >/dev/null
	@for i in $$(seq 1 $(WORKERS)); do $(BIN)/python manage.py qcluster & done; \
	$(BIN)/gunicorn config.wsgi --bind 0.0.0.0:$${PORT:-8000} --workers $${WEB_CONCURRENCY:-3}
