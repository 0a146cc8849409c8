"""What the `samen` command's subcommands share: exit codes, how a problem is said, and dates,
languages and lists in the learner's locale. Main thread."""

from __future__ import annotations

import sys

from babel import Locale, UnknownLocaleError, lists

from desktop.language import formats

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_OFFLINE, EXIT_AUTH = 0, 1, 2, 3, 4


def fail(message: str) -> None:
    """A problem on stderr, after the command's name as Unix tools say theirs."""
    print(f"samen: {message}", file=sys.stderr)


def day(iso: str | None) -> str:
    """The day of an ISO time, as the locale writes it ("2 dec 2026"); "" when unknown."""
    moment = formats.parse(iso)
    return formats.date(moment) if moment else ""


def language_name(code: str) -> str:
    """A course's language in words ("Nederlands", "Dutch"); the code when Babel has none."""
    try:
        name = Locale.parse(code).get_language_name(formats.locale_name())
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name or code


def listed(items: list[str]) -> str:
    """ "a, b and c" / "a, b en c" in the locale's way."""
    return lists.format_list(items, locale=formats.locale_name())
