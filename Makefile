# Everything the project needs is installed from here (and pyproject.toml); nothing
# by hand. `make demo` sets up and shows the Stuttgart plan, `make test` runs all tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint check bench compare wheel clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The Stuttgart plan in the default SQLite database (see `tracker db path`), loaded
# once, and its status as on 20.09.2011, the day of the Lord Mayor's statement.
# A database an older tracker made is migrated first (with a backup; quiet when there is
# nothing to do or no database yet).
demo: install
	@$(BIN)/tracker db upgrade 2>/dev/null | grep -v "is up to date" || true
	@$(BIN)/tracker --today 20.09.2011 status >/dev/null 2>&1 \
	  || $(BIN)/tracker --today 20.09.2011 init --plan stuttgart-2012
	$(BIN)/tracker --today 20.09.2011 status

# All tests, one worker per core (pytest-xdist), PostgreSQL included where this machine
# can run it (.ci/postgres starts the local cluster as root; elsewhere set
# TRACKER_TEST_PG_URL yourself). As root, Debian's chromium is installed for the HTML
# report's browser test; where that is not possible the test skips (outside CI).
test: install
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	      || echo "chromium could not be installed: the HTML report's browser test skips"; \
	  else echo "chromium not installed: the HTML report's browser test skips (apt-get install chromium)"; fi; \
	fi
	@url="$${TRACKER_TEST_PG_URL:-$$(.ci/postgres 2>/dev/null)}"; \
	  if [ -z "$$url" ]; then echo "PostgreSQL not available: its tests skip (set TRACKER_TEST_PG_URL)"; fi; \
	  TRACKER_TEST_PG_URL="$$url" $(BIN)/python -m pytest -n auto

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tracker

check: lint test

bench: install
	$(BIN)/python bench/startup.py

# Cold-process times at 1,000 / 10,000 / 100,000 items beside Taskwarrior (issue #8);
# databases are made once by bench/make_data.py and cached in bench/.data/.
# `make compare COMPARE_ARGS="--sizes 1000 --runs 3"` for a quick run.
COMPARE_ARGS ?= --memory
compare: install
	$(BIN)/python bench/compare.py $(COMPARE_ARGS)

wheel: install
	rm -rf dist
	$(BIN)/python -m build --wheel --outdir dist . >/dev/null

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis
