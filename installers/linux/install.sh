#!/usr/bin/env bash
# Install (or update, or remove) this Samen bundle for the current user: no root, no pip.
#   ./install.sh             copy to ~/.local/opt/samen, add `samen` to ~/.local/bin and the menu
#   ./install.sh --uninstall remove them again (your courses, work and login stay)
# Set PREFIX to install elsewhere (PREFIX=/opt/samen BIN_DIR=/usr/local/bin as root for everyone).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
prefix="${PREFIX:-$HOME/.local/opt/samen}"
bin_dir="${BIN_DIR:-$HOME/.local/bin}"
share="${SHARE_DIR:-$data_home}"
app_id="org.samen.Samen"

case "$prefix" in
  /*) ;;
  *) prefix="$PWD/$prefix" ;;  # the launcher and the menu entry need a full path
esac
# Only ever replace or remove a folder that holds a Samen bundle (or nothing at all).
if [ -e "$prefix" ] && ! { [ -x "$prefix/samen" ] && [ -d "$prefix/_internal" ]; }; then
  echo "$prefix exists and is not a Samen installation; choose another PREFIX." >&2
  exit 1
fi

refresh_menus() {
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$prefix"
  rm -f "$bin_dir/samen" "$share/applications/$app_id.desktop" "$share/metainfo/$app_id.metainfo.xml" \
    "$share/icons/hicolor/scalable/apps/$app_id.svg"
  refresh_menus
  echo "Samen is removed. Your courses and work are still in $data_home/Samen."
  exit 0
fi

if [ ! -x "$here/samen" ] || [ ! -d "$here/_internal" ]; then
  echo "install.sh must stay in the unpacked Samen folder (next to the 'samen' program)." >&2
  exit 1
fi
# Copy next to the old version first, then swap, so a failed copy leaves a working install.
mkdir -p "$(dirname "$prefix")" "$bin_dir" "$share/applications" "$share/metainfo" \
  "$share/icons/hicolor/scalable/apps"
if [ "$here" != "$prefix" ]; then
  rm -rf "$prefix.new"
  cp -a "$here" "$prefix.new"
  rm -rf "$prefix.old"
  if [ -e "$prefix" ]; then mv "$prefix" "$prefix.old"; fi
  mv "$prefix.new" "$prefix"
  rm -rf "$prefix.old"
fi
ln -sfn "$prefix/samen" "$bin_dir/samen"
# The menu entry names the program by its full path (~/.local/bin is not on every desktop's
# PATH), quoted as the desktop entry spec asks: inside quotes, \ " ` and $ take a backslash.
quoted="$prefix/samen"
quoted="${quoted//\\/\\\\\\\\}"
quoted="${quoted//\"/\\\\\"}"
quoted="${quoted//\`/\\\\\`}"
quoted="${quoted//\$/\\\\\$}"
while IFS= read -r line; do
  case "$line" in
    Exec=samen*) printf 'Exec="%s"%s\n' "$quoted" "${line#Exec=samen}" ;;
    TryExec=samen) printf 'TryExec=%s\n' "$prefix/samen" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$prefix/share/applications/$app_id.desktop" > "$share/applications/$app_id.desktop"
cp "$prefix/share/metainfo/$app_id.metainfo.xml" "$share/metainfo/"
cp "$prefix/share/icons/hicolor/scalable/apps/$app_id.svg" "$share/icons/hicolor/scalable/apps/"
refresh_menus
echo "Samen is installed in $prefix. Start it from your menu, or run: samen"
# The check uses a scratch folder (installing creates no learner data) and gives up after a
# minute (a keyring that waits for an unlock prompt nobody sees).
scratch="$(mktemp -d)"
if ! timeout 60 "$prefix/samen" --data-dir "$scratch" --selftest >/dev/null 2>&1; then
  echo "Note: the self-test reported a problem; run '$prefix/samen --selftest' to see it." >&2
fi
rm -rf "$scratch"
