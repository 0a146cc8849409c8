#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: lint, types, then pytest (unit, UI offscreen,
# server and integration tests against real processes on 127.0.0.1). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# The academy's suites run on SQLite and again on PostgreSQL, on a throwaway cluster on
# 127.0.0.1 (scripts/postgres.sh). SAMEN_TEST_DATABASE=postgresql with arguments: only those.
SAMEN_TEST_POSTGRES_URL="$(scripts/postgres.sh start)"
export SAMEN_TEST_POSTGRES_URL
# A private session bus for each run; keyring tests start their own gnome-keyring on another.
if [ "$#" -gt 0 ] || [ -n "${SAMEN_TEST_DATABASE:-}" ]; then
  exec dbus-run-session -- .venv/bin/pytest "$@"
fi
SAMEN_TEST_DATABASE=sqlite dbus-run-session -- .venv/bin/pytest
SAMEN_TEST_DATABASE=postgresql exec dbus-run-session -- .venv/bin/pytest tests/server tests/integration
