# The two commands that set everything up from a fresh clone:
#   make run    create .venv, install, initialise ./khavaran-data, load the demo, show it
#   make test   install test tools and PostgreSQL if absent, run the linters and the
#               type checker, then the whole suite on SQLite and on a throw-away
#               PostgreSQL server
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KHAVARAN := $(BIN)/khavaran
# Two workers fit the 2-core machines we run on.
PYTEST_ARGS ?= -n 2

.PHONY: run test bench docs check clean system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(KHAVARAN) init
	$(KHAVARAN) demo
	$(KHAVARAN) overview

# Tesseract (OCR), libmagic and openssl, from Debian, when missing.
system-packages:
	scripts/system-packages.sh

check: $(VENV)/.installed
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy

test: check system-packages
	KHAVARAN_REQUIRE_PG=1 scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(VENV)/.bench-installed system-packages
	scripts/with-postgres.sh $(BIN)/python bench/bench_registry.py
	$(BIN)/python bench/bench_vault.py
	$(BIN)/python bench/bench_linkage.py
	$(BIN)/python bench/bench_estimate.py

docs: $(VENV)/.installed
	$(BIN)/python scripts/cli_reference.py > docs/cli.md

clean:
	rm -rf $(VENV) khavaran-data .pytest_cache .hypothesis
