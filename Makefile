# schoolwacht — the two commands: `make run` and `make test`.
# Both create .venv at the repository root and install pinned versions (constraints.txt).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
CONFIG ?= config.example.toml

.PHONY: run test lint bench system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Runtime install: the core, no ML extra, no test tools.
$(VENV)/.run-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install -q -c constraints.txt -e .
	touch $@

# Test install: everything the tests use, the ML extra included (torch CPU, detoxify, onnxruntime).
$(VENV)/.test-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install -q -c constraints.txt -e '.[test,ml]'
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/schoolwacht run --config $(CONFIG)

system-deps:
	bash scripts/install-system-deps.sh

test: $(VENV)/.test-installed system-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(VENV)/.test-installed system-deps
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/rules_speed.py
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python benchmarks/images.py
	$(BIN)/python benchmarks/scan.py
	$(BIN)/python benchmarks/ml.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
