"""Sizes, times and media positions for widgets, in the learner's locale. UI thread (pure
functions over desktop/language/formats.py)."""

from __future__ import annotations

from desktop.language import formats
from desktop.language.catalogue import _


def size(num_bytes: int) -> str:
    """ "120,8 kB" / "120.8 kB"."""
    return formats.size(num_bytes)


def local_time(iso: str | None) -> str:
    """ "2 dec 2026, 14:05" in local time; "never" when there is no time."""
    return formats.when(iso, _("never"))


def clock_time(ms: int) -> str:
    """A media position: 4:05, or 1:02:03 from an hour on (the same in every language)."""
    seconds = max(0, int(ms) // 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
