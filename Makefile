# One entry point: make run | make serve | make test | make setup | make bench | make lint
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app app
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP     := $(VENV)/.dev-installed

.PHONY: setup run serve test bench lint clean

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

## setup: virtualenv, dependencies, the private instance/ folder and its session key,
##        database schema (SQLite by default), bundled data,
##        map libraries in static/vendor/, first admin (EEC_ADMIN_PASSWORD or printed once)
setup: $(RUNTIME_STAMP)
	$(FLASK) instance init
	$(FLASK) db upgrade
	$(FLASK) data load
	$(FLASK) assets vendor
	$(FLASK) users ensure-admin

## run: set up, then serve on http://127.0.0.1:5000
run: setup
	$(FLASK) run --host 127.0.0.1 --port 5000

## serve: set up, then serve for production under gunicorn on the configured DATABASE_URL
##        (PORT=8000, WORKERS=2×CPUs+1, HOST=0.0.0.0; one scheduler process beside the
##        workers unless EEC_SERVE_SCHEDULER=0; see emergency/serve.py and README "Deploying")
serve: setup
	$(VENV)/bin/gunicorn --config python:emergency.serve app:app

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
