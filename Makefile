# Two commands matter: `make demo` and `make test`. Both create .venv and install the
# project with its dev extras on first use (only python3, pip and make are needed).

VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test check lint typecheck bench install clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || \
	  { $(PYTHON) -m pip install --user virtualenv && $(PYTHON) -m virtualenv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Start the simulator and JupyterLab on notebooks/ (127.0.0.1); prints the URL to open.
demo: $(STAMP)
	$(VENV)/bin/headswap-nb demo

## Run the whole test suite (unit, simulator, notebooks, browser when Chromium is present).
## Most tests wait on a simulator or a kernel rather than compute, so three pytest-xdist
## workers share two cores well; --dist loadfile keeps each module on one worker, so a
## module's servers and executed notebooks start once.
TEST_WORKERS ?= 3
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## ruff + mypy (strict on the package) + tests.
check: lint typecheck test

## Print the benchmark tables (not part of the tests).
bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo-output test-artifacts
