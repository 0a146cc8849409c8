"""Timestamps for local rows: UTC, ISO 8601. Any thread.

Local clocks are for display only (sync-protocol.md); they never decide order or points.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
