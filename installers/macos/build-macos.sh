#!/usr/bin/env bash
# Build the Samen client for macOS: dist/Samen.app and dist/samen-<version>-macos-<arch>.dmg.
#   installers/macos/build-macos.sh
# Needs macOS 13 or later with python3.11 and Xcode's command-line tools (codesign, notarytool,
# stapler, hdiutil). <arch> is this Mac's (arm64 or x86_64): PyInstaller builds for the
# architecture of the Python it runs on.
#
# Environment:
#   SAMEN_MAC_IDENTITY    signing identity, e.g. "Developer ID Application: Name (TEAMID)".
#                         Unset: a development build, ad-hoc signed only (with a warning).
#   SAMEN_NOTARY_PROFILE  notarytool keychain profile (xcrun notarytool store-credentials).
#                         Unset: not notarised (with a warning). Needs SAMEN_MAC_IDENTITY.
#   SAMEN_SKIP_SETUP=1    use .venv as it is.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=.venv/bin/python
if [ "${SAMEN_SKIP_SETUP:-}" != 1 ]; then
  [ -x "$python" ] || python3.11 -m venv .venv
  "$python" -m pip install --upgrade pip
  # The client and PyInstaller only: the server and the test tools stay out of the build.
  "$python" -m pip install -e . "pyinstaller>=6.10"
fi
version="$("$python" -c 'import desktop; print(desktop.__version__)')"
arch="$(uname -m)"
app=dist/Samen.app
dmg="dist/samen-$version-macos-$arch.dmg"
entitlements=installers/macos/entitlements.plist
identity="${SAMEN_MAC_IDENTITY:-}"
profile="${SAMEN_NOTARY_PROFILE:-}"

warn() { printf '\n*** WARNING: %s\n\n' "$*" >&2; }

# The store check writes to a scratch folder: building creates no learner data. Extra
# arguments go before --selftest, e.g. nothing, or an environment for Qt's platform.
selftest() {
  local scratch
  scratch="$(mktemp -d)"
  if ! "$@" "$app/Contents/MacOS/samen" --data-dir "$scratch" --selftest; then
    rm -rf "$scratch"
    echo "The self-test failed on $app." >&2
    exit 1
  fi
  rm -rf "$scratch"
}

# The compiled catalogues (.mo, not in git) the bundle speaks Dutch and English with.
"$python" -m babel.messages.frontend compile -d resources/translations -D samen >/dev/null
rm -rf "$app" dist/samen
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller installers/samen.spec
# The keyring check uses the login Keychain of the account running the build.
selftest env QT_QPA_PLATFORM=offscreen

if [ -n "$identity" ]; then
  # Inside out, without --deep (which skips code it does not recognise as nested and signs
  # everything with the app's entitlements): every Mach-O file first, deepest first, then each
  # .framework bundle (sealing its resources), then the app, whose main executable alone gets
  # the hardened-runtime entitlements. --timestamp: notarisation requires a secure timestamp.
  sign() {
    codesign --force --timestamp --options runtime --sign "$identity" "$@"
  }
  while IFS= read -r file; do
    if file --brief "$file" | grep -q 'Mach-O'; then sign "$file"; fi
  done < <(find "$app/Contents" -type f ! -path "$app/Contents/MacOS/samen" \
    | awk -F/ '{ print NF "\t" $0 }' | sort -rn | cut -f2-)
  while IFS= read -r framework; do
    sign "$framework"
  done < <(find "$app/Contents" -type d -name '*.framework' \
    | awk -F/ '{ print NF "\t" $0 }' | sort -rn | cut -f2-)
  sign --entitlements "$entitlements" "$app"
  codesign --verify --strict --deep --verbose=2 "$app"
  # Again, now under the hardened runtime and library validation, with the real Cocoa platform
  # plugin: a library refused here would break the app on every learner's Mac.
  selftest env
else
  warn "SAMEN_MAC_IDENTITY is not set: $app is only ad-hoc signed. Fine on this Mac for
development; Gatekeeper blocks it on any other Mac, so never publish it."
fi

field() {  # one field of notarytool's JSON answer, empty when absent
  "$python" -c 'import json, sys; print(json.loads(sys.stdin.read() or "{}").get(sys.argv[1], ""))' "$1"
}
notarise() {  # submit, wait, and fail unless Apple accepted it
  local result id status
  # Its exit code alone does not tell a rejected submission; the JSON status does.
  result="$(xcrun notarytool submit "$1" --keychain-profile "$profile" --wait --output-format json)" || true
  id="$(printf '%s' "$result" | field id)"
  status="$(printf '%s' "$result" | field status)"
  if [ "$status" != Accepted ]; then
    [ -z "$id" ] || xcrun notarytool log "$id" --keychain-profile "$profile" >&2 || true
    echo "Notarisation of $1 ended as '${status:-no answer}': $result" >&2
    exit 1
  fi
}

if [ -n "$identity" ] && [ -n "$profile" ]; then
  # The app gets its own ticket, stapled, so Gatekeeper can check it on a Mac that is offline
  # when the learner first opens it, also after it was copied out of the disk image.
  ditto -c -k --keepParent "$app" dist/Samen-notarise.zip
  notarise dist/Samen-notarise.zip
  rm -f dist/Samen-notarise.zip
  xcrun stapler staple "$app"
  xcrun stapler validate "$app"
  spctl --assess --type execute --verbose=2 "$app"
elif [ -n "$identity" ]; then
  warn "SAMEN_NOTARY_PROFILE is not set: $app is signed but not notarised; Gatekeeper
blocks it on other Macs until it is."
elif [ -n "$profile" ]; then
  warn "SAMEN_NOTARY_PROFILE is set but SAMEN_MAC_IDENTITY is not: Apple notarises only
Developer ID-signed apps, so this build is not notarised."
fi

# The disk image: the app and a link to /Applications to drag it onto.
stage="$(mktemp -d)"
ditto "$app" "$stage/Samen.app"
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
hdiutil create -volname Samen -srcfolder "$stage" -ov -format UDZO "$dmg"
rm -rf "$stage"
if [ -n "$identity" ]; then
  codesign --force --timestamp --sign "$identity" "$dmg"
  if [ -n "$profile" ]; then
    notarise "$dmg"
    xcrun stapler staple "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg"
  fi
fi
shasum -a 256 "$dmg" | sed 's|dist/||' > "$dmg.sha256"
echo "Built $app and $dmg ($(du -sh "$dmg" | cut -f1))."
