"""Who takes part in which course: every learner in an open course, enrolled learners in a
closed one, moderators and admins everywhere. Called inside request and push transactions on
worker threads, and by CLI commands on the main thread."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.models import Role, User
from server.content.models import Course, Enrolment
from server.language import _

STAFF = (Role.MODERATOR, Role.ADMIN)


def not_enrolled_in(title: str) -> str:
    """Why a learner may not open a closed course's content nor change anything in it, and
    what to do about it."""
    return _("You are not enrolled in the course '{title}'; ask the academy to enrol you.").format(
        title=title
    )


def _is_staff(session: Session, user_id: int) -> bool:
    return Role(session.execute(select(User.role).where(User.id == user_id)).scalar_one()) in STAFF


def courses_of(session: Session, user_id: int) -> list[str]:
    """The courses whose content, forum, polls and changes the user may read, by id."""
    if _is_staff(session, user_id):
        return list(session.scalars(select(Course.id).order_by(Course.id)))
    enrolled = select(Enrolment.course_id).where(Enrolment.user_id == user_id)
    return list(
        session.scalars(
            select(Course.id)
            .where((Course.enrolment == "open") | Course.id.in_(enrolled))
            .order_by(Course.id)
        )
    )


def takes_part(session: Session, user_id: int, course_id: str) -> bool:
    """Whether the user takes part in this one course (False for an unknown course)."""
    return user_id in participants(session, course_id, [user_id])


def participants(session: Session, course_id: str, user_ids: Collection[int]) -> set[int]:
    """Those of ``user_ids`` who take part in the course (none of an unknown course): one query
    for an open course, three for a closed one, however many users."""
    enrolment = session.execute(
        select(Course.enrolment).where(Course.id == course_id)
    ).scalar_one_or_none()
    if enrolment is None or not user_ids:
        return set()
    if enrolment == "open":
        return set(user_ids)
    staff = select(User.id).where(User.id.in_(user_ids), User.role.in_(STAFF))
    enrolled = select(Enrolment.user_id).where(
        Enrolment.course_id == course_id, Enrolment.user_id.in_(user_ids)
    )
    return set(session.scalars(staff)) | set(session.scalars(enrolled))


def refusal(session: Session, user_id: int, course_id: str) -> str | None:
    """Why the user may not take part in this course; None if they may (or there is no such
    course, which the caller reports in its own words)."""
    title = session.execute(select(Course.title).where(Course.id == course_id)).scalar_one_or_none()
    if title is None or takes_part(session, user_id, course_id):
        return None
    return not_enrolled_in(title)
