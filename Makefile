# Two commands for a new user: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= repat.settings.dev

.PHONY: run test cluster-test setup lint messages bench bench-db bench-database load bench-reminders bench-manifest

# The virtualenv's packages are installed by uv (Astral's installer, pinned here, itself installed by pip):
# the same wheels from PyPI as pip's, fetched and unpacked in parallel, in about 6 s instead of pip's 20.
# pip compiled every package's bytecode as it installed it; uv leaves it to the first process that
# imports each module, unless PYTHONDONTWRITEBYTECODE forbids that process to write it.
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
UV_INSTALL = $(UV) pip install --quiet --python $(PY) $(if $(PYTHONDONTWRITEBYTECODE),--compile-bytecode)
$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Repat needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(UV_INSTALL) -r requirements.txt
	@touch $@

setup: $(VENV)/.installed
	@mkdir -p var
	$(PY) manage.py migrate --noinput

run: setup
	$(PY) manage.py seed_demo
	$(PY) -m repat.devserver

# The suite runs in parallel (pytest-xdist): one process per CPU core, at most 4. TEST_WORKERS=0 runs
# it in this process; the scheduling options are in pyproject.toml. TEST_ARGS passes pytest options
# (a file, `-k`, `-m "not own_servers"`). It needs the virtualenv, not `setup`'s migrated development
# database: each process migrates a test database of its own (a whole migrate, 10-20 s, saved twice in CI).
TEST_WORKERS ?= auto
TEST_ARGS ?=
test: $(VENV)/.installed
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=repat.settings.test $(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 4 $(TEST_ARGS)

# The cluster test (tests/ops/test_cluster.py, docs/deploy.md): two web nodes, two workers and beat
# on a PostgreSQL primary and replica, Redis and an S3-compatible store, all of its own on spare
# ports; then Redis and PostgreSQL restarted and a worker killed. Needs PostgreSQL's server binaries
# and redis-server, not the machine's running servers.
cluster-test: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=repat.settings.test $(PY) -m pytest -m cluster -n 0 -p no:cacheprovider --durations=3 tests/ops/test_cluster.py

lint: $(VENV)/.installed
	@mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# Developers: refresh the translation catalogues after changing strings (needs GNU gettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale ru --locale ky --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'

# The reminder sweep over N open follow-ups and N open referrals, on a PostgreSQL database of its own.
BENCH_DB_NAME ?= repat_bench
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB_NAME)
N ?= 200000
bench-reminders: bench-database
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py bench_sweep --items $(N) --yes

# The page benchmark (docs/benchmarks.md): fill the benchmark database with N people (unless it
# already holds exactly N), then time the main pages as each role. `make bench N=1000000`.
BENCH_REDIS ?= redis://127.0.0.1:6379/2
BENCH_OUT ?= docs/benchmarks.md
REPEATS ?= 20
BENCH_ENV = DATABASE_URL=$(BENCH_DB) REDIS_URL=$(BENCH_REDIS) DJANGO_SETTINGS_MODULE=repat.settings.bench
bench-database: $(VENV)/.installed
	psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$(BENCH_DB_NAME)'" | grep -q 1 \
	  || createdb -h 127.0.0.1 -U postgres $(BENCH_DB_NAME)
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py migrate --noinput -v0

bench-db: bench-database
	[ "$$(psql "$(BENCH_DB)" -tAc 'SELECT count(*) FROM cases_returnee')" = "$(N)" ] \
	  || $(BENCH_ENV) $(PY) manage.py seed_scale --people $(N) --replace

bench: bench-db
	$(BENCH_ENV) $(PY) manage.py bench --repeats $(REPEATS) --output $(BENCH_OUT) $(BENCH_FLAGS)

# The manifest import (docs/benchmarks.md, "Manifest import"): a 300- and a ROWS-person manifest
# previewed and registered against the N people of the benchmark database. Registering writes, so
# it runs on a copy (MANIFEST_DB), dropped at the end.
MANIFEST_DB ?= manifest_bench
ROWS ?= 10000
bench-manifest: bench-db
	dropdb -h 127.0.0.1 -U postgres --if-exists $(MANIFEST_DB)
	createdb -h 127.0.0.1 -U postgres -T $(BENCH_DB_NAME) $(MANIFEST_DB)
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(MANIFEST_DB) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(MANIFEST_DB) REDIS_URL=$(BENCH_REDIS) DJANGO_SETTINGS_MODULE=repat.settings.bench \
	  $(PY) manage.py bench_manifest --rows 300 --commit
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(MANIFEST_DB) REDIS_URL=$(BENCH_REDIS) DJANGO_SETTINGS_MODULE=repat.settings.bench \
	  $(PY) manage.py bench_manifest --rows $(ROWS) --commit
	dropdb -h 127.0.0.1 -U postgres $(MANIFEST_DB)

# The load test: 20 people of every role for SECONDS against gunicorn, driven by locust.
SECONDS ?= 60
$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.installed
	$(UV_INSTALL) -r requirements-bench.txt
	@touch $@

load: bench-db $(VENV)/.bench-installed
	$(BENCH_ENV) $(PY) manage.py bench_load --users 20 --seconds $(SECONDS) --output $(BENCH_OUT) $(LOAD_FLAGS)
