"""Course pseudonyms: one stable random name per learner per course, made on first use.
Called inside push transactions on worker threads (forum posts, peer feedback) and by the
seeder on the main thread."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.content.models import Course
from server.db import table_of
from server.social.models import CoursePseudonym, PeerPseudonym

# A pseudonym is read beside the course's content, so it is in the course's language (the
# glossary's words: cursist, medecursist); other languages get the English ones.
_PREFIXES = {"nl": ("Cursist", "Medecursist")}
_ENGLISH = ("Learner", "Peer")


def course_pseudonym(session: Session, course_id: str, user_id: int) -> str:
    """The learner's forum pseudonym in this course, whatever the course's forum shows."""
    return forum_pseudonym(session, course_id, user_id, _language(session, course_id))


def forum_pseudonym(session: Session, course_id: str, user_id: int, language: str | None) -> str:
    """:func:`course_pseudonym` for a caller that knows the course's language already (a push
    reads it once per batch, not once per post)."""
    prefix = _PREFIXES.get(language or "", _ENGLISH)[0]
    return _pseudonym(session, CoursePseudonym, prefix, course_id, user_id)


def peer_pseudonym(session: Session, course_id: str, user_id: int) -> str:
    """The learner's name in this course's peer feedback (not their forum pseudonym)."""
    prefix = _PREFIXES.get(_language(session, course_id) or "", _ENGLISH)[1]
    return _pseudonym(session, PeerPseudonym, prefix, course_id, user_id)


def _language(session: Session, course_id: str) -> str | None:
    language: str | None = session.execute(
        select(Course.language).where(Course.id == course_id)
    ).scalar_one_or_none()
    return language


def _pseudonym(
    session: Session,
    model: type[CoursePseudonym] | type[PeerPseudonym],
    prefix: str,
    course_id: str,
    user_id: int,
) -> str:
    table = table_of(model)
    mine = (table.c.course_id == course_id) & (table.c.user_id == user_id)
    existing = session.execute(select(table.c.name).where(mine)).scalar_one_or_none()
    if existing is not None:
        return str(existing)
    dialect = session.connection().dialect.name
    while True:
        # DO NOTHING on any conflict: the same learner's other device may have made one a
        # moment ago (its name wins), or the random name is taken (try another).
        name = f"{prefix} {secrets.token_hex(3).upper()}"
        insert_ = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        session.execute(
            insert_.values(course_id=course_id, user_id=user_id, name=name).on_conflict_do_nothing()
        )
        stored = session.execute(select(table.c.name).where(mine)).scalar_one_or_none()
        if stored is not None:
            return str(stored)
