# segmentasi: bootstrap a local .venv, then run the demo, the tests or the benchmarks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint java bytecode bench bench-scale bench-spark clean

# The spark extra is pyspark (a download of about 450 MB, built into a wheel once and then taken
# from pip's cache): the Spark engine and its tests.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

# Java 17+ for Spark, installed with apt-get where missing and allowed; where it cannot be had,
# one line says why and the Spark tests skip (CI makes them fail instead: .ci/run).
java:
	bash scripts/ensure-java

demo: $(STAMP)
	$(BIN)/segmentasi demo --out demo-run

# Two processes take the test files between them (each file's tests in one process, so a
# module's shared fixtures are computed once): on 2 cores the suite takes about half the time.
TEST_PROCESSES ?= 2

test: lint java
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

# The Spark engine on 1M, 3M and 10M synthetic customers (local[2]), the real table and the
# agreement with the in-process engine: about an hour (benchmarks/bench_spark.py).
bench-spark: bytecode java
	$(BIN)/python benchmarks/bench_spark.py --json bench-spark.json

clean:
	rm -rf $(VENV) demo-run .pytest_cache build src/*.egg-info
	find src tests benchmarks -name __pycache__ -prune -exec rm -rf {} +
