"""Benchmark: a learner's offline backlog of mixed actions pushed at once, with points.

Usage: .venv/bin/python bench/points_backlog.py [--actions 100 1000] [--days 10]

All on 127.0.0.1: seeds and starts a demo academy (tests/server_process.py; e-mails go to .eml
files), then for each size pushes one new learner's backlog in batches of 500 over real HTTP:
a quarter supporter requests (4 a day over --days days, distinct addresses; an academy takes
at most a week's worth from one learner in one day), every lesson
completed, the rest position updates, each with its own time of the day it was "done". Prints
the push time, the time until every supporter e-mail was written by the academy's mailer, and
checks the points against what the rules give (a wrong total exits 1).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests/ (server process, sync helpers) is not installed

from tests.server.sync_api import Installation, add_learner, mutation  # noqa: E402
from tests.server_process import start_server  # noqa: E402

COURSE = "learning-together"
LESSONS = ("learning-together-1", "learning-together-2", "learning-together-3")
EXERCISE = "learning-together-2-e1"


def backlog(size: int, days: int) -> tuple[list[dict[str, Any]], int]:
    """The actions and the points they should earn in COURSE."""
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start -= timedelta(days=days + 1)
    items: list[dict[str, Any]] = []
    asks = min(size // 4, 4 * days)
    for n in range(asks):
        address = f"f{n}-{uuid.uuid4().hex[:6]}@example.org"
        args = {"request_id": str(uuid.uuid4()), "exercise_id": EXERCISE,
                "supporter_name": f"Friend {n}", "supporter_email": address,
                "message": "A quick look?", "answer": "My explanation."}  # fmt: skip
        item = mutation(0, "supporter.request", args)
        item["created_at"] = (start + timedelta(days=n // 4, hours=9 + n % 4)).isoformat()
        items.append(item)
    for position, lesson in enumerate(LESSONS):
        args = {"course_id": COURSE, "lesson_id": lesson, "position_ms": 0, "completed": True}
        items.append(mutation(0, "progress.update", args))
        items[-1]["created_at"] = (start + timedelta(days=position)).isoformat()
    while len(items) < size:
        args = {"course_id": COURSE, "lesson_id": LESSONS[0], "position_ms": len(items),
                "completed": False}  # fmt: skip
        items.append(mutation(0, "progress.update", args))
    for seq, item in enumerate(items, start=1):
        item["seq"] = seq
    per_day = {}
    for n in range(asks):
        per_day[n // 4] = per_day.get(n // 4, 0) + 1
    expected = sum(min(count, 3) * 5 for count in per_day.values()) + 10 * len(LESSONS)
    return items, expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--days", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(Path(folder) / "academy")
        ok = True
        try:
            for size in args.actions:
                me = Installation.login(server, add_learner(server))
                items, expected = backlog(size, args.days)
                mail_before = len(list((server.data_dir / "mail").glob("*.eml")))
                began = time.perf_counter()
                for first in range(0, len(items), 500):
                    reply = me.push(*items[first : first + 500])
                    assert all(r["status"] == "applied" for r in reply["results"]), reply
                pushed = time.perf_counter() - began
                asks = sum(1 for item in items if item["name"] == "supporter.request")
                while len(list((server.data_dir / "mail").glob("*.eml"))) < mail_before + asks:
                    time.sleep(0.01)
                mailed = time.perf_counter() - began
                total = next(
                    change["data"]["total"]
                    for change in reversed(me.pull_all()[0])
                    if change["entity"] == "points" and change["id"] == COURSE
                )
                ok = ok and total == expected
                print(
                    f"{size:>6} actions ({asks} supporter requests): push {pushed * 1000:8.0f} ms, "
                    f"all e-mails written {mailed * 1000:8.0f} ms, points {total} "
                    f"(expected {expected})"
                )
        finally:
            server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
