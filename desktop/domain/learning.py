"""A learner's own record: exercise answers and where they are in each medium. Pure data.
Any thread."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# A medium counts as played this close to its end (credits, a closing jingle).
PLAYED_TAIL_MS = 15_000
PLAYED_FRACTION = 0.95


@dataclass(frozen=True, slots=True)
class Answer:
    exercise_id: str
    course_id: str
    lesson_id: str
    option_id: str | None
    text: str
    correct: bool | None  # multiple choice only
    sent: bool  # False while it waits in the outbox


@dataclass(frozen=True, slots=True)
class Playback:
    media_key: str
    position_ms: int
    duration_ms: int
    played: bool


@dataclass(frozen=True, slots=True)
class Standing:
    """A learner in one course: lessons done and points earned."""

    done: int
    points: int


def course_media_key(course_id: str, path: str) -> str:
    return f"course:{course_id}/{path}"


def peer_recording_key(submission_id: str) -> str:
    """A peer's recording: its place is remembered on this computer only (the academy keeps
    positions of course media and episodes, not of other learners' work)."""
    return f"peer:{submission_id}"


def is_synced_key(media_key: str) -> bool:
    return media_key.startswith(("course:", "episode:"))


def episode_key(feed_url: str, guid: str) -> str:
    """Stable across devices: the same feed URL and guid give the same key everywhere."""
    digest = hashlib.sha256(f"{feed_url}\n{guid}".encode()).hexdigest()
    return f"episode:{digest[:32]}"


def is_played(position_ms: int, duration_ms: int) -> bool:
    """Near enough to the end to count as heard (the rest is often a jingle)."""
    if duration_ms <= 0:
        return False
    return position_ms >= min(duration_ms - PLAYED_TAIL_MS, duration_ms * PLAYED_FRACTION)
