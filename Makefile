# The set-up contract: `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
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

clean:
	rm -rf out .pytest_cache
