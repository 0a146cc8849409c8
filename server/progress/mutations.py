"""progress.update: lesson progress merged monotonically (max position; completed reverts only
when the learner takes "done" back, `reopened`).

Runs inside a push's savepoint on a worker thread; one upsert statement per mutation (and one
update when it reopens the lesson).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, case, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from server.content.models import Lesson
from server.db import table_of
from server.language import _
from server.points.ledger import award
from server.progress.models import Progress
from server.sync.changes import user_scope
from server.sync.mutations import MutationArgs, MutationContext, MutationSpec, Rejected
from server.wire_limits import NonNegativeInt


class ProgressArgs(MutationArgs):
    course_id: str
    lesson_id: str
    position_ms: NonNegativeInt
    completed: bool
    # The learner took "done" back: completed becomes false (the position still only grows).
    # Points earned by the completion stay (the ledger's source is spent, so marking the
    # lesson done again earns nothing more).
    reopened: bool = False


def _lesson_course(ctx: MutationContext, lesson_id: str) -> str | None:
    key = ("lesson", lesson_id)
    if key not in ctx.memo:
        ctx.memo[key] = ctx.session.execute(
            select(Lesson.course_id).where(Lesson.id == lesson_id)
        ).scalar_one_or_none()
    course_id: str | None = ctx.memo[key]
    return course_id


@cache
def _merge_statement(dialect: str) -> ReturningInsert[tuple[int, bool, int]]:
    """The upsert, built once per dialect (building it costs more than running it)."""
    table = table_of(Progress)
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    new = insert.excluded
    # Only a real advance updates the row; otherwise RETURNING yields nothing.
    return insert.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.lesson_id],
        set_={
            "position_ms": case(
                (new.position_ms > table.c.position_ms, new.position_ms),
                else_=table.c.position_ms,
            ),
            "completed": or_(table.c.completed, new.completed),
            "version": table.c.version + 1,
            "updated_at": new.updated_at,
        },
        where=or_(
            new.position_ms > table.c.position_ms,
            and_(new.completed, not_(table.c.completed)),
        ),
    ).returning(table.c.position_ms, table.c.completed, table.c.version)


@cache
def _reopen_statement() -> ReturningUpdate[tuple[int, bool, int]]:
    table = table_of(Progress)
    return (
        update(table)
        .where(
            table.c.user_id == bindparam("of_user"),
            table.c.lesson_id == bindparam("of_lesson"),
            table.c.completed,
        )
        .values(
            completed=False,
            version=table.c.version + 1,
            updated_at=bindparam("now", type_=table.c.updated_at.type),
        )
        .returning(table.c.position_ms, table.c.completed, table.c.version)
    )


def course_of(ctx: MutationContext, args: ProgressArgs) -> str | None:
    """The lesson's own course (the handler refuses args naming another)."""
    return _lesson_course(ctx, args.lesson_id)


def update_progress(ctx: MutationContext, args: ProgressArgs) -> dict[str, Any]:
    if _lesson_course(ctx, args.lesson_id) != args.course_id:
        raise Rejected(
            "not_found",
            _("There is no lesson {lesson} in the course {course}.").format(
                lesson=args.lesson_id, course=args.course_id
            ),
            subject="lesson",
        )
    connection = ctx.connection
    merged = connection.execute(
        _merge_statement(connection.dialect.name),
        {
            "user_id": ctx.user_id,
            "lesson_id": args.lesson_id,
            "course_id": args.course_id,
            "position_ms": args.position_ms,
            "completed": args.completed and not args.reopened,
            "version": 1,
            "updated_at": ctx.now,
        },
    ).one_or_none()
    if args.reopened:
        reopened = connection.execute(
            _reopen_statement(),
            {"of_user": ctx.user_id, "of_lesson": args.lesson_id, "now": ctx.now},
        ).one_or_none()
        merged = reopened or merged
    table = table_of(Progress)
    row = (
        merged
        or connection.execute(
            select(table.c.position_ms, table.c.completed, table.c.version).where(
                table.c.user_id == ctx.user_id, table.c.lesson_id == args.lesson_id
            )
        ).one()
    )
    data = {
        "course_id": args.course_id,
        "lesson_id": args.lesson_id,
        "position_ms": int(row.position_ms),
        "completed": bool(row.completed),
    }
    if merged is not None:
        ctx.changes.put(user_scope(ctx.user_id), "progress", args.lesson_id, data)
        if merged.completed:  # the ledger's unique source makes a second completion earn 0
            award(
                ctx,
                user_id=ctx.user_id,
                course_id=args.course_id,
                reason="lesson_completed",
                source=f"lesson:{ctx.user_id}:{args.lesson_id}",
                occurred_at=ctx.occurred_at or ctx.now,
            )
    return {**data, "version": int(row.version)}


PROGRESS_UPDATE = MutationSpec("progress.update", ProgressArgs, update_progress, course_of)
