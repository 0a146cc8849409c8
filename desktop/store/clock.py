"""Timestamps for local rows: UTC, ISO 8601. Any thread.

Local clocks are for display only (sync-protocol.md); they never decide order or points.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time from the academy or a local row (``...Z`` too), as an aware datetime;
    None when it is missing or not a time. A time without a zone is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
