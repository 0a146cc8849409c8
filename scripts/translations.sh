#!/usr/bin/env bash
# The client's translation catalogues, with Babel's standard gettext tools (docs/translating.md):
#   scripts/translations.sh extract   every marked sentence into resources/translations/samen.pot
#   scripts/translations.sh update    extract, then bring each <lang>/LC_MESSAGES/samen.po up to date
#   scripts/translations.sh compile   the .po catalogues into the .mo files Samen loads
#   scripts/translations.sh new LANG  start a catalogue for another language
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel="${PYBABEL:-.venv/bin/pybabel}"
dir=resources/translations

extract() {
  # Sorted by sentence and located by file only: an edit elsewhere in a file leaves the
  # catalogues alone, so two people's changes rarely clash there.
  "$pybabel" extract -F "$dir/babel.cfg" -k counted:1,2 -c "Translators:" \
    --add-location=file --sort-output --no-wrap --project=Samen --copyright-holder="Samen" \
    --msgid-bugs-address="https://github.com/samen-academy/samen/issues" \
    -o "$dir/samen.pot" .
}

case "${1:-}" in
  extract) extract ;;
  update)
    extract
    "$pybabel" update -i "$dir/samen.pot" -d "$dir" -D samen --ignore-obsolete --no-wrap
    # English is the source language: its catalogue says each sentence as the code does,
    # and is there for plural forms and for an editor's rewording.
    .venv/bin/python scripts/english_catalogue.py "$dir/en/LC_MESSAGES/samen.po"
    ;;
  compile) "$pybabel" compile -d "$dir" -D samen --statistics ;;
  new)
    lang="${2:?which language, e.g. de}"
    "$pybabel" init -i "$dir/samen.pot" -d "$dir" -D samen -l "$lang" --no-wrap
    ;;
  *) sed -n '2,6p' "$0" >&2; exit 2 ;;
esac
