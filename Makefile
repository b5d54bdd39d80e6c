# Guilde — the two commands: `make run` (set up and serve) and `make test` (the whole suite).

PYTHON_VERSION := $(shell cat .python-version)
# pyenv's shim honours .python-version; without pyenv, any python3.12 on the PATH does.
PYTHON ?= $(shell command -v pyenv >/dev/null 2>&1 && pyenv which python$(PYTHON_VERSION) 2>/dev/null || command -v python$(PYTHON_VERSION))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_WORKERS ?= auto

.PHONY: run install test check lint format typecheck messages openapi demo serve clean bench

run: install
	$(BIN)/guilde migrate --noinput
	$(BIN)/guilde demo
	GUILDE_STOP_WITH_PARENT=1 $(BIN)/guilde serve

install: $(STAMP) node_modules/.installed build/static/.collected

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python $(PYTHON_VERSION) is needed (pyenv install $(PYTHON_VERSION))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the browser tests' accessibility checker (axe-core) is not installed"; fi

build/static/.collected: $(STAMP) $(shell find guilde -path '*/static/*' -type f 2>/dev/null)
	$(BIN)/guilde collectstatic --noinput --verbosity 0
	touch $@

test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -q

# Every benchmark; results in bench/results/<date>-<machine>.json (see docs/benchmarks.md).
bench: install
	$(BIN)/python bench/run_all.py

check: lint typecheck
	$(BIN)/guilde openapi --check

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy .

messages: install
	$(BIN)/guilde makemessages --locale fr --no-obsolete --ignore ".venv/*" --ignore "node_modules/*" \
		--ignore "build/*" --ignore "var/*" --ignore "*/tests/*" --ignore "bench/*"
	$(BIN)/guilde compilemessages --locale fr --ignore .venv --ignore node_modules

openapi: install
	$(BIN)/guilde openapi

demo: install
	$(BIN)/guilde migrate --noinput
	$(BIN)/guilde demo

clean:
	rm -rf $(VENV) node_modules build
