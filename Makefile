# Everything a fresh machine needs: `make demo` and `make test` create .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DB     ?= data/kzinvest.db

.PHONY: install demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 'setuptools<81' wheel
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Loads the sample articles into the embedded database, then serves the dashboard.
demo: install
	KZINVEST_DB=sqlite:///$(DB) $(BIN)/kzinvest ingest samples/
	KZINVEST_DB=sqlite:///$(DB) $(BIN)/kzinvest serve --host 127.0.0.1 --port 8000

test: install
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/extract_bench.py
	$(BIN)/python benchmarks/registry_bench.py
	$(BIN)/python benchmarks/api_bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
