# The two commands that set everything up from a fresh clone:
#   make run    create .venv, install, initialise ./khavaran-data, load the demo and its
#               case, show them, build the case's dossier in ./dossiers and verify it
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

# system-packages first: PyICU (for followthemoney, a test tool) builds against libicu-dev.
$(VENV)/.installed: pyproject.toml | $(BIN)/python system-packages
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

DOSSIER := dossiers/demo-commission

run: $(VENV)/.installed system-packages
	$(KHAVARAN) init
	$(KHAVARAN) demo --case
	$(KHAVARAN) overview
	$(KHAVARAN) case show demo-commission
	$(KHAVARAN) case gaps demo-commission
	rm -rf $(DOSSIER) $(DOSSIER).sealed-annex
	mkdir -p dossiers
	$(KHAVARAN) --as demo dossier build demo-commission --out $(DOSSIER) --disclosure prosecutor
	$(KHAVARAN) dossier verify $(DOSSIER) \
	  --public-key $$($(KHAVARAN) ledger key | awk '/^public key/ {print $$3}')

# Tesseract (OCR), libmagic, openssl, Pango and poppler, from Debian, when missing.
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
	scripts/system-packages.sh --bench
	scripts/with-postgres.sh $(BIN)/python bench/bench_registry.py
	$(BIN)/python bench/bench_vault.py
	$(BIN)/python bench/bench_linkage.py
	$(BIN)/python bench/bench_estimate.py
	$(BIN)/python bench/bench_dossier.py
	$(BIN)/python bench/bench_ftm.py
	$(BIN)/python bench/bench_api.py

docs: $(VENV)/.installed
	$(BIN)/python scripts/cli_reference.py > docs/cli.md

clean:
	rm -rf $(VENV) khavaran-data dossiers .pytest_cache .hypothesis
