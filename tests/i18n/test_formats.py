"""Dates, numbers, sizes and durations read as the learner's locale writes them (CLDR data)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from desktop.language import catalogue, formats

NBSP = "\u00a0"
NOW = datetime(2026, 12, 2, 14, 5, tzinfo=UTC)


@pytest.fixture
def english() -> Iterator[None]:
    catalogue.install("en")
    formats.use("en_GB")
    yield


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


@pytest.mark.usefixtures("dutch")
def test_dutch() -> None:
    assert plain(formats.size(120_800)) == "120,8 kB"
    assert plain(formats.size(1_234_000_000)) == "1,2 GB"
    assert formats.number(1_234_567) == "1.234.567"
    assert plain(formats.ago("2026-12-02T14:02:00Z", NOW)) == "3 minuten geleden"
    assert formats.ago("2026-12-02T14:04:30Z", NOW) == "zojuist"
    assert plain(formats.length(3_900_000)).startswith("1 uur")
    assert "2026" not in formats.ago("2026-10-01T10:00:00Z", NOW)  # this year: day and month
    assert "-" not in formats.date_time(NOW)  # never ISO


@pytest.mark.usefixtures("english")
def test_english() -> None:
    assert plain(formats.size(120_800)) == "120.8 kB"
    assert plain(formats.size(3)) == "3 byte"
    assert formats.number(1_234_567) == "1,234,567"
    assert plain(formats.ago("2026-12-02T12:05:00Z", NOW)) == "2 hours ago"
    assert plain(formats.date(NOW)) == "2 Dec 2026"
    assert formats.ago(None) == ""
    assert formats.when("not a time", "never") == "never"
