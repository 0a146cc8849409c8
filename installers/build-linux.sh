#!/usr/bin/env bash
# Build the one-folder Linux bundle of the Samen client and its archive.
#   installers/build-linux.sh     -> dist/samen/ and dist/samen-<version>-linux-<arch>.tar.xz
# The folder runs as is (dist/samen/samen) or installs per user with dist/samen/install.sh.
# Set SAMEN_SKIP_SETUP=1 to use the current .venv as it is (the tests do).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SAMEN_SKIP_SETUP:-}" != 1 ]; then
  scripts/setup.sh dev  # PyInstaller is a dev dependency; idempotent and quick when set up
fi
dist="${DIST_DIR:-dist}"
work="${WORK_DIR:-build/pyinstaller}"
version="$(.venv/bin/python -c 'import desktop; print(desktop.__version__)')"
arch="$(uname -m)"
app_id="org.samen.Samen"

# The compiled catalogues (.mo, not in git) the bundle speaks Dutch and English with.
scripts/translations.sh compile >/dev/null
rm -rf "$dist/samen"
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath "$work" installers/samen.spec

# Desktop integration files travel inside the folder, where install.sh finds them.
bundle="$dist/samen"
install -Dm644 "installers/linux/$app_id.desktop" "$bundle/share/applications/$app_id.desktop"
install -Dm644 "installers/linux/$app_id.metainfo.xml" "$bundle/share/metainfo/$app_id.metainfo.xml"
install -Dm644 resources/icons/samen.svg "$bundle/share/icons/hicolor/scalable/apps/$app_id.svg"
install -Dm755 installers/linux/install.sh "$bundle/install.sh"

archive="$dist/samen-$version-linux-$arch.tar.xz"
# Reproducible order and owners, so two builds of one commit give the same archive listing.
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$dist" -cf - samen | xz -6 -T0 > "$archive"

on_disk="$(find "$bundle" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1048576}')"
packed="$(stat -c %s "$archive" | awk '{printf "%.1f", $1 / 1048576}')"
echo "Built $bundle ($on_disk MB on disk) and $archive ($packed MB)."
