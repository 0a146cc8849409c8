"""The client's one translation catalogue: every sentence the window, the services and the CLI
show goes through `_`, `ngettext` or `counted` here. Any thread: `install` runs once at
start-up, before a window or worker exists; lookups only read the installed catalogue.

The catalogues are GNU gettext ones (`resources/translations/<lang>/LC_MESSAGES/samen.po`,
compiled to `.mo` by `scripts/translations.sh compile`), the format every translation tool reads;
docs/translating.md says why gettext and not Qt Linguist. English is the source language: a
missing catalogue, or a message missing from one, shows the English source sentence.

Rules for callers: never call `_` at import time (mark module-level words with `N_` and
translate them where they are shown), and translate whole sentences with named placeholders
(``_("{name} replied").format(name=...)``), never sentences glued from parts.
"""

from __future__ import annotations

import gettext
import logging
from pathlib import Path

from desktop.paths import resource_dir

DOMAIN = "samen"
SOURCE_LANGUAGE = "en"
# The languages Samen speaks; a third is added by docs/translating.md's steps.
LANGUAGES = ("en", "nl")

_log = logging.getLogger(__name__)
_installed: gettext.NullTranslations = gettext.NullTranslations()
_language = SOURCE_LANGUAGE


def translations_dir() -> Path:
    return resource_dir() / "translations"


def install(language: str, directory: Path | None = None) -> str:
    """Make `language` the one every later lookup uses; returns the language in use (English
    when `language` is not one Samen speaks or its compiled catalogue is missing)."""
    global _installed, _language
    if language not in LANGUAGES:
        language = SOURCE_LANGUAGE
    if language == SOURCE_LANGUAGE and directory is None:
        # The English catalogue says every sentence as the code does (a test holds it to
        # that), and English counts as gettext does by default: nothing to load or to keep.
        _installed, _language = gettext.NullTranslations(), SOURCE_LANGUAGE
        return _language
    try:
        found = gettext.translation(
            DOMAIN, localedir=directory or translations_dir(), languages=[language]
        )
    except OSError:  # no .mo: a checkout whose catalogues were not compiled yet
        if language != SOURCE_LANGUAGE:
            _log.warning("the %s catalogue is not compiled; showing English", language)
        _installed, _language = gettext.NullTranslations(), SOURCE_LANGUAGE
        return _language
    _installed, _language = found, language
    return language


def loaded(language: str, directory: Path | None = None) -> bool:
    """Whether `language`'s compiled catalogue is there and readable (for `--selftest`)."""
    try:
        gettext.translation(DOMAIN, localedir=directory or translations_dir(), languages=[language])
    except OSError:
        return False
    return True


def language() -> str:
    """The language now installed: "nl" or "en"."""
    return _language


def _(message: str) -> str:
    """`message` (an English source sentence) in the installed language."""
    return _installed.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a sentence that fits the number `n`, by the language's plural rules."""
    return _installed.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` where the same English words translate differently by `context`."""
    return _installed.pgettext(context, message)


def counted(singular: str, plural: str, n: int, **values: object) -> str:
    """A counted sentence with its number in the locale's digits: ``counted("{n} reply",
    "{n} replies", 1200)`` is "1.200 reacties" in Dutch. Other placeholders come as `values`."""
    from desktop.language.formats import number

    return _installed.ngettext(singular, plural, n).format(n=number(n), **values)


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools look for
    """Marks `message` for the catalogue without translating it yet (a module-level constant,
    translated with `_` where it is shown)."""
    return message
