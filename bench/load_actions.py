"""The actions one load-bench learner queues: a realistic mix, as the desktop client sends them.

Pure functions (any thread). A class morning is mostly lesson progress and listening positions,
then exercise answers, forum replies, a few new threads and a poll vote; the mix below is that,
shuffled per learner (seeded, so a run can be repeated). Forum posts stay under the academy's
30 an hour per author (server/social/forum.py), so no action is refused by design: a bench
that pushes refusals measures nothing. Each plan also says what it must leave on the academy
(rows per table for this learner), for the exactness check after the run.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import cycle
from typing import Any

from desktop.domain.sync import OutboxItem, OutboxState

# Share of each kind in a plan (the rest is progress.update); forum replies and threads are
# capped by FORUM_CAP whatever the plan's length.
MIX: Mapping[str, float] = {
    "playback.position": 0.25,
    "exercise.answer": 0.20,
    "forum.reply": 0.10,
    "forum.new_thread": 0.025,
    "poll.vote": 0.025,
}
FORUM_CAP = 25  # the academy takes 30 posts an hour from one author
POSITION_STEP_MS = 15_000
DURATION_MS = 600_000

# The table each kind leaves its rows in (one row per distinct key, or per action).
EFFECT_TABLES = ("progress", "playback", "answers", "poll_votes", "forum_threads", "forum_posts")


@dataclass
class LearnerPlan:
    """One learner's queue, numbered 1..n as the outbox numbers it, and its expected effects."""

    items: list[OutboxItem]
    expected: dict[str, int] = field(default_factory=dict)

    def count_by_name(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.name] = counts.get(item.name, 0) + 1
        return counts


def _kinds(actions: int, catalogue: Mapping[str, Any], rng: random.Random) -> list[str]:
    """How many of each kind, shuffled; kinds the academy has nothing for become progress."""
    courses = catalogue["courses"].values()
    has = {
        "playback.position": any(course["media"] for course in courses),
        "exercise.answer": any(course["exercises"] for course in courses),
        "forum.reply": any(course["threads"] for course in courses),
        "forum.new_thread": True,
        "poll.vote": any(course["polls"] for course in courses),
    }
    counts = {name: int(actions * share) if has[name] else 0 for name, share in MIX.items()}
    forum = counts["forum.reply"] + counts["forum.new_thread"]
    if forum > FORUM_CAP:
        counts["forum.reply"] = FORUM_CAP * counts["forum.reply"] // forum
        counts["forum.new_thread"] = FORUM_CAP - counts["forum.reply"]
    names = [name for name, count in counts.items() for _ in range(count)]
    names += ["progress.update"] * (actions - len(names))
    rng.shuffle(names)
    return names


def _lessons(catalogue: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (course_id, lesson_id)
        for course_id, course in sorted(catalogue["courses"].items())
        for lesson_id in course["lessons"]
    ]


class _Builder:
    """Args for each kind, walking round the academy's lessons, media, exercises and threads."""

    def __init__(self, learner: str, catalogue: Mapping[str, Any], rng: random.Random) -> None:
        courses = sorted(catalogue["courses"].items())
        self.learner = learner
        self.rng = rng
        self.lessons = cycle(_lessons(catalogue))
        self.media = cycle([key for _, course in courses for key in course["media"]] or [""])
        self.exercises: Iterator[dict[str, Any]] = cycle(
            [exercise for _, course in courses for exercise in course["exercises"]] or [{}]
        )
        self.polls: Iterator[dict[str, Any]] = cycle(
            [poll for _, course in courses for poll in course["polls"]] or [{}]
        )
        self.threads = cycle([thread for _, course in courses for thread in course["threads"]])
        self.course_ids = cycle([course_id for course_id, _ in courses])
        self.positions: dict[str, int] = {}
        self.seen: dict[str, set[str]] = {table: set() for table in EFFECT_TABLES}
        self.made = {"forum_threads": 0, "forum_posts": 0}

    def _advance(self, key: str) -> int:
        self.positions[key] = self.positions.get(key, 0) + POSITION_STEP_MS
        return self.positions[key]

    def progress(self) -> dict[str, Any]:
        course_id, lesson_id = next(self.lessons)
        position = self._advance(lesson_id)
        self.seen["progress"].add(lesson_id)
        return {
            "course_id": course_id,
            "lesson_id": lesson_id,
            "position_ms": position,
            "completed": position >= 4 * POSITION_STEP_MS,
        }

    def playback(self) -> dict[str, Any]:
        key = next(self.media)
        self.seen["playback"].add(key)
        position = min(self._advance(key), DURATION_MS)
        return {
            "media_key": key,
            "position_ms": position,
            "duration_ms": DURATION_MS,
            "played": position >= DURATION_MS,
        }

    def answer(self) -> dict[str, Any]:
        exercise = next(self.exercises)
        self.seen["answers"].add(exercise["id"])
        if exercise["kind"] == "multiple_choice":
            return {
                "exercise_id": exercise["id"],
                "option_id": self.rng.choice(exercise["options"]),
            }
        return {
            "exercise_id": exercise["id"],
            "text": f"{self.learner}: wat ik vandaag leerde, poging {self.rng.randrange(1000)}.",
        }

    def vote(self) -> dict[str, Any]:
        poll = next(self.polls)
        self.seen["poll_votes"].add(poll["id"])
        return {"poll_id": poll["id"], "option_id": self.rng.choice(poll["options"])}

    def reply(self) -> dict[str, Any]:
        self.made["forum_posts"] += 1
        return {
            "post_id": str(uuid.uuid4()),
            "thread_id": next(self.threads),
            "body": f"Reactie {self.made['forum_posts']} van {self.learner}: goed punt!",
        }

    def thread(self) -> dict[str, Any]:
        self.made["forum_threads"] += 1
        return {
            "thread_id": str(uuid.uuid4()),
            "course_id": next(self.course_ids),
            "title": f"Vraag {self.made['forum_threads']} van {self.learner}",
            "body": "Hoe geven jullie feedback aan iemand die je nog niet goed kent?",
        }

    def expected(self) -> dict[str, int]:
        rows = {table: len(keys) for table, keys in self.seen.items()}
        rows.update(self.made)
        return rows


def plan(learner: str, client_id: str, actions: int, catalogue: Mapping[str, Any]) -> LearnerPlan:
    """The learner's `actions` queued actions, numbered from 1 (as the outbox claims them)."""
    rng = random.Random(learner)
    builder = _Builder(learner, catalogue, rng)
    make: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
        "progress.update": ("progress", builder.progress),
        "playback.position": ("position", builder.playback),
        "exercise.answer": ("answer", builder.answer),
        "poll.vote": ("vote", builder.vote),
        "forum.reply": ("forum", builder.reply),
        "forum.new_thread": ("forum", builder.thread),
    }
    now = datetime.now(UTC).isoformat(timespec="seconds")
    items = []
    for seq, name in enumerate(_kinds(actions, catalogue, rng), start=1):
        kind, build = make[name]
        items.append(
            OutboxItem(
                id=seq,
                mutation_id=str(uuid.uuid4()),
                client_id=client_id,
                seq=seq,
                kind=kind,
                name=name,
                args=build(),
                state=OutboxState.SENDING,
                created_at=now,
            )
        )
    return LearnerPlan(items=items, expected=builder.expected())


def batches(items: Sequence[OutboxItem], size: int) -> list[list[OutboxItem]]:
    """The queue in the client's batches (desktop.sync.engine.EngineLimits.batch_size)."""
    return [list(items[start : start + size]) for start in range(0, len(items), size)]
