"""The academy's own words in the language a request asks for (``Accept-Language``), from its
own gettext catalogue (``server/translations/<lang>/LC_MESSAGES/academy.po``, compiled to
``.mo`` by ``scripts/translations.sh compile``). English is the source language and the default.

The language is request-scoped: :class:`LanguageMiddleware` negotiates it once per request and
keeps it in a context variable, which Starlette copies into the worker thread that runs a sync
endpoint, so any number of threads each read their own request's language. Outside a request
(the mailer, the CLI) :func:`use` sets it for a block. The loaded catalogues are read-only and
shared by every thread.

Rules for callers: never call ``_`` at import time (mark module-level sentences with ``N_``
and translate them where they are used), and translate whole sentences with named
placeholders, never sentences glued from parts.
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from pathlib import Path

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_date
from babel.numbers import format_decimal
from starlette.types import ASGIApp, Receive, Scope, Send

DOMAIN = "academy"
SOURCE_LANGUAGE = "en"
# The languages the academy speaks; a third is added by docs/translating.md's steps.
LANGUAGES = ("en", "nl")
# Long enough for any honest header; a longer one is not worth parsing.
_MAX_HEADER = 1_000

_log = logging.getLogger(__name__)
_current: ContextVar[str] = ContextVar("samen_academy_language", default=SOURCE_LANGUAGE)


def translations_dir() -> Path:
    return Path(str(resources.files("server").joinpath("translations")))


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, localedir=translations_dir(), languages=[language])
    except OSError:  # no .mo: a checkout whose catalogues were not compiled yet
        _log.warning("the academy's %s catalogue is not compiled; answering in English", language)
        return gettext.NullTranslations()


def loaded(language: str) -> bool:
    """Whether `language`'s compiled catalogue is there and readable."""
    try:
        gettext.translation(DOMAIN, localedir=translations_dir(), languages=[language])
    except OSError:
        return False
    return True


def negotiate(header: str | None) -> str:
    """The best of :data:`LANGUAGES` for an ``Accept-Language`` header (q-values honoured,
    "nl-BE" matching "nl"); English for none, ``*``, nonsense or only other languages."""
    if not header or len(header) > _MAX_HEADER:
        return SOURCE_LANGUAGE
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, rest = part.strip().partition(";")
        tag = tag.strip()
        quality = 1.0
        rest = rest.strip()
        if rest.startswith("q="):
            try:
                quality = float(rest[2:])
            except ValueError:
                continue
        if not tag or not 0 < quality <= 1:
            continue
        wanted.append((-quality, position, tag.replace("_", "-").lower()))
    preferred = [tag for _q, _p, tag in sorted(wanted)]
    found = negotiate_locale(preferred, list(LANGUAGES), sep="-")
    if found is None:
        # "nl-BE" against "nl": Babel matches only whole tags or aliases; try the language.
        found = negotiate_locale([tag.split("-")[0] for tag in preferred], list(LANGUAGES), sep="-")
    return found if found in LANGUAGES else SOURCE_LANGUAGE


def current() -> str:
    """The language of the request (or :func:`use` block) this code runs in."""
    return _current.get()


@contextmanager
def use(language: str) -> Iterator[str]:
    """Speak `language` (one of :data:`LANGUAGES`, else English) for the block."""
    chosen = language if language in LANGUAGES else SOURCE_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """`message` (an English source sentence) in the current language."""
    return _catalogue(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a sentence that fits the number `n`, by the language's plural rules."""
    return _catalogue(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools look for
    """Marks `message` for the catalogue without translating it yet."""
    return message


def _locale() -> Locale:
    try:
        return Locale.parse({"nl": "nl_NL", "en": "en_GB"}.get(current(), "en_GB"))
    except (UnknownLocaleError, ValueError):  # pragma: no cover - CLDR ships both
        return Locale.parse("en_GB")


def number(n: int) -> str:
    """`n` in the current language's digits ("12,000" / "12.000")."""
    return format_decimal(n, locale=_locale())


def decimal(value: float) -> str:
    """`value` with one decimal in the current language's digits ("1.5" / "1,5")."""
    return format_decimal(value, format="0.0", locale=_locale())


def day(moment: object) -> str:
    """A date as people write it in the current language ("9 January 2026" / "9 januari
    2026")."""
    return format_date(moment, format="long", locale=_locale())  # type: ignore[arg-type]


class LanguageMiddleware:
    """Negotiates each HTTP request's language from ``Accept-Language`` (pure ASGI, so the
    context variable is set in the very task, and threads, that serve the request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope.get("headers", ()):
            if name == b"accept-language":
                header = value.decode("latin-1")
                break
        token = _current.set(negotiate(header))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)


def content_language() -> dict[str, str]:
    """The header a reply carrying the academy's translated words sends."""
    return {"Content-Language": current()}
