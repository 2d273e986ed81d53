# Two commands set everything up on a fresh machine that has only Python 3:
#   make demo  - create .venv, install the provider (no test extras) and the sandbox (sandbox/, a
#                distribution of its own), start the sandbox, run the nightly example DAG, print what landed
#   make test  - create .venv if needed, install with test extras (and the sandbox), lint once, run the whole suite
#                under the newest Airflow on two xdist workers, the system tests beside it (a real
#                Airflow deployment, and Debian's Chromium for the connection-form test, installed
#                with apt-get when /usr/bin/chromium is missing; a CeleryExecutor deployment on
#                Debian's PostgreSQL and Redis, installed likewise), then the version matrix: under
#                the latest patch of each older Airflow minor, the tests of what Airflow can change
#                (the components, connection loading, registration, the examples), each minor in its
#                own uv venv under .matrix/, the minors side by side (scripts/test_matrix.py says what runs where)
#   make bench - throughput and peak memory of the import operators against the sandbox
#   make docs  - the documentation site (docs/, Sphinx) into docs/_build/html, warnings as errors;
#                make lint (and so make test) builds it too, so that a broken reference fails CI
# Narrower loops: make test-fast (the newest Airflow, all but the system tests), make test-system
# (only the deployment, browser and packaging tests), make test-matrix (only the older minors).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed
# The versions every install takes (pip otherwise backtracks through the test extras' releases for
# over an hour and gives up: resolution-too-deep). `make constraints` regenerates it.
CONSTRAINTS := constraints/airflow-3.3.txt
CHROMIUM := /usr/bin/chromium
REDIS := /usr/bin/redis-server
# Debian's `postgresql` installs the server of its release's version (15 on Debian 12) under
# /usr/lib/postgresql/<version>/bin; any version found there will do.
POSTGRES := $(or $(lastword $(wildcard /usr/lib/postgresql/*/bin/postgres)),/usr/lib/postgresql/15/bin/postgres)
# Graphviz's dot draws the docs' diagrams when the site is built (sphinx.ext.graphviz).
DOT := /usr/bin/dot
SYSTEM_PACKAGES := $(CHROMIUM) $(REDIS) $(POSTGRES) $(DOT)
APT_INSTALL := apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq

.PHONY: demo test test-system test-fast test-matrix lint docs clean bench constraints

# The demo needs the provider and the sandbox (its own distribution, in sandbox/, which depends on
# the provider: one call resolves it to this tree's); the tests add their extras on top. pip
# installs only uv, at the constraints' version; uv installs the rest (seconds, where pip took 2-3
# minutes over the same pins: it installs one package at a time).
UV_INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python -c $(CONSTRAINTS)
$(RUNTIME): pyproject.toml sandbox/pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$$(grep '^uv==' $(CONSTRAINTS))"
	$(UV_INSTALL) -e . -e ./sandbox
	touch $(RUNTIME)

# The test tools and the docs' (the docs extra: lint builds the site); the older minors' venvs
# (scripts/test_matrix.py) take the test extra only.
$(STAMP): $(RUNTIME)
	$(UV_INSTALL) -e ".[test,docs]" -e ./sandbox
	touch $(STAMP)

# After a change to the dependencies: resolve the provider with its extras afresh (uv takes
# seconds where pip backtracks for an hour) into the constraints files, the newest Airflow's and
# those of the older minors that make test also runs (scripts/test_matrix.py).
constraints:
	test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet "$$(grep '^uv==' $(CONSTRAINTS))"; }
	UV=$(BIN)/uv $(PYTHON) scripts/test_matrix.py --constraints

# Playwright drives Debian's Chromium (no `playwright install`: the machine cannot download
# browsers); installed once, skipped when present.
$(CHROMIUM):
	$(APT_INSTALL) chromium

# The Celery system test's metadata database and broker; the test starts its own instances on
# loopback (PostgreSQL as the `postgres` user the package creates), never the packages' services.
$(REDIS):
	$(APT_INSTALL) redis-server

$(POSTGRES):
	$(APT_INSTALL) postgresql

$(DOT):
	$(APT_INSTALL) graphviz

demo: $(RUNTIME)
	scripts/demo.sh

# Nitpicky (-n): every reference must resolve; every warning is an error (-W), all of them
# reported (--keep-going). Nothing is fetched: no intersphinx, no CDN.
SPHINX_BUILD := $(BIN)/python -m sphinx -b html -n -W --keep-going -q docs docs/_build/html

lint: $(STAMP) $(DOT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m mypy
	$(SPHINX_BUILD)

docs: $(STAMP) $(DOT)
	$(SPHINX_BUILD)

# The system tests run one at a time (each starts a whole deployment), in the background from the
# start, beside lint and the newest suite: a deployment keeps about one core busy, lint one, the
# suite's two workers about one and a half, so together they fill the two cores that one after
# the other left a third idle (about 3 minutes of `make test`). Their output follows the suite's;
# any of the three failing fails the target. Then the older minors, side by side.
SYSTEM_LOG := test-artifacts/system-tests.log
test: $(STAMP) $(SYSTEM_PACKAGES)
	@mkdir -p $(dir $(SYSTEM_LOG))
	@echo "system tests: in the background, their output below once lint and the newest suite are done"
	@$(BIN)/python -m pytest -m system -p no:cacheprovider > $(SYSTEM_LOG) 2>&1 & system=$$!; \
	$(MAKE) --no-print-directory lint && $(BIN)/python -m pytest -m "not system" -n 2; suite=$$?; \
	wait $$system; system_status=$$?; \
	echo "--- system tests ($(SYSTEM_LOG)) ---"; cat $(SYSTEM_LOG); \
	test $$suite -eq 0 && test $$system_status -eq 0
	UV=$(BIN)/uv $(BIN)/python scripts/test_matrix.py

test-system: $(STAMP) $(SYSTEM_PACKAGES)
	$(BIN)/python -m pytest -m system

test-fast: lint
	$(BIN)/python -m pytest -m "not system" -n 2

# The older minors' venvs are made with uv (a test extra) from constraints/airflow-<minor>.txt.
test-matrix: $(STAMP) $(CHROMIUM)
	UV=$(BIN)/uv $(BIN)/python scripts/test_matrix.py

clean:
	rm -rf $(VENV) .matrix .pytest_cache build dist *.egg-info docs/_build

# Throughput and memory of the import operators against the sandbox (about 15 minutes, 12 of them
# the whole daily run of case 7 at 50 ms a call), then
# how bounded a call to a hostile platform is (a trickling answer, a huge one; about 15 s), then
# the memory of a 1M-record CSV read from s3:// (moto) against a 10k one (about 2 minutes; fails
# above 1.5x).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_imports.py
	$(BIN)/python benchmarks/bench_answers.py
	$(BIN)/python benchmarks/bench_object_storage.py
