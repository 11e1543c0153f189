# The two commands a newcomer needs: `make run` and `make test`. Only Python 3 is required.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test parity screenshots serve bench bench-quick install dev-install translations extract-messages lint bench-mailfault clean tools lighthouse

run: install translations ## Serve the site with a demo edition on http://127.0.0.1:5000
	$(BIN)/flask db upgrade
	$(BIN)/flask programme demo
	@echo ""
	@echo "  eventsite on http://127.0.0.1:5000"
	@echo "  Mails are not sent in development: they are printed in this terminal,"
	@echo "  with their links, and listed at http://127.0.0.1:5000/dev/outbox"
	@echo ""
	$(BIN)/flask run --host 127.0.0.1 --port 5000

serve: install translations ## Production configuration: web server (gunicorn) on http://127.0.0.1:8000 and worker
	./bin/serve

bench: dev-install translations ## Measure throughput and latency against a hello-world ceiling (see README)
	$(BIN)/python bench/run.py

bench-quick: dev-install translations ## A short benchmark run (1-2 s per measurement)
	$(BIN)/python bench/run.py --quick

bench-mailfault: dev-install translations ## Sign-ups with a hanging mail server against a healthy one (see README)
	$(BIN)/python bench/mailfault.py

# The suite on two cores (pytest-xdist, a test file per worker at a time), then the tests
# marked serial alone: several server processes or a restart under load, timing-sensitive
# beside another worker. Both parts run; the target fails if either does.
test: dev-install translations tools lint ## Run the linter and the whole test suite
	$(BIN)/pytest -n 2 --dist loadfile -m "not serial"; parallel=$$?; \
	  $(BIN)/pytest -m serial; serial=$$?; \
	  test $$parallel -eq 0 && test $$serial -eq 0

# Node tools from the npm registry, pinned, in .tools/ (git-ignored): the W3C Nu Html Checker
# (tests/test_html_validity.py, needs Java) and Lighthouse (make lighthouse, needs Chromium).
# Without npm the HTML check skips and says why (CI: fails, EVENTSITE_REQUIRE_PARITY=1).
TOOLS := .tools
tools: $(TOOLS)/.installed
$(TOOLS)/.installed:
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(TOOLS) && npm install --no-audit --no-fund --silent --prefix $(TOOLS) \
	    vnu-jar@26.9.27 lighthouse@12.2.3 && touch $@; \
	else echo "npm not found: the W3C HTML check will skip"; fi

lighthouse: dev-install translations tools ## Lighthouse (mobile) on the programme, a session, /register; scores into bench/results/lighthouse.json
	$(BIN)/python bench/lighthouse.py

parity: dev-install translations ## Only the HTTPS parity stage (Caddy + gunicorn + PostgreSQL + Redis + Chromium)
	$(BIN)/pytest -q tests/browser/test_parity_https.py tests/test_parity_shutdown.py tests/test_parity_csrf.py tests/test_scaleout.py

# The README's screenshots: taken by the browser tests, copied from test-artifacts/ to docs/.
README_SHOTS := $(foreach page,programme session register-errors sent personal dashboard,\
	$(foreach device,phone desktop,$(foreach lang,nl en,face-$(page)-$(device)-$(lang):$(page)-$(device)-$(lang))))
screenshots: dev-install translations ## Refresh docs/screenshots/ from the browser tests
	$(BIN)/pytest -q -m browser tests/browser
	mkdir -p docs/screenshots
	for pair in $(README_SHOTS); do \
	  cp "test-artifacts/screenshots/$${pair%%:*}.png" "docs/screenshots/$${pair##*:}.png"; done

install: $(VENV)/.installed
dev-install: $(VENV)/.dev-installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

translations: install ## Compile the translation catalogues (.po -> .mo)
	$(BIN)/pybabel compile --statistics -d eventsite/translations 2>&1 | grep -v "^compiling" || true

extract-messages: install ## Collect new texts into the catalogues; then translate them in the .po files
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext -o eventsite/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -w 100 -i eventsite/translations/messages.pot -d eventsite/translations

lint: dev-install ## ruff, and the layers contract (pyproject.toml [tool.importlinter])
	$(BIN)/ruff check eventsite tests config bench wsgi.py
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) .pytest_cache
