# Two commands do everything:  `make lab` opens the course, `make test` runs every test.
# Both create the pinned environment in .venv first (from uv.lock) if it is missing or stale.

SHELL := /bin/bash
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
NBVAL := --nbval-current-env --nbval-cell-timeout=300
# JupyterLab refuses to run as root (common in containers) unless told it may
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test lint workbook notebooks bench lock clean

lab: $(VENV)/.synced  ## open the course in JupyterLab at the start page
	$(BIN)/jupyter lab $(LAB_ARGS) --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb

test: $(VENV)/.synced  ## lint, workbook check, unit tests + solutions (nbval), workbook (nbval-lax), browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m xplab.workbook build --check
	$(BIN)/pytest tests src solutions --doctest-modules --nbval $(NBVAL) --nbval-sanitize-with tests/nbval_sanitize.cfg -m "not browser"
	$(BIN)/pytest notebooks --nbval-lax $(NBVAL)
	$(BIN)/pytest tests/browser -m browser

lint: $(VENV)/.synced
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

workbook: $(VENV)/.synced  ## regenerate notebooks/ from solutions/
	$(BIN)/python -m xplab.workbook build

notebooks: $(VENV)/.synced  ## re-execute every solution notebook, then regenerate the workbook
	$(BIN)/python -m xplab.workbook execute solutions/[0-9][0-9]_*.ipynb
	$(BIN)/python -m xplab.workbook build

bench: $(VENV)/.synced  ## Monte Carlo validation and speed benchmarks (minutes)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lock: $(UV)  ## refresh uv.lock to the newest allowed versions
	$(UV) lock --upgrade
	$(UV) sync --frozen --compile-bytecode

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache .hypothesis
