# Brigade — the two commands a newcomer needs:
#   make run    set everything up and start Brigade (embedded PostgreSQL, local storage)
#   make test   set everything up and run every check and test
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UI := annotation_ui
STAMP := $(VENV)/.installed

.PHONY: run test setup browser ui lint typecheck pytest uitest demo worker migrate clean

run: setup ui
	$(BIN)/brigade migrate
	$(BIN)/brigade demo
	$(BIN)/brigade run

test: setup ui lint typecheck uitest pytest

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Brigade needs $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(UI)/node_modules/.package-lock.json: $(UI)/package-lock.json
	cd $(UI) && npm ci --no-audit --no-fund
	touch $@

# The browser tests (tests/browser) drive Debian's Chromium through Playwright; Playwright's own
# browser downloads cannot work on these machines, so never `playwright install`. Only the tests
# need it, so `make run` does not install it.
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The browser tests need $(CHROMIUM): run 'sudo apt-get install -y chromium'"; exit 1; \
	  fi; }

ui: $(UI)/node_modules/.package-lock.json
	cd $(UI) && npm run build

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

uitest: $(UI)/node_modules/.package-lock.json
	cd $(UI) && npm test

pytest: setup browser
	$(BIN)/pytest -q

demo: setup
	$(BIN)/brigade demo

worker: setup
	$(BIN)/brigade worker

migrate: setup
	$(BIN)/brigade migrate

clean:
	rm -rf $(VENV) $(UI)/node_modules $(UI)/dist var .pytest_cache .mypy_cache .ruff_cache
