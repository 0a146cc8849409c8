"""Points over real HTTP: the ledger counts each event once, by the event's own time, so a
backlog of 100 actions written offline over eight days and sent at once earns exactly what it
would have earned live, in any order, and nothing more when it is sent again."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.server.sync_api import Installation, add_learner, mutation
from tests.server.test_supporter import exercise
from tests.server_process import LiveServer, copy_academy, start_server

LESSONS = {
    "learning-together": ("learning-together-1", "learning-together-2", "learning-together-3"),
    "samen-leren": ("samen-leren-1", "samen-leren-2", "samen-leren-3"),
}


@pytest.fixture(scope="module")
def points_academy(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("points") / "data"
    copy_academy(seeded_template, data_dir)
    server = start_server(data_dir, seed_demo=False)  # e-mails go to .eml files
    yield server
    server.stop()


def _at(item: dict[str, Any], when: datetime) -> dict[str, Any]:
    item["created_at"] = when.isoformat()
    return item


def backlog(exercise_id: str, start: datetime) -> list[dict[str, Any]]:
    """100 actions over eight days: 4 supporter requests a day (3 a day earn points; 32 in
    all, within a week's worth arriving at once), every lesson completed (once with points,
    once again without), positions between."""
    items: list[dict[str, Any]] = []
    args: dict[str, Any]
    for day in range(8):
        for n in range(4):
            args = {
                "request_id": str(uuid.uuid4()),
                "exercise_id": exercise_id,
                "supporter_name": f"Friend {day}-{n}",
                "supporter_email": f"friend-{uuid.uuid4().hex[:8]}@example.org",
                "message": "A quick look?",
                "answer": "My explanation.",
            }
            when = start + timedelta(days=day, hours=9 + n)
            items.append(_at(mutation(0, "supporter.request", args), when))
    for course, lessons in LESSONS.items():
        for position, lesson in enumerate(lessons):
            for completed in (True, True):  # the second completion earns nothing
                args = {"course_id": course, "lesson_id": lesson, "position_ms": 1000 * position,
                        "completed": completed}  # fmt: skip
                when = start + timedelta(days=position, hours=20)
                items.append(_at(mutation(0, "progress.update", args), when))
    while len(items) < 100:
        args = {"course_id": "learning-together", "lesson_id": "learning-together-1",
                "position_ms": 5000 + len(items), "completed": False}  # fmt: skip
        items.append(_at(mutation(0, "progress.update", args), start + timedelta(days=2)))
    return items


def send(me: Installation, items: list[dict[str, Any]]) -> None:
    for seq, item in enumerate(items, start=1):
        item["seq"] = seq
    reply = me.push(*items)
    rejected = [r for r in reply["results"] if r["status"] != "applied"]
    assert rejected == [], rejected


def points(me: Installation) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for change in me.pull_all()[0]:
        if change["entity"] == "points":
            found[change["id"]] = change["data"]
    return found


def test_a_backlog_of_100_actions_earns_exact_points_once_in_any_order(
    points_academy: LiveServer,
) -> None:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=12
    )
    allowed = exercise(points_academy)
    expected = {
        "learning-together": {"supporter_asked": 8 * 3 * 5, "lesson_completed": 3 * 10},
        "samen-leren": {"lesson_completed": 3 * 10},
    }

    anna = Installation.login(points_academy, add_learner(points_academy))
    items = backlog(allowed, start)
    assert len(items) == 100
    send(anna, items)
    mine = points(anna)
    assert {course: data["by_reason"] for course, data in mine.items()} == expected
    assert mine["learning-together"]["total"] == 150
    assert mine["learning-together"]["recent"][0]["occurred_at"] <= datetime.now(UTC).isoformat()

    again = anna.push(*items)  # the same backlog again (a lost reply): replayed, not re-applied
    assert {r["status"] for r in again["results"]} == {"duplicate"}
    assert points(anna)["learning-together"]["total"] == 150

    ben = Installation.login(points_academy, add_learner(points_academy))
    shuffled = backlog(allowed, start)
    random.Random(7).shuffle(shuffled)  # another order of arrival, the same days
    send(ben, shuffled)
    assert {c: d["by_reason"] for c, d in points(ben).items()} == expected


def test_completing_a_lesson_twice_on_two_devices_counts_once(
    points_academy: LiveServer,
) -> None:
    username = add_learner(points_academy)
    laptop = Installation.login(points_academy, username)
    phone = Installation.login(points_academy, username)
    done = {"course_id": "samen-leren", "lesson_id": "samen-leren-1", "position_ms": 0,
            "completed": True}  # fmt: skip
    laptop.push(mutation(1, "progress.update", done))
    phone.push(mutation(1, "progress.update", done))
    assert points(laptop)["samen-leren"]["total"] == 10
