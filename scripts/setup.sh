#!/usr/bin/env bash
# Set up everything Samen needs on a Debian/Ubuntu machine with Python 3.11+:
# the system libraries Qt, QtMultimedia and the tests need (apt), and a virtualenv in .venv.
#   scripts/setup.sh          app + demo server
#   scripts/setup.sh dev      everything the test suite needs too
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-server}"
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi

# Qt's xcb/offscreen platforms, QtMultimedia (PulseAudio, GL), fonts, D-Bus.
apt_packages=(
  libegl1 libgl1 libopengl0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1
  libpulse0 libasound2 libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxi6
  fonts-dejavu-core ffmpeg espeak-ng python3-venv
)
if [ "$extras" = "dev" ]; then
  # chromium: the supporter's web page is tested in a real headless browser (Playwright).
  # binutils: PyInstaller reads and strips ELF files; desktop-file-utils and appstream validate
  # the Linux desktop entry and metadata; xz-utils packs the bundle.
  # postgresql: the server and integration suites also run on PostgreSQL (scripts/postgres.sh).
  apt_packages+=(xvfb xauth x11-utils dbus dbus-x11 gnome-keyring chromium
    binutils desktop-file-utils appstream xz-utils postgresql)
fi
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
    echo "Samen needs these system packages; as root, run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python="${PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      python="$candidate"; break
    fi
  done
fi
if [ -z "$python" ]; then
  echo "Samen needs Python 3.11 or newer (apt-get install python3)." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# Reinstall only when the dependencies or the extras changed ("dev" includes "server").
stamp=".venv/.samen-setup-$extras"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$extras" = "server" ] && [ -f .venv/.samen-setup-dev ] \
  && [ "$(cat .venv/.samen-setup-dev)" = "$want" ]; then
  stamp=".venv/.samen-setup-dev"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$want" > "$stamp"
fi

# The translation catalogues Samen and the academy load (compiled from the .po files in
# resources/translations and server/translations).
scripts/translations.sh compile >/dev/null 2>&1 \
  || { echo "The translation catalogues did not compile: run scripts/translations.sh compile" >&2; exit 1; }
