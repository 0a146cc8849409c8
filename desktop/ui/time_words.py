"""How long ago something happened, in words a person says: "just now", "5 minutes ago",
"yesterday", "3 days ago", "12 March"; and how long something lasts: "12 min", "1 hr 5 min".
UI thread (pure functions).

The one place such words are made, so the translation (issue 16, perhaps with Babel) changes
one module.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse(iso: str | None) -> datetime | None:
    """An ISO 8601 time (``...Z`` too) as an aware datetime; None when it is not one."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ago(iso: str | None, now: datetime | None = None) -> str:
    """ "2 hours ago", "yesterday"...; "" when the time is unknown."""
    moment = parse(iso)
    if moment is None:
        return ""
    now = now or datetime.now(UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 60:  # also a clock a little ahead of this one's
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return "1 minute ago" if minutes == 1 else f"{minutes} minutes ago"
    hours = minutes // 60
    if hours < 24:
        return "1 hour ago" if hours == 1 else f"{hours} hours ago"
    local, today = moment.astimezone(), now.astimezone()
    days = (today.date() - local.date()).days
    if days <= 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    # No-break spaces: a date wraps as a whole, never "6" at a line's end and "January" after.
    if local.year == today.year:
        return f"{local.day}\u00a0{local:%B}"
    return f"{local.day}\u00a0{local:%B}\u00a0{local.year}"


def length(ms: int | None) -> str:
    """ "45 sec", "12 min", "1 hr 5 min" (rounded to the minute from one on); "" unknown.
    No-break spaces: "12" never ends a line with "min" on the next."""
    if not ms or ms <= 0:
        return ""
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{max(seconds, 1)}\u00a0sec"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}\u00a0min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}\u00a0hr\u00a0{minutes}\u00a0min" if minutes else f"{hours}\u00a0hr"


def greeting(now: datetime | None = None) -> str:
    """ "Good morning" / "Good afternoon" / "Good evening" by the local clock."""
    hour = (now or datetime.now(UTC)).astimezone().hour
    if 5 <= hour < 12:
        return "Good morning"
    if 12 <= hour < 18:
        return "Good afternoon"
    return "Good evening"
