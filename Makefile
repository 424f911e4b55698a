# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PORT ?= 8000
# A reachable PostgreSQL makes `make test` run the suite a second time there.
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
OFFSITE = $(VENV)/bin/offsite

.PHONY: install run test lint format clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip==25.3
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(OFFSITE) run --demo --port $(PORT)

lint: install
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

format: install
	$(VENV)/bin/ruff check --fix src tests
	$(VENV)/bin/ruff format src tests

test: lint
	env -u DATABASE_URL $(VENV)/bin/pytest
	@if $(VENV)/bin/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "PostgreSQL at $(PG_URL): running the suite there too"; \
		DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest; \
	elif [ "$$OFFSITE_REQUIRE_POSTGRES" = 1 ]; then \
		echo "PostgreSQL is required here and $(PG_URL) is not reachable" >&2; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(PG_URL): suite ran on SQLite only"; \
	fi

clean:
	rm -rf $(VENV) var build src/*.egg-info test-artifacts
