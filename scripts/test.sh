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
# A private session bus for the run; keyring tests start their own gnome-keyring on another.
exec dbus-run-session -- .venv/bin/pytest "$@"
