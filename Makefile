# The two commands of the README: `make dev` and `make test`. Both create or refresh .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_WORKERS ?= 2

.PHONY: dev test lint typecheck check venv clean bench browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The browser tests drive Debian's chromium (Playwright cannot download its browsers here): installed when
# missing and run as root; otherwise those tests are skipped with the reason.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core \
	  || echo "chromium is missing: the browser tests will be skipped"; }

dev: $(STAMP)
	$(BIN)/ppid dev $(ARGS)

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy base domain db activities workflows api ppid bench worker.py
	# The workflow sandbox re-imports workflow modules per run: let Python cache their bytecode. Two workers,
	# each running whole test files (--dist loadfile), so a file's module-scoped stack stays in one process.
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy base domain db activities workflows api ppid bench worker.py

check: lint typecheck test

# The registers on SQLite by default; ARGS="--database postgres" (a throwaway cluster from the machine's server
# binaries) or ARGS="--database both" (side by side); ARGS="--open-cases 100000" for the scale run. Every option:
# `.venv/bin/python -m bench.run --help`.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
