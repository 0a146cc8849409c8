#!/usr/bin/env bash
# The client's translation catalogues, with Babel's standard gettext tools (docs/translating.md):
#   scripts/translations.sh extract   every marked sentence into resources/translations/samen.pot
#   scripts/translations.sh update    extract, then bring each <lang>/LC_MESSAGES/samen.po up to date
#   scripts/translations.sh compile   the .po catalogues into the .mo files Samen loads
#   scripts/translations.sh new LANG  start a catalogue for another language
# Each step does the client's catalogue (domain samen, resources/translations) and the
# academy's own (domain academy, server/translations: the server never imports the client).
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel="${PYBABEL:-.venv/bin/pybabel}"
dir=resources/translations
server_dir=server/translations

extract() {
  # Sorted by sentence and located by file only: an edit elsewhere in a file leaves the
  # catalogues alone, so two people's changes rarely clash there.
  "$pybabel" extract -F "$dir/babel.cfg" -k counted:1,2 -c "Translators:" \
    --add-location=file --sort-output --no-wrap --project=Samen --copyright-holder="Samen" \
    --msgid-bugs-address="https://github.com/samen-academy/samen/issues" \
    -o "$dir/samen.pot" .
  "$pybabel" extract -F "$server_dir/babel.cfg" -c "Translators:" \
    --add-location=file --sort-output --no-wrap --project="Samen academy" \
    --copyright-holder="Samen" \
    --msgid-bugs-address="https://github.com/samen-academy/samen/issues" \
    -o "$server_dir/academy.pot" .
}

case "${1:-}" in
  extract) extract ;;
  update)
    extract
    "$pybabel" update -i "$dir/samen.pot" -d "$dir" -D samen --ignore-obsolete --no-wrap
    # English is the source language: its catalogue says each sentence as the code does,
    # and is there for its plural forms.
    .venv/bin/python scripts/english_catalogue.py "$dir/en/LC_MESSAGES/samen.po"
    "$pybabel" update -i "$server_dir/academy.pot" -d "$server_dir" -D academy \
      --ignore-obsolete --no-wrap
    .venv/bin/python scripts/english_catalogue.py "$server_dir/en/LC_MESSAGES/academy.po"
    ;;
  compile)
    "$pybabel" compile -d "$dir" -D samen --statistics
    "$pybabel" compile -d "$server_dir" -D academy --statistics
    ;;
  new)
    lang="${2:?which language, e.g. de}"
    "$pybabel" init -i "$dir/samen.pot" -d "$dir" -D samen -l "$lang" --no-wrap
    "$pybabel" init -i "$server_dir/academy.pot" -d "$server_dir" -D academy -l "$lang" \
      --no-wrap
    ;;
  *) sed -n '2,6p' "$0" >&2; exit 2 ;;
esac
