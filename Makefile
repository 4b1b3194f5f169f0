# The two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
STAMP := $(VENV)/.installed

.PHONY: install run test test-sqlite test-postgres lint format translations \
        extract-messages bench mutation clean vnu

install: $(STAMP) translations

$(STAMP): setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Compiled catalogues are build output; the .po files are the source.
translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d marketplace/translations

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations --no-fuzzy-matching --ignore-obsolete

run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo
	@echo "  Good Society Marketplace: http://$(HOST):$(PORT)/"
	@echo "  Demo logins:"
	@$(FLASK) demo-logins
	@echo
	@echo "  Background jobs: one huey consumer beside gunicorn (docs/queue.md)."
	@echo
	PUBLIC_URL=$${PUBLIC_URL:-http://$(HOST):$(PORT)} \
		scripts/serve.sh $(BIN) $(HOST) $(PORT) $(WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive --severity-level medium marketplace wsgi.py

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The Nu Html Checker for tests/functional/test_html_validity.py: vnu.jar from the
# npm registry's vnu-jar package (npm checks the tarball's integrity). Not in git.
VNU_VERSION := 26.9.27
VNU_DIR := build/vnu
VNU_JAR := $(VNU_DIR)/vnu.jar

vnu: $(VNU_JAR)

$(VNU_JAR): Makefile
	rm -rf $(VNU_DIR) && mkdir -p $(VNU_DIR)
	cd $(VNU_DIR) && npm pack --silent vnu-jar@$(VNU_VERSION) >/dev/null
	tar -xzf $(VNU_DIR)/vnu-jar-$(VNU_VERSION).tgz -C $(VNU_DIR) \
		--strip-components=3 package/build/dist/vnu.jar
	rm $(VNU_DIR)/vnu-jar-$(VNU_VERSION).tgz
	touch $(VNU_JAR)

# Every test on SQLite, then again on a PostgreSQL server the tests start.
test: install lint test-sqlite test-postgres

# The schemathesis cases are made at run time and pytest-xdist silently drops
# them, so the API fuzzing runs in a pytest of its own.
FUZZ := tests/functional/test_fuzz_api.py

test-sqlite: install vnu
	MARKETPLACE_TEST_DB=sqlite $(BIN)/python -m pytest -n 2 --dist loadfile --ignore=$(FUZZ)
	MARKETPLACE_TEST_DB=sqlite $(BIN)/python -m pytest $(FUZZ)

test-postgres: install vnu
	MARKETPLACE_TEST_DB=postgresql $(BIN)/python -m pytest -n 2 --dist loadfile --ignore=$(FUZZ)
	MARKETPLACE_TEST_DB=postgresql $(BIN)/python -m pytest $(FUZZ)

bench: install
	$(BIN)/python -m bench

# Mutation testing of the rule modules, each against its own tests (mutmut; slow,
# not part of `make test` or CI). MODULES=scoring filters picks some; see
# docs/testing.md.
mutation: install
	$(BIN)/python scripts/mutation.py $(MODULES)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts $(VNU_DIR)
