# Python 3.12 from pyenv (.python-version), else python3.12 on PATH.
PYTHON ?= $(shell pyenv which python 2>/dev/null || command -v python3.12)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock
# Two stamps keyed on the lock and the project's dependencies: the runtime (run, worker, beat) and the dev
# extras on top of it (test, lint, format, bench). A change to either file reinstalls.
SUM := $(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
RUNTIME := $(VENV)/.installed-runtime-$(SUM)
DEV := $(VENV)/.installed-dev-$(SUM)

.PHONY: install install-dev run test lint format worker beat bench stop-db reset-db

$(RUNTIME):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else "Python 3.12 is required (.python-version)")'
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

# pip keeps the runtime packages already installed and adds the dev extras. Zuora's SDK, which the contract
# tests drive, pins certifi and urllib3 two years back: it goes in without its dependencies (all of them are
# in the lock already, and its tests pass on the lock's versions), so the runtime keeps current ones.
$(DEV): $(RUNTIME)
	$(PIP) -e '.[dev]'
	$(PIP) --no-deps zuora-sdk
	touch $@

install: $(RUNTIME)

install-dev: $(DEV)

run: $(RUNTIME)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py provision_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

worker: $(RUNTIME)
	$(BIN)/celery -A config worker --loglevel=INFO

beat: $(RUNTIME)
	$(BIN)/celery -A config beat --loglevel=INFO

# The embedded PostgreSQL (used when DATABASE_URL is unset) outlives `make run`: stop it, or stop it and
# delete its data (.data/pg) so the next run starts from an empty database. Both are no-ops when it is
# already stopped or was never created.
stop-db: $(RUNTIME)
	$(BIN)/python -m config.embedded_postgres stop

reset-db: $(RUNTIME)
	$(BIN)/python -m config.embedded_postgres reset

test: $(DEV)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(DEV)
	$(BIN)/python bench/run.py
