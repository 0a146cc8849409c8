"""What the `samen` command's subcommands share: exit codes, how a problem is said, and a date
in the learner's locale. Main thread."""

from __future__ import annotations

import sys

from desktop.language import formats

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_OFFLINE, EXIT_AUTH = 0, 1, 2, 3, 4


def fail(message: str) -> None:
    """A problem on stderr, after the command's name as Unix tools say theirs."""
    print(f"samen: {message}", file=sys.stderr)


def day(iso: str | None) -> str:
    """The day of an ISO time, as the locale writes it ("2 dec 2026"); "" when unknown."""
    moment = formats.parse(iso)
    return formats.date(moment) if moment else ""
