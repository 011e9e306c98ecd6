# The two commands that set everything up from a fresh clone:
#   make run    create .venv, install, initialise ./khavaran-data, load the demo and its
#               case (idempotent), then serve the web app on http://127.0.0.1:8000 until
#               Ctrl-C, printing where the demo accounts are
#   make test   install test tools, PostgreSQL and chromium if absent, run the linters
#               and the type checker, then the whole suite on SQLite and on a throw-away
#               PostgreSQL server, the browser tests in chromium included, the vault's
#               object-store tests on a throw-away SeaweedFS server
# And:
#   make demo   the command-line tour: the demo case shown, its dossier built and verified
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KHAVARAN := $(BIN)/khavaran
# Two workers fit the 2-core machines we run on.
PYTEST_ARGS ?= -n 2

.PHONY: run demo test bench docs check clean system-packages assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# system-packages first: PyICU (for followthemoney, which `import --format ftm` uses) builds
# against libicu-dev.
$(VENV)/.installed: pyproject.toml | $(BIN)/python system-packages
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

DOSSIER := dossiers/demo-commission

# htmx, the Vazirmatn font and the map's borders, from the npm registry (checked
# digests), served locally.
assets: | $(BIN)/python
	$(BIN)/python scripts/fetch_assets.py

run: $(VENV)/.installed system-packages assets
	$(KHAVARAN) init
	$(KHAVARAN) demo --case
	$(KHAVARAN) serve --host 127.0.0.1 --port 8000

demo: $(VENV)/.installed system-packages
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

test: check system-packages assets
	scripts/system-packages.sh --test
	KHAVARAN_REQUIRE_PG=1 KHAVARAN_REQUIRE_S3=1 scripts/with-postgres.sh \
	  scripts/with-seaweedfs.sh $(BIN)/pytest $(PYTEST_ARGS)

$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(VENV)/.bench-installed system-packages
	scripts/system-packages.sh --bench
	scripts/with-postgres.sh $(BIN)/python bench/bench_registry.py
	$(BIN)/python bench/bench_seal.py
	$(BIN)/python bench/bench_vault.py
	$(BIN)/python bench/bench_backup.py
	$(BIN)/python bench/bench_linkage.py
	$(BIN)/python bench/bench_estimate.py
	$(BIN)/python bench/bench_chain.py
	$(BIN)/python bench/bench_dossier.py
	$(BIN)/python bench/bench_ftm.py --persons 50000
	$(BIN)/python bench/bench_xref.py
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/bench_public.py
	$(BIN)/python bench/bench_upload.py
	scripts/with-postgres.sh scripts/with-seaweedfs.sh $(BIN)/python bench/bench_team.py
	KHAVARAN_TEST_PG_FSYNC=on KHAVARAN_TEST_S3_VOLUME_MB=1024 KHAVARAN_TEST_S3_VOLUMES=0 \
	  scripts/with-postgres.sh scripts/with-seaweedfs.sh $(BIN)/python bench/bench_scale.py

docs: $(VENV)/.installed
	$(BIN)/python scripts/cli_reference.py > docs/cli.md

clean:
	rm -rf $(VENV) khavaran-data dossiers .pytest_cache .hypothesis
