"""exercise.answer: a learner's answer to one exercise, the latest one kept.

Runs inside a push's savepoint on a worker thread. A multiple-choice answer is marked correct or
not here (the client shows the option's feedback offline, from the signed course); open answers
and reflections are stored as written. Emits an ``answer`` change in the learner's own scope, so
the answer shows on their other devices.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from server.content.models import Exercise, ExerciseKind, Lesson
from server.db import table_of
from server.language import _
from server.progress.models import Answer
from server.sync.changes import iso, user_scope
from server.sync.mutations import MutationArgs, MutationContext, MutationSpec, Rejected

MAX_ANSWER_CHARS = 20_000


class AnswerArgs(MutationArgs):
    exercise_id: str = Field(min_length=1, max_length=120)
    option_id: str | None = Field(default=None, max_length=64)
    text: str = Field(default="", max_length=MAX_ANSWER_CHARS)


@dataclass(frozen=True)
class ExerciseFacts:
    id: str
    lesson_id: str
    course_id: str
    kind: ExerciseKind
    correct_options: frozenset[str]
    options: frozenset[str]


def _facts(ctx: MutationContext, exercise_id: str) -> ExerciseFacts | None:
    key = ("exercise", exercise_id)
    if key not in ctx.memo:
        row = ctx.session.execute(
            select(
                Exercise.id, Exercise.lesson_id, Lesson.course_id, Exercise.kind, Exercise.options
            )
            .join(Lesson, Lesson.id == Exercise.lesson_id)
            .where(Exercise.id == exercise_id)
        ).one_or_none()
        ctx.memo[key] = (
            None
            if row is None
            else ExerciseFacts(
                id=row.id,
                lesson_id=row.lesson_id,
                course_id=row.course_id,
                kind=ExerciseKind(row.kind),
                correct_options=frozenset(o["id"] for o in row.options if o.get("correct")),
                options=frozenset(o["id"] for o in row.options),
            )
        )
    facts: ExerciseFacts | None = ctx.memo[key]
    return facts


@cache
def _upsert(dialect: str) -> ReturningInsert[tuple[int]]:
    table = table_of(Answer)
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.exercise_id],
        set_={
            "option_id": new.option_id,
            "text": new.text,
            "correct": new.correct,
            "version": table.c.version + 1,
            "answered_at": new.answered_at,
        },
    ).returning(table.c.version)


def course_of(ctx: MutationContext, args: AnswerArgs) -> str | None:
    exercise = _facts(ctx, args.exercise_id)
    return None if exercise is None else exercise.course_id


def answer(ctx: MutationContext, args: AnswerArgs) -> dict[str, Any]:
    exercise = _facts(ctx, args.exercise_id)
    if exercise is None:
        raise Rejected(
            "not_found", _("This exercise is no longer part of the course."), subject="exercise"
        )
    correct: bool | None = None
    text = args.text.strip()
    if exercise.kind is ExerciseKind.MULTIPLE_CHOICE:
        if args.option_id is None or args.option_id not in exercise.options:
            raise Rejected(
                "invalid_args", _("Pick one of the exercise's options."), subject="option"
            )
        correct = args.option_id in exercise.correct_options
        text = ""
    else:
        if args.option_id is not None:
            raise Rejected(
                "invalid_args", _("This exercise asks for a written answer."), subject="written"
            )
        if not text:
            raise Rejected("invalid_args", _("An empty answer was not sent."), subject="empty")
    stored = ctx.connection.execute(
        _upsert(ctx.connection.dialect.name),
        {
            "user_id": ctx.user_id,
            "exercise_id": exercise.id,
            "lesson_id": exercise.lesson_id,
            "option_id": args.option_id,
            "text": text,
            "correct": correct,
            "version": 1,
            "answered_at": ctx.now,
        },
    ).one()
    data = {
        "exercise_id": exercise.id,
        "lesson_id": exercise.lesson_id,
        "course_id": exercise.course_id,
        "kind": exercise.kind.value,
        "option_id": args.option_id,
        "text": text,
        "correct": correct,
        "answered_at": iso(ctx.now),
    }
    ctx.changes.put(user_scope(ctx.user_id), "answer", exercise.id, data)
    return {**data, "version": int(stored.version)}


EXERCISE_ANSWER = MutationSpec("exercise.answer", AnswerArgs, answer, course_of)
