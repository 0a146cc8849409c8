"""Polls as the academy's staff manage them: create, close and list (the `samen-server poll`
commands). Each call works inside the caller's transaction and writes the change-log entries
learners pull; the caller commits. Runs on the CLI's main thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.content.models import Course, Lesson
from server.social.final_results import publish
from server.social.models import Poll, PollOption, PollVote
from server.social.polls import emit_poll, is_closed, poll_data
from server.sync.changes import ChangeBuffer, course_scope, iso, write_changes

MAX_STATEMENT = 500
MAX_OPTION = 300  # poll_options.text is a String(300)
MIN_OPTIONS, MAX_OPTIONS = 2, 10
_EXAMPLE = "2026-05-01T17:00+02:00 or 2026-05-01T15:00Z"


class PollAdminError(Exception):
    """A mistake in the command's input; the message says what and how to fix it."""


def parse_moment(text: str, option: str) -> datetime:
    """An ISO 8601 time with its time zone; a time without one is refused, since guessing
    UTC would shift a local time by hours without anyone noticing."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        message = f"{option} {text!r} is not an ISO 8601 time such as {_EXAMPLE}"
        raise PollAdminError(message) from None
    if moment.tzinfo is None:
        raise PollAdminError(f"{option} {text!r} has no time zone; write it as e.g. {_EXAMPLE}")
    return moment


def _statement(text: str) -> str:
    statement = text.strip()
    if not statement:
        raise PollAdminError("the statement is empty")
    if len(statement) > MAX_STATEMENT:
        raise PollAdminError(
            f"the statement has {len(statement)} characters; at most {MAX_STATEMENT} fit"
        )
    return statement


def _options(texts: list[str]) -> list[str]:
    options = [text.strip() for text in texts]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise PollAdminError(
            f"a poll needs {MIN_OPTIONS} to {MAX_OPTIONS} options (--option), not {len(options)}"
        )
    seen: set[str] = set()
    for option in options:
        if not option:
            raise PollAdminError("an option is empty")
        if len(option) > MAX_OPTION:
            raise PollAdminError(
                f"the option {option[:40]!r}... has {len(option)} characters; at most "
                f"{MAX_OPTION} fit"
            )
        if option.casefold() in seen:
            raise PollAdminError(f"the option {option!r} is given twice")
        seen.add(option.casefold())
    return options


def _new_id(session: Session, course_id: str) -> str:
    # Readable ids ("<course>-poll-<n>") for the operator's later `poll close`.
    prefix = f"{course_id[:48]}-poll-"
    number = 1 + int(
        session.execute(
            select(func.count()).select_from(Poll).where(Poll.course_id == course_id)
        ).scalar_one()
    )
    while session.get(Poll, f"{prefix}{number}") is not None:
        number += 1
    return f"{prefix}{number}"


def create_poll(
    session: Session,
    course_id: str,
    statement: str,
    options: list[str],
    now: datetime,
    lesson_id: str | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> str:
    """Add a poll (open from ``opens_at``, default now, until ``closes_at``, default never)
    and publish it to the course's learners; returns its id."""
    if session.get(Course, course_id) is None:
        raise PollAdminError(f"there is no course {course_id!r}")
    if lesson_id is not None:
        lesson_course = session.execute(
            select(Lesson.course_id).where(Lesson.id == lesson_id)
        ).scalar_one_or_none()
        if lesson_course != course_id:
            raise PollAdminError(f"the course {course_id!r} has no lesson {lesson_id!r}")
    text = _statement(statement)
    choices = _options(options)
    opens = opens_at or now
    if closes_at is not None and closes_at <= now:
        raise PollAdminError(f"--closes {iso(closes_at)} has passed already")
    if closes_at is not None and closes_at <= opens:
        raise PollAdminError(
            f"--closes {iso(closes_at)} is not after the poll opens ({iso(opens)})"
        )
    poll_id = _new_id(session, course_id)
    poll = Poll(
        id=poll_id,
        course_id=course_id,
        lesson_id=lesson_id,
        statement=text,
        opens_at=opens,
        closes_at=closes_at,
        created_at=now,
        options=[
            PollOption(id=f"{poll_id}-{n}", position=n, text=choice)
            for n, choice in enumerate(choices, start=1)
        ],
    )
    session.add(poll)
    session.flush()
    changes = ChangeBuffer()
    emit_poll(session, changes, poll, now)
    write_changes(session, changes.changes(), now)
    return poll_id


def close_poll(session: Session, poll_id: str, now: datetime) -> int:
    """Close the poll now and publish its final results to the course; returns its votes."""
    poll = session.get(Poll, poll_id)
    if poll is None:
        raise PollAdminError(f"there is no poll {poll_id!r}")
    if is_closed(poll.closes_at, now):
        raise PollAdminError(f"the poll {poll_id!r} closed already at {iso(poll.closes_at)}")
    poll.closes_at = now
    poll.opens_at = min(poll.opens_at, now)  # a poll that never opened: closed unopened
    session.flush()
    changes = ChangeBuffer()
    changes.put(course_scope(poll.course_id), "poll", poll.id, poll_data(poll))  # closes_at
    write_changes(session, changes.changes(), now)
    # The results through the sweep's guarded path, so a pull sweeping now cannot add a copy.
    publish(session, [poll_id], now)
    return _votes(session, [poll_id]).get(poll_id, 0)


@dataclass(frozen=True)
class PollLine:
    id: str
    course_id: str
    lesson_id: str | None
    state: str  # open | closed | not open yet
    votes: int
    statement: str


def _votes(session: Session, poll_ids: list[str]) -> dict[str, int]:
    rows = session.execute(
        select(PollVote.poll_id, func.count())
        .where(PollVote.poll_id.in_(poll_ids))
        .group_by(PollVote.poll_id)
    )
    return {poll_id: int(count) for poll_id, count in rows}


def _state(poll: Poll, now: datetime) -> str:
    if is_closed(poll.closes_at, now):
        return "closed"
    return "not open yet" if now < poll.opens_at else "open"


def list_polls(session: Session, now: datetime, course_id: str | None = None) -> list[PollLine]:
    """Every poll (of one course), by course and opening time."""
    if course_id is not None and session.get(Course, course_id) is None:
        raise PollAdminError(f"there is no course {course_id!r}")
    statement = select(Poll).order_by(Poll.course_id, Poll.opens_at, Poll.id)
    if course_id is not None:
        statement = statement.where(Poll.course_id == course_id)
    polls = session.scalars(statement).all()
    votes = _votes(session, [poll.id for poll in polls])
    return [
        PollLine(
            id=poll.id,
            course_id=poll.course_id,
            lesson_id=poll.lesson_id,
            state=_state(poll, now),
            votes=votes.get(poll.id, 0),
            statement=poll.statement,
        )
        for poll in polls
    ]
