"""Samen speaks the language the learner asked for: Settings first, else the system's, read the
way GNU gettext reads it; dates and numbers follow the system's region."""

from __future__ import annotations

import pytest

from desktop.language.choice import Speech, choose


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "nl_NL.UTF-8"}, Speech("nl", "nl_NL")),
        ({"LANG": "nl_BE.UTF-8"}, Speech("nl", "nl_BE")),
        ({"LANG": "nl_NL.UTF-8", "LANGUAGE": "nl"}, Speech("nl", "nl_NL")),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr:nl"}, Speech("nl", "nl_NL")),
        ({"LANG": "nl_NL.UTF-8", "LANGUAGE": "en"}, Speech("en", "en_GB")),
        ({"LANG": "C", "LANGUAGE": "nl"}, Speech("en", "en_GB")),  # gettext ignores it too
        ({"LC_ALL": "nl_NL.UTF-8", "LANG": "en_GB.UTF-8"}, Speech("nl", "nl_NL")),
        ({"LC_MESSAGES": "en_US.UTF-8", "LANG": "nl_NL.UTF-8"}, Speech("en", "en_US")),
        ({"LANG": "fr_FR.UTF-8"}, Speech("en", "en_GB")),  # a language Samen does not speak
        ({}, Speech("en", "en_GB")),
    ],
)
def test_the_system_language_is_read_as_gettext_reads_it(
    environ: dict[str, str], expected: Speech
) -> None:
    assert choose("", environ) == expected


def test_qt_ui_languages_count_where_the_environment_says_nothing() -> None:
    """Windows and macOS: the window passes QLocale.system().uiLanguages()."""
    assert choose("", {}, ["fr-FR", "nl-NL"]) == Speech("nl", "nl_NL")
    assert choose("", {"LANG": "en_GB.UTF-8"}, ["nl-NL"]) == Speech("en", "en_GB")


def test_settings_win_over_the_system_and_keep_its_region() -> None:
    assert choose("nl", {"LANG": "en_US.UTF-8"}) == Speech("nl", "nl_NL")
    assert choose("en", {"LANG": "nl_NL.UTF-8"}) == Speech("en", "en_GB")
    assert choose("nl", {"LANG": "nl_BE.UTF-8"}) == Speech("nl", "nl_BE")
    assert choose("de", {"LANG": "nl_NL.UTF-8"}) == Speech("nl", "nl_NL")  # unknown: system
