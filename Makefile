# Two commands for a new user: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= repat.settings.dev

.PHONY: run test setup lint messages bench-reminders

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Repat needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

setup: $(VENV)/.installed
	@mkdir -p var
	$(PY) manage.py migrate --noinput

run: setup
	$(PY) manage.py seed_demo
	$(PY) -m repat.devserver

test: setup
	DJANGO_SETTINGS_MODULE=repat.settings.test $(PY) -m pytest

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
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/repat_bench
N ?= 200000
bench-reminders: $(VENV)/.installed
	psql "$(BENCH_DB:/repat_bench=/postgres)" -tAc "SELECT 1 FROM pg_database WHERE datname='repat_bench'" | grep -q 1 \
	  || createdb -h 127.0.0.1 -U postgres repat_bench
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DB) $(PY) manage.py bench_sweep --items $(N) --yes
