# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project metadata changes; the package itself is installed editable.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,openenv,ray,gepa,mlflow]'
	touch $@ $(VENV)/.installed

## demo: the main job, offline: the repair baseline and sim:careless on the builtin test
## split, their comparison, a retry of sim:careless's failures, a one-epoch skill training
## of sim:careless, and the HTML report with the training.
DEMO_DB := $(CURDIR)/.fixloop/demo.db
DEMO := FIXLOOP_DB=sqlite:///$(DEMO_DB) $(BIN)/fixloop
demo: $(VENV)/.installed
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(DEMO) run --agent repair --split test --run-name repair
	$(DEMO) run --agent llm --model sim:careless --seed 3 --split test --run-name sim-careless
	$(DEMO) compare repair sim-careless
	$(DEMO) retry sim-careless
	$(DEMO) train --model sim:careless --epochs 1 --batch-size 13 --name careless-skill
	$(DEMO) report repair sim-careless --training careless-skill -o demo-report.html --title "fixloop demo (offline)"

## test: lint, then the whole test suite.
test: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

## bench: measure run_tests cost and episode throughput (figures go in the README).
bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_sandbox.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
