"""How long ago something happened and how long it lasts, in the learner's language ("3
minuten geleden", "12 min"), and the greeting by the clock. UI thread (pure functions).

The words come from desktop/language/formats.py (Babel's CLDR data) and the catalogue; this
module keeps the names the pages use.
"""

from __future__ import annotations

from datetime import UTC, datetime

from desktop.language import formats
from desktop.language.catalogue import _

parse = formats.parse


def ago(iso: str | None, now: datetime | None = None) -> str:
    """ "2 hours ago", "yesterday"...; "" when the time is unknown."""
    return formats.ago(iso, now)


def length(ms: int | None) -> str:
    """ "45 sec", "12 min", "1 hr 5 min"; "" when unknown."""
    return formats.length(ms)


def greeting(now: datetime | None = None) -> str:
    """ "Good morning" / "Good afternoon" / "Good evening" by the local clock."""
    hour = (now or datetime.now(UTC)).astimezone().hour
    if 5 <= hour < 12:
        return _("Good morning")
    if 12 <= hour < 18:
        return _("Good afternoon")
    return _("Good evening")
