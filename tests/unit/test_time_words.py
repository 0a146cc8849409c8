"""How long ago, in words: from "just now" to a date, and the greeting by the hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.ui.time_words import ago, greeting, length

NOW = datetime(2026, 6, 15, 12, 0).astimezone()  # noon on this computer's clock


@pytest.mark.parametrize(
    ("before", "words"),
    [
        (timedelta(seconds=-30), "just now"),  # a clock a little ahead
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59), "59 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=23), "23 hours ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(days=30), "16\u00a0May"),
        (timedelta(days=400), "11\u00a0May\u00a02025"),
    ],
)
def test_ago(before: timedelta, words: str) -> None:
    assert ago((NOW - before).isoformat(), NOW) == words


def test_yesterday_and_unknown_times() -> None:
    assert ago((NOW - timedelta(hours=25)).astimezone(UTC).isoformat(), NOW) == "yesterday"
    assert ago(None, NOW) == ago("not a time", NOW) == ""


def test_greeting_follows_the_local_hour() -> None:
    local = NOW.astimezone()

    def at(hour: int) -> datetime:
        return local.replace(hour=hour)

    assert [greeting(at(h)) for h in (8, 14, 20, 2)] == [
        "Good morning",
        "Good afternoon",
        "Good evening",
        "Good evening",
    ]


@pytest.mark.parametrize(
    ("ms", "words"),
    [
        (None, ""),
        (0, ""),
        (400, "1\u00a0sec"),
        (11_000, "11\u00a0secs"),
        (12 * 60_000 + 20_000, "12\u00a0mins"),
        (65 * 60_000, "1\u00a0hr\u00a05\u00a0mins"),
        (120 * 60_000, "2\u00a0hrs"),
    ],
)
def test_length_in_words(ms: int | None, words: str) -> None:
    assert length(ms) == words
