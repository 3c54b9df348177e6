# Two commands: `make report` builds the reports, `make test` runs every test.
# Both create .venv on first use and install exact versions from uv.lock; later runs skip
# installation unless uv.lock or pyproject.toml changed.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv
BIN := $(VENV)/bin
export UV_LINK_MODE := copy
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONHASHSEED := 0
# Compile installed packages to bytecode once at setup: with PYTHONDONTWRITEBYTECODE set (as on many CI images)
# every kernel would otherwise recompile pandas, scipy and geopandas from source, ~2 s per report.
export UV_COMPILE_BYTECODE := 1
PLAN ?= plans/default.yml
JOBS ?=

.PHONY: report test lab setup setup-test demo check bench clean help

help:
	@echo "make report   build the reports into reports/ (real data if THANALYSIS_DATA_ROOT is set, else the synthetic demo)"
	@echo "make test     run the whole test suite"
	@echo "make lab      open JupyterLab on the notebooks"
	@echo "make bench    print the benchmark tables"

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed-run: uv.lock pyproject.toml | $(UV)
	$(UV) sync --quiet --frozen --inexact
	@touch $@

$(VENV)/.installed-test: uv.lock pyproject.toml | $(UV)
	$(UV) sync --quiet --frozen --inexact --extra test
	@touch $@ $(VENV)/.installed-run

# JupyterLab gets its own environment, with the project's .venv registered as its kernel ("thanalysis"),
# so that exploring never slows building (JupyterLab's dependencies cost ~1.3 s in every papermill import).
LAB_VENV := .venv-lab
$(LAB_VENV)/.installed: uv.lock pyproject.toml | $(VENV)/.installed-run
	$(PYTHON) -m venv $(LAB_VENV)
	$(UV) export --quiet --frozen --only-group lab --no-hashes --no-emit-project -o $(LAB_VENV)/requirements.txt
	VIRTUAL_ENV=$(CURDIR)/$(LAB_VENV) $(UV) pip install --quiet --python $(LAB_VENV)/bin/python -r $(LAB_VENV)/requirements.txt
	$(BIN)/python -m ipykernel install --prefix $(LAB_VENV) --name thanalysis --display-name "thanalysis (.venv)" > /dev/null
	@touch $@

setup: $(VENV)/.installed-run
setup-test: $(VENV)/.installed-test

report: $(VENV)/.installed-run
	@$(BIN)/python -m compileall -q thanalysis > /dev/null
	$(BIN)/thanalysis build --plan $(PLAN) $(if $(JOBS),--jobs $(JOBS))

# The whole suite: unit, peer-vector, real-data and browser tests, then every notebook top to bottom
# with nbval (--nbval-lax: key-figure cells carry checks) on the demo and, when the open-data mirror is
# configured (CI), on the real data too.
NBVAL_OUT := test-output/nbval
test: $(VENV)/.installed-test
	@$(BIN)/python -m compileall -q thanalysis > /dev/null
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)
	$(BIN)/thanalysis data demo --out data/cache/demo-nbval > /dev/null
	THANALYSIS_DATA_ROOT=$(CURDIR)/data/cache/demo-nbval THANALYSIS_OUTPUT_DIR=$(CURDIR)/$(NBVAL_OUT)/demo \
	  $(BIN)/python -m pytest -p no:cacheprovider --nbval-lax -q notebooks/
	@if [ -n "$$THANALYSIS_DATA_ROOT" ] && [ -d "$$THANALYSIS_DATA_ROOT/imd2019" ]; then \
	  echo "notebooks on the real open data in $$THANALYSIS_DATA_ROOT"; \
	  THANALYSIS_OUTPUT_DIR=$(CURDIR)/$(NBVAL_OUT)/real $(BIN)/python -m pytest -p no:cacheprovider --nbval-lax -q notebooks/; \
	else echo "notebooks on real data: skipped (THANALYSIS_DATA_ROOT is not set to the open-data mirror)"; fi

LAB_PORT ?= 8888
lab: $(LAB_VENV)/.installed
	@echo "JupyterLab on notebooks/ with the 'thanalysis (.venv)' kernel; open the http://127.0.0.1:$(LAB_PORT)/lab?token=... address printed below."
	@echo "Real data: start it as  THANALYSIS_DATA_ROOT=/path/to/open make lab  (the notebooks read it; see README)."
	JUPYTER_PATH=$(CURDIR)/$(LAB_VENV)/share/jupyter $(LAB_VENV)/bin/jupyter lab --notebook-dir=notebooks \
	  --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	  --MultiKernelManager.default_kernel_name=thanalysis $(if $(filter 0,$(shell id -u)),--allow-root)

demo: $(VENV)/.installed-run
	$(BIN)/thanalysis data demo

check: $(VENV)/.installed-run
	$(BIN)/thanalysis data check

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(LAB_VENV) reports.tmp-* reports.old test-output .pytest_cache
