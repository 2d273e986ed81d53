# Two commands set everything up on a fresh machine that has only Python 3:
#   make demo  - create .venv, install, start the bundled sandbox, run the nightly example DAG, print what landed
#   make test  - create .venv if needed, install with test extras, lint and run the whole suite
#   make bench - throughput and peak memory of the import operators against the sandbox
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	scripts/demo.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info

# Throughput and memory of the import operators against the sandbox (about 2-3 minutes).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_imports.py
