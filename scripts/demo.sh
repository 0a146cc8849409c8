#!/usr/bin/env bash
# Set up (if needed) and start Samen on its embedded default: a local demo academy with demo
# content, logged in as the demo learner. Extra arguments go to `samen demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh server
exec .venv/bin/samen demo "$@"
