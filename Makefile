# One entry point: make run | make test | make setup | make bench | make lint
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app app
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP     := $(VENV)/.dev-installed

.PHONY: setup run test bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the requirements change.
$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt $(RUNTIME_STAMP)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## setup: virtualenv, dependencies, database schema (SQLite by default), bundled data,
##        map libraries in static/vendor/, first admin (EEC_ADMIN_PASSWORD or printed once)
setup: $(RUNTIME_STAMP)
	$(FLASK) db upgrade
	$(FLASK) data load
	$(FLASK) assets vendor
	$(FLASK) users ensure-admin

## run: set up, then serve on http://127.0.0.1:5000
run: setup
	$(FLASK) run --host 127.0.0.1 --port 5000

## test: set up, then the whole suite (unit, integration, web, browser)
test: setup $(DEV_STAMP)
	$(PY) -m pytest

## bench: performance figures (see bench/README.md)
bench: setup $(DEV_STAMP)
	$(PY) -m bench

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) instance/cache .pytest_cache
