# The two commands: `make run` and `make test`. Everything else is what they stand on.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
PYTEST_ARGS ?=

.PHONY: run test lint lock install install-dev db demo clean translations messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs the lock files: every package, transitive ones too, pinned with their hashes (pip refuses anything else).
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# After changing requirements*.txt: regenerate the lock files (pip-tools), then commit all four.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links
lock: install-dev
	$(PIP_COMPILE) --output-file requirements.lock requirements.txt
	$(PIP_COMPILE) --output-file requirements-dev.lock requirements-dev.txt

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# The French and Spanish catalogues, compiled for the app (the .po files are the source; .mo files are not kept).
I18N := tracker/translations
translations: install
	$(BIN)/pybabel -q compile -f -d $(I18N)

# After adding or changing strings: extract them and add the new ones to each catalogue, to be translated.
# (Only hidden folders are skipped: pybabel's default would skip templates/_macros too.)
messages: install
	$(BIN)/pybabel -q extract -F $(I18N)/babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--ignore-dirs='.*' --project=metropolis-tracker -o $(I18N)/messages.pot .
	$(BIN)/pybabel -q update -i $(I18N)/messages.pot -d $(I18N) --no-fuzzy-matching --ignore-obsolete

db: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed plan
	$(BIN)/flask users ensure-admin

# The web server and a job worker together (the worker sends the email; without MAIL_SERVER it writes each one to
# instance/outbox/). A background process of a script ignores Ctrl+C, so the trap stops the worker when the server
# ends, however it ends; Ctrl+C reaches the server, which ends.
run: db
	@echo "Serving the tracker on http://127.0.0.1:$(PORT) with a job worker (Ctrl+C stops both)"
	@export BASE_URL=$${BASE_URL:-http://127.0.0.1:$(PORT)}; \
	$(BIN)/flask jobs worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

demo: db
	$(BIN)/flask seed demo

test: install-dev translations
	bash tests/setup_browser.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff with the project's rules (.ci/ruff.toml: complexity 10 for new code), then a ceiling of 15 that no
# function anywhere may pass, `noqa` or not.
LINTED := tracker tests bench migrations config.py wsgi.py
lint: install-dev
	$(BIN)/ruff check --config .ci/ruff.toml $(LINTED)
	$(BIN)/ruff check --config .ci/ruff.toml --select C901 --ignore-noqa --config lint.mccabe.max-complexity=15 $(LINTED)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
