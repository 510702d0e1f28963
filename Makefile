# Quick start: `make run` serves the demo at http://127.0.0.1:8000, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
GUNICORN := $(VENV)/bin/gunicorn
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve backup restore test lint format check-migrations demo clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

run: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py ensure_local_admin
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Production: static files collected for whitenoise, migrations applied, then gunicorn (settings in
# gunicorn.conf.py) on $(HOST):$(PORT) behind the reverse proxy; configure it with the environment (README).
# The deployment check prints what the environment leaves unsafe, without stopping the server.
serve: $(VENV)/.installed
	$(PY) manage.py check --deploy
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	$(GUNICORN) config.wsgi --config gunicorn.conf.py --bind $(HOST):$(PORT)

# One archive with the database and the media files, in backups/ (BACKUP_ROOT); restore asks first.
backup: $(VENV)/.installed
	$(PY) manage.py backup

restore: $(VENV)/.installed
	@test -n "$(ARCHIVE)" || { echo "usage: make restore ARCHIVE=backups/testimony-<time>.tar.gz"; exit 2; }
	$(PY) manage.py restore "$(ARCHIVE)"

test: $(VENV)/.installed
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-migrations: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
