# The set-up contract: `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench clean lock

# Installs the locked versions (requirements.lock) of everything pyproject.toml asks for.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## the whole pipeline on the embedded synthetic default, into out/
	$(VENV)/bin/olistseg run --out out

test: $(STAMP)  ## the test suite (real-data tests run when ../shared/data/olist exists)
	$(PY) -m pytest

lint: $(STAMP)  ## ruff lint and format check, and the layer contract (.importlinter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)  ## benchmarks, results in benchmarks/results/
	$(PY) benchmarks/run.py

lock:  ## refresh requirements.lock: the newest versions within pyproject.toml's bounds
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' requirements.lock; .lock-venv/bin/python -m pip freeze --exclude-editable \
	    | grep -v '^olistseg'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf out .pytest_cache
