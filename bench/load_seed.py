"""The load bench's seeding step: N learner accounts at once, and what the demo courses hold.

Run by bench/academy_load.py with the measured academy's own interpreter (it may be another
checkout: `--tree`), after `samen-server seed-demo`; main thread, one process. The accounts go
in through the server's own models in one transaction, sharing one argon2 hash (hashing a
thousand passwords one by one would take minutes and measures nothing). Each learner is
enrolled in every demo course. Prints one JSON object: the academy's database URL and the
courses' lessons, exercises, media, open polls and open threads the generated actions use.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, required=True, help="the academy's checkout")
    parser.add_argument("--data", type=Path, required=True, help="the academy's data directory")
    parser.add_argument("--database-url", default=None, help="default: SQLite in --data")
    parser.add_argument("--learners", type=int, required=True)
    parser.add_argument("--prefix", default="load")
    parser.add_argument("--password", required=True)
    return parser.parse_args(argv)


def learner_name(prefix: str, number: int) -> str:
    return f"{prefix}-{number:05d}"


def seed(args: argparse.Namespace) -> dict[str, Any]:
    # The measured academy's code, not this checkout's: --tree goes first on the path.
    sys.path.insert(0, str(args.tree.resolve()))
    from sqlalchemy import select

    from server.auth.models import Role, User
    from server.auth.passwords import hash_password
    from server.config import ServerConfig
    from server.content.models import Course, Enrolment, Exercise, Lesson, MediaFile
    from server.db import Database
    from server.social.models import ForumThread, Poll

    config = ServerConfig(data_dir=args.data.resolve(), database_url=args.database_url)
    database = Database(config.sqlalchemy_url)
    try:
        with database.session() as session:
            password_hash = hash_password(args.password)
            users = [
                User(
                    username=learner_name(args.prefix, number),
                    display_name=f"Load learner {number}",
                    role=Role.LEARNER,
                    password_hash=password_hash,
                )
                for number in range(1, args.learners + 1)
            ]
            session.add_all(users)
            session.flush()
            course_ids = list(session.scalars(select(Course.id).order_by(Course.id)))
            session.add_all(
                Enrolment(course_id=course_id, user_id=user.id)
                for user in users
                for course_id in course_ids
            )
            session.commit()
            courses: dict[str, Any] = {}
            for course_id in course_ids:
                lessons = list(
                    session.scalars(
                        select(Lesson.id)
                        .where(Lesson.course_id == course_id)
                        .order_by(Lesson.position)
                    )
                )
                exercises = [
                    {
                        "id": exercise.id,
                        "kind": str(exercise.kind.value),
                        "options": [str(option["id"]) for option in exercise.options or []],
                    }
                    for exercise in session.scalars(
                        select(Exercise)
                        .join(Lesson, Lesson.id == Exercise.lesson_id)
                        .where(Lesson.course_id == course_id)
                        .order_by(Exercise.id)
                    )
                ]
                media = [
                    f"course:{course_id}/{path}"
                    for path, kind in session.execute(
                        select(MediaFile.path, MediaFile.content_type)
                        .where(MediaFile.course_id == course_id)
                        .order_by(MediaFile.path)
                    )
                    if kind.startswith(("audio/", "video/"))
                ]
                polls = [
                    {"id": poll.id, "options": [option.id for option in poll.options]}
                    for poll in session.scalars(select(Poll).where(Poll.course_id == course_id))
                    if poll.closes_at is None
                ]
                threads = list(
                    session.scalars(
                        select(ForumThread.id).where(
                            ForumThread.course_id == course_id,
                            ForumThread.locked.is_(False),
                            ForumThread.hidden.is_(False),
                            ForumThread.deleted.is_(False),
                        )
                    )
                )
                courses[course_id] = {
                    "lessons": lessons,
                    "exercises": exercises,
                    "media": media,
                    "polls": polls,
                    "threads": threads,
                }
            return {
                "database_url": config.sqlalchemy_url,
                "learners": {user.username: user.id for user in users},
                "courses": courses,
            }
    finally:
        database.dispose()


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    print(json.dumps(seed(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
