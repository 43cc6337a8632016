# segmentasi: bootstrap a local .venv, then run the demo, the tests or the benchmarks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bytecode bench bench-scale clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/segmentasi demo --out demo-run

# Two processes take the test files between them (each file's tests in one process, so a
# module's shared fixtures are computed once): on 2 cores the suite takes about half the time.
TEST_PROCESSES ?= 2

test: lint
	$(BIN)/python -m pytest -q -n $(TEST_PROCESSES) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# The package is installed editable, so its bytecode is compiled by whichever run imports it
# first, and never cached where PYTHONDONTWRITEBYTECODE is set: compile it once, as a regular
# install does, so timed runs do not each spend ~65 ms compiling.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q src

bench: bytecode
	$(BIN)/python benchmarks/bench_real.py

bench-scale: bytecode
	$(BIN)/python benchmarks/bench_scale.py

clean:
	rm -rf $(VENV) demo-run .pytest_cache build src/*.egg-info
	find src tests benchmarks -name __pycache__ -prune -exec rm -rf {} +
