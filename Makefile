# Syndicate — developer commands. `make run` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Extra arguments: `make test PYTEST_ARGS="-k feeds -x"`, `make bench BENCH_ARGS="--duration 5"`.
PYTEST_ARGS ?=
BENCH_ARGS ?=
# Every dependency and tool (the dev extras included), pinned with hashes: `make lock`.
LOCK := requirements.lock
# `make lock UPGRADE=1` moves every pin to the newest version pyproject.toml allows.
UPGRADE ?=
# The virtual environment is (re)built when pyproject.toml or the lock file changes, and only then.
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-feeds install lock clean

# Installs exactly the locked versions, then Syndicate itself without resolving anything
# (built by the locked setuptools);
# `pip check` fails when pyproject.toml asks for something the lock lacks (run `make lock`).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@$(BIN)/pip check || { echo "$(LOCK) does not satisfy pyproject.toml: run make lock"; exit 1; }
	touch $(STAMP)

install: $(STAMP)

# Rewrites the lock from pyproject.toml for Python 3.11 and newer on every platform. Pins
# already in the lock are kept unless pyproject.toml excludes them, so running it again
# changes nothing; UPGRADE=1 re-resolves everything to the newest allowed versions.
lock:
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && \
		$(BIN)/pip install --quiet "$$(grep -Eo '^uv==[^ ]+' $(LOCK) 2>/dev/null || echo uv)"; }
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra postgres --extra redis \
		--universal --python-version 3.11 --generate-hashes --quiet \
		--custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade) --output-file $(LOCK)

# The whole service: the site and the outbox worker. Links printed by the demo and sent in
# e-mails follow PORT (see [site] base_url).
run: $(STAMP)
	$(BIN)/syndicate db upgrade
	PORT=$(PORT) $(BIN)/syndicate demo
	$(BIN)/syndicate serve --host 127.0.0.1 --port $(PORT)

# One test process per core, the quick property-test depth (CI runs the thorough one).
# --dist loadgroup keeps each group of tests/conftest.py (the browser tests, the served
# instances) in one process, so their servers start once; the groups start first.
# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE):
# every server and command the tests start would otherwise compile the project again.
test: $(STAMP)
	@echo "Running every test on $$(nproc) cores: about 3 minutes on a quiet 2-core machine."
	@echo "Each dot is a passed test; the percentage is how far the run has got."
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n auto --dist loadgroup --durations=5 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check syndicate feeds licenses tests bench migrations
	$(BIN)/ruff format --check syndicate feeds licenses tests bench migrations
	$(BIN)/mypy
	@$(MAKE) --no-print-directory audit

# pip-audit checks every installed distribution against PyPI's advisory data. A known
# vulnerability always fails (pip-audit prints "Found N known vulnerabilities" and exits 1).
# Only when the advisory service cannot be reached (no network, or a package mirror without
# PyPI's JSON API, which leaves every package "not found") does it report without failing.
AUDIT_UNREACHABLE := ConnectionError|Max retries exceeded|Name or service not known|Temporary failure in name resolution|Read timed out|Network is unreachable|Connection refused|Dependency not found on PyPI and could not be audited
audit: $(STAMP)
	@out="$$($(BIN)/pip-audit --skip-editable --progress-spinner off 2>&1)"; status=$$?; \
	if echo "$$out" | grep -Eq 'Found [0-9]+ known vulnerabilit'; then \
		echo "$$out"; exit 1; \
	fi; \
	unaudited=$$(echo "$$out" | grep -Ec '$(AUDIT_UNREACHABLE)'); \
	if [ "$$unaudited" -gt 0 ]; then \
		echo "$$out" | grep -Ev 'could not be audited' | head -n 20; \
		echo "pip-audit could not complete: $$unaudited dependencies could not be checked because the advisory service was not reachable (report only)"; \
		exit 0; \
	fi; \
	echo "$$out"; exit $$status

bench: $(STAMP)
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

# Partner feeds on SQLite and PostgreSQL, 1,000 and 100,000 articles (about 5 minutes).
bench-feeds: $(STAMP)
	$(BIN)/python bench/feeds.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
