# Portique. `make demo` and `make test` need only python3 (with its venv module) and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: install translations demo test lint format bench services node clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "Cannot create $(VENV): install Python's venv module (Debian: apt-get install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# Compiled from the .po files by Babel, so that no GNU gettext is needed.
translations: install
	@PORTIQUE_DEBUG=true PORTIQUE_VAR_DIR=$$(mktemp -d) $(BIN)/portique compiletranslations

demo: install translations
	PORT=$(PORT) $(BIN)/portique demo --port $(PORT)

# CLOCK_SHIFT moves every clock the suite and what it starts read (Debian's faketime):
# `make test CLOCK_SHIFT=+400d` runs it a year ahead, `CLOCK_SHIFT=-30d` a month back.
test: install translations services node
	$(if $(CLOCK_SHIFT),faketime -f $(CLOCK_SHIFT)) $(BIN)/pytest

# The end-to-end tests drive Debian's Chromium, the LDAP tests a real slapd, the Kerberos tests
# a real MIT KDC and kadmind (krb5-user's kadmin is what the Kerberos target runs) and the
# Active Directory tests a real Samba AD domain controller (tests/samba_dc.py); faketime moves
# the clock for CLOCK_SHIFT. Install them when missing and we can (root). Otherwise those tests
# are skipped locally, with a message naming what to install, and fail in CI.
services:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	  [ -x /usr/sbin/slapd ] || missing="$$missing slapd ldap-utils"; \
	  [ -x /usr/sbin/krb5kdc ] || missing="$$missing krb5-kdc"; \
	  [ -x /usr/sbin/kadmind ] || missing="$$missing krb5-admin-server"; \
	  [ -x /usr/bin/kinit ] && [ -x /usr/bin/kadmin ] || missing="$$missing krb5-user"; \
	  { [ -x /usr/sbin/samba ] && [ -d /usr/share/samba/setup/ad-schema ]; } || \
	    missing="$$missing samba samba-ad-dc samba-ad-provision winbind openssl"; \
	  command -v faketime >/dev/null 2>&1 || missing="$$missing faketime"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "Installing$$missing"; apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	    else echo "Missing$$missing: those tests will be skipped (apt-get install$$missing)."; fi; \
	  fi

# axe-core, which the end-to-end tests run in Chromium to check every page's accessibility,
# and oidc-provider, the OpenID Connect provider of the single sign-on tests (package.json,
# pinned by package-lock.json; the CAS server, django-cas-server, comes with the dev
# extras). Without node, those tests are skipped locally, with a message, and fail in CI.
node:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory node_modules/.installed; \
	else echo "Missing node and npm: the accessibility tests will be skipped (apt-get install nodejs npm)."; fi

node_modules/.installed: package.json $(wildcard package-lock.json)
	@if [ -f package-lock.json ]; then npm ci --prefer-offline --no-audit --no-fund --loglevel=error; \
	else npm install --no-audit --no-fund --loglevel=error; fi
	@touch $@

bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || status=1; done; exit $${status:-0}

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PORTIQUE_DEBUG=true PORTIQUE_VAR_DIR=$$(mktemp -d) $(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache .mypy_cache .ruff_cache node_modules test-results
