#!/usr/bin/env bash
# Run the whole test suite, on SQLite and then on a throwaway PostgreSQL, from a fresh machine.
#
#   bash tests/run.sh [pytest args...]
#
# Creates .venv and installs the project with its test extra if needed, and .venv-localstripe
# (the Stripe test server, kept apart from the project's dependencies); installs PostgreSQL
# from Debian's packages when it is missing and we are root; starts a private cluster on
# loopback under /tmp (fsync off), runs pytest twice, and removes the cluster. With CI=true
# any missing piece is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf '\n== %s\n' "$*"; }

# --- Python environment --------------------------------------------------------------------
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
STAMP=.venv/.stallkit-installed
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  say "installing stallkit[test]"
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install --quiet -e ".[test]"
  touch "$STAMP"
fi

# --- localstripe: a Stripe test server, GPL-3 and test-only, so in a venv of its own -----------
# Never a dependency of stallkit; tests/stripe_server.py runs it as a subprocess. Pinned: the
# payment tests rely on what this version does and does not emulate.
LOCALSTRIPE_VERSION=$(tr -d '[:space:]' <storefront/demo/localstripe-version.txt)
LS_STAMP=.venv-localstripe/.stallkit-installed
if [ "$(cat "$LS_STAMP" 2>/dev/null)" != "$LOCALSTRIPE_VERSION" ]; then
  say "installing localstripe $LOCALSTRIPE_VERSION into .venv-localstripe"
  rm -rf .venv-localstripe
  if "$PY" -m venv .venv-localstripe &&
    .venv-localstripe/bin/python -m pip install --quiet "localstripe==$LOCALSTRIPE_VERSION"; then
    echo "$LOCALSTRIPE_VERSION" >"$LS_STAMP"
  else
    rm -rf .venv-localstripe
    if [ "${CI:-}" = true ]; then
      echo "could not install localstripe; CI must not skip the payment tests" >&2
      exit 1
    fi
    echo "could not install localstripe: the payment tests will be skipped" >&2
  fi
fi

# --- system packages: PostgreSQL, and Chromium for the browser tests --------------------------
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
missing=()
[ -n "$(pg_bindir)" ] || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "installing ${missing[*]} (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
PGBIN=$(pg_bindir)
if [ -z "$PGBIN" ]; then
  echo "PostgreSQL is not installed and cannot be installed here (need root and apt-get)." >&2
  exit 1
fi

PGDIR=$(mktemp -d /tmp/stallkit-pg.XXXXXX)
PGPORT=${STALLKIT_TEST_PG_PORT:-$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
RUNAS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$PGDIR"
  RUNAS=(runuser -u postgres --)
fi
cleanup() {
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
}
trap cleanup EXIT
say "starting PostgreSQL on 127.0.0.1:$PGPORT"
"${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A trust --no-sync >/dev/null
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -w -l "$PGDIR/log" \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null

# --- axe-core for the accessibility check (npm registry; cached, not committed) ---------------
if [ ! -f tests/e2e/.cache/axe.min.js ] && command -v npm >/dev/null; then
  say "fetching axe-core from the npm registry"
  .venv/bin/python -c 'from tests.e2e.conftest import fetch_axe; fetch_axe()'
fi

# --- the suite, twice ----------------------------------------------------------------------
status=0
say "pytest on SQLite"
env -u STALLKIT_TEST_DATABASE_URL .venv/bin/python -m pytest "$@" || status=$?
say "pytest on PostgreSQL"
STALLKIT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres" .venv/bin/python -m pytest "$@" || status=$?

say "type check: mypy"
.venv/bin/mypy || status=1

say "lint: ruff and import contracts"
.venv/bin/ruff check storefront components themes popup tests bench || status=1
.venv/bin/lint-imports --config pyproject.toml >/dev/null || { .venv/bin/lint-imports --config pyproject.toml; status=1; }

if [ "$status" = 0 ]; then say "all green"; else say "FAILED (status $status)"; fi
exit "$status"
