"""Who takes part in which course: every learner in an open course, enrolled learners in a
closed one, moderators and admins everywhere. Called inside request and push transactions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.models import Role, User
from server.content.models import Course, Enrolment

STAFF = (Role.MODERATOR, Role.ADMIN)
NOT_ENROLLED = "You are not enrolled in this course, so you cannot take part in it here."


def courses_of(session: Session, user_id: int) -> list[str]:
    """The courses whose forum, polls and changes the user may read, by id."""
    role = Role(session.execute(select(User.role).where(User.id == user_id)).scalar_one())
    if role in STAFF:
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
    return course_id in courses_of(session, user_id)
