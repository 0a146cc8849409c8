"""Which language and locale to speak: the one chosen in Settings, else the system's. Any
thread (pure functions over the environment they are given).

The system's choice is read the way GNU gettext reads it: `LANGUAGE` (a colon-separated list of
preferences) unless the locale is "C"/"POSIX", then `LC_ALL`, `LC_MESSAGES` and `LANG`. Windows
and macOS keep the choice outside the environment, so the window passes Qt's
`QLocale.system().uiLanguages()` as `ui_languages`, read last.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from desktop.language.catalogue import LANGUAGES, SOURCE_LANGUAGE

# The locale each language's dates and numbers follow when the system names no region of its
# own: the academy's country for Dutch, British conventions (day before month, 24-hour clock)
# for its English-speaking learners.
_DEFAULT_REGION = {"nl": "nl_NL", "en": "en_GB"}
_POSIX = {"C", "POSIX"}


@dataclass(frozen=True, slots=True)
class Speech:
    """What Samen speaks: `language` for its words ("nl"), `locale` for dates and numbers
    ("nl_BE" when the system says Belgium)."""

    language: str
    locale: str


def _tag(value: str) -> tuple[str, str]:
    """ "nl_BE.UTF-8@euro" or "nl-BE" as ("nl", "BE"); ("", "") for C/POSIX or nothing."""
    value = value.split(".", 1)[0].split("@", 1)[0].replace("-", "_").strip()
    if not value or value in _POSIX:
        return "", ""
    language, _sep, region = value.partition("_")
    return language.lower(), region.upper()


def _speech(language: str, region: str) -> Speech:
    if region:
        return Speech(language, f"{language}_{region}")
    return Speech(language, _DEFAULT_REGION.get(language, language))


def system_speech(environ: Mapping[str, str], ui_languages: Iterable[str] = ()) -> Speech | None:
    """The first language Samen speaks among the system's preferences; None when none is."""
    locale_name = next(
        (environ[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(k)), ""
    )
    candidates: list[str] = []
    if _tag(locale_name)[0] or not locale_name:
        # gettext ignores LANGUAGE under the C locale; so does Samen.
        candidates += [p for p in environ.get("LANGUAGE", "").split(":") if p]
    if locale_name:
        candidates.append(locale_name)
    candidates += list(ui_languages)
    _locale_language, locale_region = _tag(locale_name)
    for candidate in candidates:
        language, region = _tag(candidate)
        if language in LANGUAGES:
            # "LANGUAGE=nl" with "LANG=nl_BE.UTF-8": Dutch words, Belgian dates.
            if not region and language == _locale_language:
                region = locale_region
            return _speech(language, region)
    return None


def choose(setting: str, environ: Mapping[str, str], ui_languages: Iterable[str] = ()) -> Speech:
    """The language Settings chose ("nl", "en"), or the system's when it says "" (follow the
    system), or English when the system asks for none Samen speaks."""
    if setting in LANGUAGES:
        found = system_speech(environ, ui_languages)
        if found is not None and found.language == setting:
            return found  # the chosen language, with the system's region
        return _speech(setting, "")
    return system_speech(environ, ui_languages) or _speech(SOURCE_LANGUAGE, "")
