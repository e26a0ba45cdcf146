# Kefu: `make run` starts everything, `make test` runs the whole test suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
# The venv is (re)built when the pinned dependencies change; the stamp records which ones.
DEPS_STAMP := $(VENV)/.kefu-deps-$(shell cat requirements.txt constraints.txt 2>/dev/null | sha256sum | cut -c1-12)
export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export PYTHONDONTWRITEBYTECODE ?= 1

.PHONY: help run test check lint typecheck tools prepare train faq check-faq bench bench-load audit clean venv browser widget-vendor

help:
	@echo "make run    install (first time), build FAQ data, train if needed, seed, start everything"
	@echo "make test   install what is missing, lint, type-check and run the whole test suite"
	@echo "make check  only the linter (ruff) and the type checker (mypy): make lint, make typecheck"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make bench-load  load test: 50 conversations over 2 Rasa replicas for 60 s (PostgreSQL, Redis;"
	@echo "                 BENCH_RABBITMQ=1: also with the RabbitMQ event stream, side by side)"
	@echo "make audit  dependency audit (pip-audit in its own .venv-audit) of the pinned versions"

venv: $(DEPS_STAMP)

$(DEPS_STAMP): requirements.txt constraints.txt
	@py=$$(scripts/find-python310) || exit 1; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then \
	  echo "==> $(VENV) is not Python 3.10; recreating it"; rm -rf $(VENV); fi; \
	if [ ! -x $(PY) ]; then echo "==> creating $(VENV) with $$py"; "$$py" -m venv $(VENV) || exit 1; fi
	@echo "==> installing pinned dependencies into $(VENV) (first time: about 3 minutes, 3 GB)"
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	@$(PY) -m pip check >/dev/null || $(PY) -m pip check  # quiet unless something is broken
	@rm -f $(VENV)/.kefu-deps-* && touch $@
	@echo "==> dependencies installed"

run: venv
	@exec $(PY) -m bot run

prepare: venv
	@$(PY) -m bot prepare

train: venv
	@$(PY) -m faq build && $(PY) -m bot train --force

faq: venv
	@$(PY) -m faq build

check-faq: venv
	@$(PY) -m faq check

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "==> installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium >/dev/null || { echo "could not install chromium: run 'sudo apt-get install chromium'"; exit 1; }; }

test: venv browser check
	@$(PY) -m faq build
	@$(PY) -m bot train
	@$(PY) -m pytest

bench: venv
	@$(PY) -m bench

# ruff and mypy live in a venv of their own (.venv-tools; they need not fit Rasa's pins), rebuilt
# when their pins change. mypy checks the app's code against the app's venv (python_executable in
# pyproject.toml) and the stubs of requirements-stubs.txt, installed apart (.venv-tools/stubs) and
# put on that interpreter's path for mypy alone. What is checked and how strictly: pyproject.toml.
TOOLS      := .venv-tools
TOOLS_PY   ?= python3
TOOLS_STAMP := $(TOOLS)/.kefu-tools-$(shell cat requirements-tools.txt requirements-stubs.txt 2>/dev/null | sha256sum | cut -c1-12)

tools: $(TOOLS_STAMP)

$(TOOLS_STAMP): requirements-tools.txt requirements-stubs.txt
	@echo "==> installing ruff and mypy into $(TOOLS)"
	@[ -x $(TOOLS)/bin/python ] || $(TOOLS_PY) -m venv $(TOOLS) || exit 1
	@$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt
	@rm -rf $(TOOLS)/stubs && $(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check \
	  --no-deps --target $(TOOLS)/stubs -r requirements-stubs.txt
	@rm -f $(TOOLS)/.kefu-tools-* && touch $@

lint: tools
	@$(TOOLS)/bin/ruff check .

typecheck: tools venv
	@PYTHONPATH=$(CURDIR)/$(TOOLS)/stubs $(TOOLS)/bin/mypy

check: lint typecheck

# Locust is pinned with the project (requirements.txt) and resolves inside the main venv.
# BENCH_RABBITMQ=1: the same load without and with RABBITMQ_URL, every event checked in the queue;
# BENCH_LOAD_ARGS: more options of python -m bench.load (e.g. --users 20 --duration 30).
bench-load: venv
	@$(PY) -m faq build && $(PY) -m bot train
	@$(PY) -m bench.load $(if $(filter-out 0 off no false,$(BENCH_RABBITMQ)),--rabbitmq) $(BENCH_LOAD_ARGS)

# pip-audit lives in a venv of its own (it need not fit Rasa's pins) and checks every pinned
# version in constraints.txt against the PyPI/OSV advisory databases. Not part of `make test`:
# it needs those services, and an advisory published tomorrow must not break today's CI.
AUDIT_PY ?= python3
audit:
	@[ -x .venv-audit/bin/pip-audit ] || { $(AUDIT_PY) -m venv .venv-audit && .venv-audit/bin/pip install --quiet "pip-audit==2.10.1"; }
	@mkdir -p results
	@.venv-audit/bin/pip-audit -r constraints.txt --no-deps --disable-pip --progress-spinner off \
	  -f json -o results/pip-audit.json --vulnerability-service $${AUDIT_SERVICE:-pypi}; status=$$?; \
	  $(AUDIT_PY) scripts/audit-summary results/pip-audit.json || exit 1; exit $$status

# The widget needs no build: it ships socket.io-client's browser bundle from web/static/widget/vendor/.
# This refreshes that copy from the npm registry, exactly as pinned by web/widget/package-lock.json.
widget-vendor:
	@cd web/widget && npm ci --no-audit --no-fund --ignore-scripts
	@cp web/widget/node_modules/socket.io-client/dist/socket.io.min.js web/static/widget/vendor/
	@cp web/widget/node_modules/socket.io-client/LICENSE web/static/widget/vendor/socket.io-client.LICENSE
	@echo "==> web/static/widget/vendor/socket.io.min.js refreshed ($$(head -2 web/static/widget/vendor/socket.io.min.js | tail -1))"

clean:
	rm -rf models var results .pytest_cache
