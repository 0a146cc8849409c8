"""Dates, times, numbers, sizes and durations in the learner's locale, through Babel (CLDR
data), never hand-written patterns. Any thread: `use` runs once at start-up; the formatters
only read the locale it set.

Babel and the locale's CLDR data (about 45 ms and 7 MB) load at the first format, not at
`use`: the window calls `preload` on a worker while it builds itself, so its UI thread never
waits for them.

Every function takes what the store keeps (ISO 8601 text, byte counts, milliseconds) and returns
what a person reads: "2 dec 2026, 14:05", "3 minuten geleden", "120,8 kB", "1 uur 5 min".
No-break spaces keep a number with its unit and a day with its month at a line's end.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from desktop.language.catalogue import _

if TYPE_CHECKING:
    from babel import Locale

_NBSP = "\u00a0"
_FALLBACK = "en_GB"
_name = _FALLBACK
_parsed: Locale | None = None
_parsing = threading.Lock()


def use(locale_name: str) -> None:
    """Format for `locale_name` ("nl_NL", "en_GB"); an unknown one keeps British English."""
    global _name, _parsed
    with _parsing:
        _name, _parsed = locale_name, None


def _loc() -> Locale:
    global _parsed
    found = _parsed
    if found is not None:
        return found
    with _parsing:
        if _parsed is None:
            from babel import Locale, UnknownLocaleError

            try:
                _parsed = Locale.parse(_name)
            except (UnknownLocaleError, ValueError):
                _parsed = Locale.parse(_FALLBACK)
        return _parsed


def preload() -> None:
    """Load Babel and the locale's data now (a worker at start-up), not at the first format."""
    number(1)  # Babel's core, its number formats and the locale's data
    date_time(datetime.now(UTC))


def locale_name() -> str:
    return str(_loc())


def language_name(code: str) -> str:
    """A language's name in the learner's language, from CLDR: "nl" is "Nederlands" in
    Dutch, "Dutch" in English (a tag with a region, "nl-BE" or "nl_BE", too); a code CLDR does
    not know is shown as it is, in capitals."""
    language = code.replace("_", "-").split("-")[0].lower()
    name = _loc().languages.get(language) if language else None
    return str(name) if name else code.upper()


def _together(text: str) -> str:
    return text.replace(" ", _NBSP)


def parse(iso: str | None) -> datetime | None:
    """An ISO 8601 time (``...Z`` too) as an aware datetime; None when it is not one."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def number(value: int | float) -> str:
    """ "1.234" in Dutch, "1,234" in English."""
    from babel import numbers

    return numbers.format_decimal(value, locale=_loc())


def decimal(value: float, digits: int = 1) -> str:
    """`value` with exactly `digits` decimals: "120,8"."""
    from babel import numbers

    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return numbers.format_decimal(value, format=pattern, locale=_loc())


def percent(fraction: float) -> str:
    """ "42%" ("42 %" where the locale puts a space)."""
    from babel import numbers

    return numbers.format_percent(fraction, locale=_loc())


_SIZE_UNITS = (
    ("digital-byte", 1),
    ("digital-kilobyte", 1000),
    ("digital-megabyte", 1000**2),
    ("digital-gigabyte", 1000**3),
    ("digital-terabyte", 1000**4),
)


def size(num_bytes: int) -> str:
    """ "120,8 kB", "3 byte", "1,2 GB": decimal units, as file managers show them."""
    from babel import units

    value = max(0, int(num_bytes))
    unit, scale = _SIZE_UNITS[0]
    for candidate, candidate_scale in _SIZE_UNITS:
        if value >= candidate_scale:
            unit, scale = candidate, candidate_scale
    pattern = "#,##0" if scale == 1 else "#,##0.0"
    text = units.format_unit(value / scale, unit, length="short", format=pattern, locale=_loc())
    return _together(text)


def date(moment: datetime) -> str:
    """ "2 dec 2026" / "2 Dec 2026" in the local time zone."""
    from babel import dates

    return _together(dates.format_skeleton("yMMMd", moment.astimezone(), locale=_loc()))


def day_and_month(moment: datetime) -> str:
    """ "2 december" / "2 December": a date this year."""
    from babel import dates

    return _together(dates.format_skeleton("MMMMd", moment.astimezone(), locale=_loc()))


def clock(moment: datetime) -> str:
    """ "14:05" (or "2:05 pm" where the locale says so), local time."""
    from babel import dates

    return dates.format_skeleton(
        "Hm" if _loc().language != "en" or _loc().territory != "US" else "hm",
        moment.astimezone(),
        locale=_loc(),
    )


def date_time(moment: datetime) -> str:
    """ "2 dec 2026, 14:05" / "2 Dec 2026, 14:05", local time."""
    joined = str(_loc().datetime_formats.get("medium", "{1}, {0}"))
    return joined.replace("{1}", date(moment)).replace("{0}", clock(moment))


def when(iso: str | None, empty: str = "") -> str:
    """An ISO time as `date_time`; `empty` when there is none or it is not a time."""
    moment = parse(iso)
    return date_time(moment) if moment else empty


def ago(iso: str | None, now: datetime | None = None) -> str:
    """ "just now", "3 minuten geleden", "yesterday", "4 days ago", "12 March", or with its year
    before this one; "" when the time is unknown."""
    moment = parse(iso)
    if moment is None:
        return ""
    now = now or datetime.now(UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 60:  # also a clock a little ahead of this one's
        return _("just now")
    minutes = int(seconds // 60)
    if minutes < 60:
        return _relative(timedelta(minutes=-minutes))
    hours = minutes // 60
    if hours < 24:
        return _relative(timedelta(hours=-hours))
    local, today = moment.astimezone(), now.astimezone()
    days = (today.date() - local.date()).days
    if days <= 1:
        return _("yesterday")
    if days < 7:
        return _relative(timedelta(days=-days))
    return day_and_month(local) if local.year == today.year else date(local)


def _relative(delta: timedelta) -> str:
    from babel import dates

    return dates.format_timedelta(delta, add_direction=True, threshold=1.0, locale=_loc())


def length(ms: int | None) -> str:
    """How long something lasts: "45 sec", "12 min", "1 uur 5 min" (to the minute from one
    minute on); "" when unknown."""
    from babel import lists

    if not ms or ms <= 0:
        return ""
    seconds = round(ms / 1000)
    if seconds < 60:
        return _unit(max(seconds, 1), "duration-second")
    minutes = round(seconds / 60)
    if minutes < 60:
        return _unit(minutes, "duration-minute")
    hours, minutes = divmod(minutes, 60)
    if not minutes:
        return _unit(hours, "duration-hour")
    parts = [_unit(hours, "duration-hour"), _unit(minutes, "duration-minute")]
    return _together(lists.format_list(parts, style="unit-narrow", locale=_loc()))


def _unit(value: int, unit: str) -> str:
    from babel import units

    return _together(units.format_unit(value, unit, length="short", locale=_loc()))


def listing(items: list[str]) -> str:
    """ "a, b en c" / "a, b and c": the locale's way to join a list."""
    from babel import lists

    return lists.format_list(items, locale=_loc())


def as_typed(value: float) -> str:
    """`value` as a learner would type it in a field: no grouping, at most two decimals, the
    locale's decimal sign ("0,5" in Dutch)."""
    from babel import numbers

    return f"{round(value, 2):g}".replace(".", numbers.get_decimal_symbol(_loc()))
