# Tiger build/test entry points. Requires GNU make.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp

LINT_DIRS := src tests scripts examples bench
COUNT_DIRS := src tests

.PHONY: help install tasktiger-venv lint lint-ruff lint-imports lint-lines type unit integration \
        test check demo fmt clean distclean bench bench-quick chaos browser

help: ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

# The venv is (re)built whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

install: $(STAMP) ## Create .venv and install the project with dev extras

# PyPI's TaskTiger for the interop tests, in its own venv: it pins redis<5, while
# Tiger uses a current redis-py. Tests run it as a subprocess.
TT_VENV ?= .venv-tasktiger
TT_STAMP := $(TT_VENV)/.stamp

$(TT_STAMP):
	$(PYTHON) -m venv $(TT_VENV)
	$(TT_VENV)/bin/python -m pip install --quiet 'tasktiger==0.26.3' 'redis>=4.6,<5' croniter
	touch $@

tasktiger-venv: $(TT_STAMP) ## Create .venv-tasktiger (TaskTiger 0.26.3, for interop tests)

# Debian's chromium for the dashboard's browser test (Playwright drives it through
# executable_path; Playwright's own browser download is never used).
CHROMIUM ?= /usr/bin/chromium

browser: ## Install Debian's chromium (dashboard browser test; root or sudo)
	@if [[ -x $(CHROMIUM) ]]; then $(CHROMIUM) --version; else \
		SUDO=""; [[ "$$(id -u)" -eq 0 ]] || SUDO=sudo; \
		export DEBIAN_FRONTEND=noninteractive; \
		$$SUDO apt-get update && \
		$$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core; \
	fi

lint: lint-ruff type lint-imports lint-lines ## ruff + mypy --strict + import-linter + line counts

lint-ruff: install
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)

lint-imports: install
	$(BIN)/lint-imports

lint-lines: install
	$(BIN)/python scripts/check_line_counts.py $(COUNT_DIRS)

type: install ## mypy --strict over src and tests
	$(BIN)/mypy

unit: install ## Unit tests
	$(BIN)/python -m pytest tests/unit

integration: install tasktiger-venv ## Integration tests (real redis-server)
	$(BIN)/python -m pytest tests/integration

test: install tasktiger-venv ## All tests
	$(BIN)/python -m pytest tests

check: lint type test ## Everything CI runs

# Chaos suite (tests/chaos, real redis-server and worker processes, < 8 min): every
# test, not only the `chaos_quick` subset of `make test`; then docs/reliability.md,
# rendered even when a test failed (each row says whether its assertions held), and
# the target fails if any test did.
chaos: install tasktiger-venv ## Fault-injection suite, then render docs/reliability.md
	rm -rf build/chaos
	status=0; $(BIN)/python -m pytest tests/chaos -m chaos || status=$$?; \
		$(BIN)/python -m tests.chaos.render; exit $$status

# Benchmarks (not part of `make test`): Tiger vs TaskTiger (its own venv) vs RQ
# (the `bench` extra) on a private redis-server; see docs/benchmarks.md.
BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(BENCH_STAMP) tasktiger-venv ## Benchmarks (< 15 min): bench/results/latest.json, docs/benchmarks.md
	$(BIN)/python -m bench.run

bench-quick: $(BENCH_STAMP) tasktiger-venv ## Reduced benchmarks (< 2 min): bench/results/quick.json
	$(BIN)/python -m bench.run --quick

demo: install ## Run the demo (uses $$REDIS_URL when set)
	$(BIN)/python -m examples.demo

fmt: install ## Format and autofix
	$(BIN)/ruff format $(LINT_DIRS)
	$(BIN)/ruff check --fix $(LINT_DIRS)

clean: ## Remove caches and build artefacts (keeps .venv)
	rm -rf build dist .mypy_cache .ruff_cache .pytest_cache .import_linter_cache \
		.coverage .coverage.* htmlcov coverage.xml
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name '*.egg-info' \) \
		-type d -print0 | xargs -0 rm -rf

distclean: clean ## clean + remove .venv
	rm -rf $(VENV)
