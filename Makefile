# The README's two commands: `make demo` and `make test`. Both set up from nothing on a fresh machine.
# .python-version (3.12.1) makes pyenv's python3.12 resolve; the default python3 is 3.11.
PYTHON ?= python3.12
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint browser clean

demo: $(STAMP) browser
	$(BIN)/govaudit demo --db var/demo.sqlite --out var/demo-report

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found (pyenv install 3.12.1?)" >&2; exit 3; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# Debian's headless Chromium + chromedriver for the accessibility checks (a browser download at run
# time cannot work here), and a CJK font so that it renders Chinese pages and reports. Installed when
# missing and we are root. Strict: the tests run real Chromium, so a missing browser stops the build.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list :lang=zh-tw | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make: installing chromium, chromium-driver and fonts-noto-cjk from Debian"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null \
		|| { echo "make: error: could not install chromium chromium-driver fonts-noto-cjk" >&2; exit 4; }; \
	else echo "make: error: chromium/chromedriver missing: apt-get install chromium chromium-driver fonts-noto-cjk (as root)" >&2; exit 4; fi
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
		|| { echo "make: error: chromium or chromedriver still not on PATH" >&2; exit 4; }

clean:
	rm -rf $(VENV) var .pytest_cache
