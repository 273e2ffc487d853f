# Two commands for a new user: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE ?= repat.settings.dev

.PHONY: run test setup lint messages bench

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
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# Developers: refresh the translation catalogues after changing strings (needs GNU gettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale ru --locale ky --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'
