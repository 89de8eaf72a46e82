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

# The learner's own copy of notebooks/ (git-ignored): JupyterLab saves answers there, so
# `git pull` never conflicts with them and course updates never overwrite them.
MINE := my-workbook

.PHONY: lab fresh test lint workbook notebooks site bench lock clean caches serving-cache

lab: $(VENV)/.synced  ## copy the notebooks you do not have yet into my-workbook/, open the start page
	$(BIN)/python -m xplab.workbook copy --source notebooks --to $(MINE)
	$(BIN)/jupyter lab $(LAB_ARGS) --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/$(MINE)/00_start_here.ipynb

fresh: $(VENV)/.synced  ## a fresh copy of one notebook, e.g. `make fresh NB=03` (yours is kept beside it)
	@test -n "$(NB)" || { echo "say which notebook: make fresh NB=03"; exit 2; }
	$(BIN)/python -m xplab.workbook fresh "$(NB)" --source notebooks --to $(MINE)

# The browser tests (tests/browser, `-m browser`) run alongside the unit tests, which leave
# part of the two cores idle; their report is printed when they end (live in
# build/browser-tests.log). They run every workbook notebook in JupyterLab and check
# everything `--nbval-lax` would (each cell runs, no error output) and more, so the
# workbook runs under nbval-lax only where Chromium is missing (the browser tests skip).
# Every run finishes; a failure in any fails `make test`.
CHROMIUM := $(or $(XPLAB_CHROMIUM),/usr/bin/chromium)
test: $(VENV)/.synced  ## lint, workbook check, unit tests + solutions (nbval), browser (or workbook under nbval-lax)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m xplab.workbook build --check
	$(MAKE) --no-print-directory caches
	@mkdir -p build; status=0; browser=""; \
	if [ -x "$(CHROMIUM)" ]; then \
		echo "browser tests started alongside (log: build/browser-tests.log)"; \
		XPLAB_CHROMIUM="$(CHROMIUM)" $(BIN)/pytest tests/browser -m browser -p no:cacheprovider --basetemp=build/browser-tmp \
			> build/browser-tests.log 2>&1 & browser=$$!; \
	fi; \
	echo "$(BIN)/pytest tests src solutions ..."; \
	$(BIN)/pytest tests src solutions --doctest-modules --nbval $(NBVAL) --nbval-sanitize-with tests/nbval_sanitize.cfg -m "not browser" || status=1; \
	if [ -n "$$browser" ]; then \
		echo "waiting for the browser tests (log: build/browser-tests.log)"; \
		wait $$browser || status=1; \
		cat build/browser-tests.log; \
	else \
		echo "no Chromium at $(CHROMIUM): the browser tests cannot run; the workbook runs under nbval-lax"; \
		$(BIN)/pytest notebooks --nbval-lax $(NBVAL) || status=1; \
		$(BIN)/pytest tests/browser -m browser -rs -q || status=1; \
	fi; \
	exit $$status

lint: $(VENV)/.synced
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

workbook: $(VENV)/.synced  ## regenerate notebooks/ from solutions/
	$(BIN)/python -m xplab.workbook build

notebooks: $(VENV)/.synced caches  ## re-execute every solution notebook, then regenerate the workbook
	$(BIN)/python -m xplab.workbook execute solutions/[0-9][0-9]_*.ipynb
	$(BIN)/python -m xplab.workbook build

caches: serving-cache  ## what the notebooks read from data/: notebook 07's event logs, notebook 08's experiment
	$(BIN)/python -c "from xplab.exercises.nb07 import event_log as f; print(f('test')); print(f('sample'))"

serving-cache: $(VENV)/.synced  ## notebook 08's Online Retail experiment, built once into data/cache/serving/ (needs the data)
	@if [ -n "$${XPLAB_DATA_DIR:-}" ] || [ -f data/online-retail/online_retail.csv.gz ]; then \
		$(BIN)/python -c "from xplab.serving import load_retail_experiment as f; print(f())"; \
	else echo "serving-cache: no Online Retail copy (set XPLAB_DATA_DIR): notebook 08 will build it when it runs"; fi

site: $(VENV)/.synced  ## build the course site into build/site/ (open build/site/index.html), then check it
	$(BIN)/python book/build_site.py

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
