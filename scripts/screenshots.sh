#!/usr/bin/env bash
# Render every main screen of the window at 1366x768 and 1024x700, in English into
# docs/screenshots/ and in Dutch into docs/screenshots/nl/
# (a demo academy on 127.0.0.1, the demo learner, a throwaway data folder), under Xvfb with
# Qt's xcb platform as on a desktop. Arguments go to scripts/screenshots.py (--size WxH, --out, --language nl).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
export QT_QPA_PLATFORM=xcb
exec xvfb-run -a -s "-screen 0 1920x1080x24" \
  dbus-run-session -- .venv/bin/python scripts/screenshots.py "$@"
