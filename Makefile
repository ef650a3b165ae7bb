# Two commands for a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Email links point at the port `make run` serves; a SITE_URL set in the environment wins.
SITE_URL ?= http://localhost:$(PORT)

.PHONY: run test venv var messages ocr lint format clean bench

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

var:
	mkdir -p var/broker/in var/broker/processed var/broker/control var/mail

# The German catalogue (locale/de/LC_MESSAGES/django.po) compiled to the .mo Django reads;
# needs GNU gettext's msgfmt, installed from Debian's packages when missing (a fresh machine).
messages: venv
	command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext; }
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var

# Tesseract (German + English) reads scanned lab reports and photos; the app runs without it
# (the PDF import then says so), so a machine where apt cannot install it still runs.
ocr:
	command -v tesseract >/dev/null || { apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng; } || echo "tesseract is not installed: scanned reports and photos cannot be read"

run: venv var messages ocr
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py demo_account
	@echo
	@echo "Cofactor is starting at http://localhost:$(PORT)/  (Ctrl-C stops web, worker and beat)"
	@echo "Emails are written to var/mail/ (one file per message)."
	@echo
	DJANGO_DEBUG=1 PORT=$(PORT) SITE_URL=$(SITE_URL) $(BIN)/honcho start

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: venv var messages lint
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# Real-server benchmark (not run in CI): seeds, serves with gunicorn, loads pages with wrk,
# on SQLite then PostgreSQL (BENCH_POSTGRES_URL). Needs wrk (Debian package) and PostgreSQL.
bench: venv var
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python tests/bench/bench_server.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
