"""The real `samen` command for a Dutch learner (LANGUAGE=nl, LANG=nl_NL.UTF-8) against the demo
academy: its own sentences, argparse's help and usage errors, dates and counts are Dutch, no
English source sentence shows, and `--json` stays as programs read it."""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

from tests.cli_runner import SECRET_SERVICE, login_samen, run_samen
from tests.i18n.catalogue_check import catalog, source_messages
from tests.server_process import DEMO_PASSWORD, LiveServer

pytestmark = pytest.mark.timeout(300)

DUTCH = {"LANGUAGE": "nl", "LANG": "nl_NL.UTF-8", "LC_ALL": ""}
# A placeholder in either of the catalogue's formats: {name}, %(name)s, %s, %r.
_PLACEHOLDER = re.compile(r"\{[a-zA-Z_]\w*(?:[!:][^}]*)?\}|%\([a-z_]+\)[sr]|%[sr]")
_TWO_WORDS = re.compile(r"[^\W\d_]+[ ,;:]+[^\W\d_]+")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}")
_DUTCH_DATE = re.compile(
    r"\b\d{1,2}\s(jan|feb|mrt|apr|mei|jun|jul|aug|sep|okt|nov|dec)\.?\s\d{4}\b"
)


@cache
def _english_sentences() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Every source sentence of more than one word that Dutch says differently, as a pattern
    that finds it on one line whatever its placeholders hold."""
    dutch = catalog("nl")
    found: dict[str, re.Pattern[str]] = {}
    for source in source_messages():
        message = dutch.get(source.key, context=source.context)
        translated = message.string if message is not None else ""
        strings = translated if isinstance(translated, tuple) else (translated,)
        forms = (source.id,) if isinstance(source.id, str) else source.id
        for form in forms:
            if form in strings:
                continue  # the same words in Dutch ("ok", "{pending} ({kinds})")
            pieces = _PLACEHOLDER.split(form.strip())
            if not any(_TWO_WORDS.search(piece) for piece in pieces):
                continue  # one word ("Episodes", "{n} courses") can be part of anything
            found[form] = re.compile(".+?".join(re.escape(piece) for piece in pieces))
    return tuple(found.items())


def _english_in(output: str) -> list[str]:
    return [
        english
        for english, pattern in _english_sentences()
        for line in output.splitlines()
        if pattern.search(line)
    ]


def _dutch(
    data: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = run_samen(data, *args, env={**DUTCH, **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    english = _english_in(result.stdout + "\n" + result.stderr)
    assert not english, f"English in `samen {' '.join(args)}`: {english}\n{result.stdout}"
    assert not _ISO_DATE.search(result.stdout), result.stdout
    return result


def test_help_is_dutch_with_argparses_own_words(tmp_path: Path) -> None:
    done = _dutch(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("gebruik: samen [-h] [--version] [--data-dir MAP] [--selftest]")
    assert "Samen: offline leren, in je eigen tempo, en toch samen." in out
    assert "positionele argumenten:" in out and "\nopties:\n" in out
    assert "deze hulptekst tonen en stoppen" in out
    assert "cursussen downloaden om offline te leren" in out
    for english in ("usage:", "positional arguments", "options:", "show this help"):
        assert english not in out
    forum = _dutch(tmp_path, "forum", "new", "--help")
    assert "--title TITEL --body-file BESTAND [--lesson LES]" in forum.stdout
    assert "CURSUS" in forum.stdout and "COURSE" not in forum.stdout


def test_usage_errors_are_dutch(tmp_path: Path) -> None:
    missing = _dutch(tmp_path, "login")
    assert missing.returncode == 2
    assert "gebruik: samen login [-h] --server URL --user NAAM" in missing.stderr
    assert "samen login: fout: deze argumenten zijn verplicht: --server, --user" in missing.stderr
    unknown = _dutch(tmp_path, "lessen")
    assert unknown.returncode == 2
    assert "fout: argument COMMANDO: ongeldige keuze: 'lessen' (kies uit 'gui', " in (
        unknown.stderr
    )
    for english in ("the following arguments are required", "invalid choice", "error:"):
        assert english not in missing.stderr + unknown.stderr


@pytest.mark.keyring
def test_status_courses_and_sync_speak_dutch(
    tmp_path: Path, academy: LiveServer, secret_env: dict[str, str]
) -> None:
    env = {**DUTCH, **secret_env, **SECRET_SERVICE}
    before = _dutch(tmp_path, "status")
    assert before.stdout.splitlines() == [
        "Niet ingelogd.",
        "Verbinding: nog niet bekend",
        "Nog te versturen: 0",
        "Laatste synchronisatie: nooit",
    ]
    login = login_samen(tmp_path, academy.url, DEMO_PASSWORD, env=env)
    assert login.returncode == 0, login.stderr
    assert login.stdout.startswith("Ingelogd bij ") and " als Demo Learner (demo)." in login.stdout

    courses = _dutch(tmp_path, "courses", env=env)
    assert courses.returncode == 0, courses.stderr
    lines = {line.split()[0]: line for line in courses.stdout.splitlines()}
    assert "[Nederlands]" in lines["samen-leren"] and "[Engels]" in lines["learning-together"]
    assert re.search(r"\(\d+ lessen\)$", lines["samen-leren"]), lines["samen-leren"]

    synced = _dutch(tmp_path, "sync", env=env)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert re.fullmatch(
        r"\d+ acties? verstuurd, \d+ geweigerd; [\d.]+ updates ontvangen\.\n", synced.stdout
    ), synced.stdout

    status = _dutch(tmp_path, "status", env=env)
    said = status.stdout.splitlines()
    assert said[0] == f"Ingelogd als demo bij {academy.url}."
    assert said[1:3] == ["Verbinding: online", "Nog te versturen: 0"]
    assert said[3].startswith("Laatste synchronisatie: ")
    assert _DUTCH_DATE.search(said[3]), said[3]  # "2 dec 2026, 14:05", never ISO

    # For programs: the same words and keys whatever the learner's language.
    machine = run_samen(tmp_path, "status", "--json", env=env)
    data = json.loads(machine.stdout)
    assert data["connectivity"] == "online" and data["logged_in"] is True
    assert _ISO_DATE.search(data["last_sync_at"])


def test_the_language_chosen_in_settings_wins_and_a_broken_file_does_not_stop_samen(
    tmp_path: Path,
) -> None:
    settings = tmp_path / "config" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"language": "nl"}), encoding="utf-8")
    chosen = run_samen(tmp_path, "status", env={"LANGUAGE": "en", "LANG": "en_GB.UTF-8"})
    assert chosen.stdout.startswith("Niet ingelogd.\n"), chosen.stdout
    flag = run_samen(
        tmp_path / "other", "--data-dir", str(tmp_path), "status", env={"LANGUAGE": "en"}
    )
    assert flag.stdout.startswith("Niet ingelogd.\n"), flag.stdout  # --data-dir's settings

    settings.write_text("{ not json", encoding="utf-8")
    broken = _dutch(tmp_path, "status")  # the system's language, Dutch here
    assert broken.returncode == 0 and broken.stdout.startswith("Niet ingelogd.\n")
    english = run_samen(tmp_path, "status", env={"LANGUAGE": "en", "LANG": "en_GB.UTF-8"})
    assert english.returncode == 0 and english.stdout.startswith("Not logged in.\n")
