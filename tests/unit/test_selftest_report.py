"""`run_selftest`: a check that raises is reported as a failure and the others still run; the
compiled catalogues are one of the checks; the report speaks the learner's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop import selftest
from desktop.language import catalogue
from desktop.paths import resolve_paths


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The keyring and audio checks stubbed: they need a Secret Service and a Qt player."""
    monkeypatch.setattr(selftest, "_keyring", lambda: selftest.Check("keyring", True, "stub"))
    monkeypatch.setattr(selftest, "_audio", lambda: selftest.Check("audio", True, "stub"))


def test_a_check_that_raises_fails_with_its_error_and_the_rest_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stubbed: None
) -> None:
    def broken() -> selftest.Check:
        raise ImportError("libQt6Multimedia.so.6: cannot open shared object file")

    monkeypatch.setattr(selftest, "_certificates", broken)
    lines: list[str] = []
    assert selftest.run_selftest(resolve_paths(tmp_path), lines.append) == 1
    assert lines[1].startswith("ok    store: ")
    assert lines[3].startswith("ok    translations: 2 languages (en, nl) in ")
    assert lines[4] == (
        "FAIL  https: ImportError: libQt6Multimedia.so.6: cannot open shared object file"
    )
    assert lines[5:] == ["ok    keyring: stub", "ok    audio: stub", "1 check failed."]


def test_the_compiled_catalogues_are_checked(tmp_path: Path, stubbed: None) -> None:
    lines: list[str] = []
    assert selftest.run_selftest(resolve_paths(tmp_path), lines.append) == 0
    assert f"ok    translations: 2 languages (en, nl) in {catalogue.translations_dir()}" in lines


def test_a_bundle_without_its_catalogues_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stubbed: None
) -> None:
    empty = tmp_path / "translations"
    empty.mkdir()
    monkeypatch.setattr(catalogue, "translations_dir", lambda: empty)
    lines: list[str] = []
    assert selftest.run_selftest(resolve_paths(tmp_path / "data"), lines.append) == 1
    assert f"FAIL  translations: no compiled catalogue for en, nl in {empty}" in lines
    assert lines[-1] == "1 check failed."


def test_the_report_is_in_dutch_for_a_dutch_learner(
    tmp_path: Path, stubbed: None, dutch: None
) -> None:
    lines: list[str] = []
    assert selftest.run_selftest(resolve_paths(tmp_path), lines.append) == 0
    assert lines[0].startswith("Samen ") and lines[0].endswith(" zelftest")
    assert lines[1].startswith("ok    opslag: ") and "gemaakt (nieuwe opslag, schema " in lines[1]
    assert lines[3].startswith("ok    vertalingen: 2 talen (en, nl) in ")
    assert lines[-1] == "Alle controles zijn geslaagd."
