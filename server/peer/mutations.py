"""peer.submit, peer.feedback and peer.rate, inside a push's savepoint on a worker thread.

A learner shares work only with explicit consent. One submission per learner per exercise: a
later one replaces the content of the first (same id, next version) and keeps its reviewers,
because a learner improving their work, or sending it from a second device, should not lose
the feedback under way nor reshuffle other learners' work. Feedback is given once per
assignment; the author may change their rating, but a reviewer earns "helpful" points once.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import insert, select, update

from server.content.access import participants
from server.content.models import Exercise, Lesson
from server.db import table_of
from server.language import N_, _, ngettext, number
from server.peer.allocation import allocate
from server.peer.entities import (
    emit_assignment,
    emit_feedback,
    emit_submission,
    questions_of,
)
from server.peer.models import PeerAssignment, PeerSubmission
from server.points.ledger import award
from server.sync.changes import iso
from server.sync.mutations import MutationArgs, MutationContext, MutationSpec, Rejected
from server.uploads.readiness import require_upload

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
MAX_TEXT = 10_000
MAX_ANSWER = 5_000
MAX_QUESTIONS = 5
NO_CONSENT = N_("Nothing is shared without your consent.")


class SubmitArgs(MutationArgs):
    submission_id: str = Field(pattern=UUID)
    exercise_id: str = Field(max_length=120)
    consent: bool
    text: str = Field(default="", max_length=MAX_TEXT * 2)
    upload_id: str | None = Field(default=None, max_length=64)


class FeedbackArgs(MutationArgs):
    assignment_id: str = Field(pattern=UUID)
    answers: list[str] = Field(max_length=MAX_QUESTIONS * 2)


class RateArgs(MutationArgs):
    feedback_id: str = Field(pattern=UUID)
    helpful: bool


def _exercise(ctx: MutationContext, exercise_id: str) -> Any:
    return ctx.connection.execute(
        select(
            Exercise.id,
            Exercise.peer_review,
            Exercise.peer_questions,
            Lesson.course_id,
            Lesson.language,
        )
        .join(Lesson, Lesson.id == Exercise.lesson_id)
        .where(Exercise.id == exercise_id)
    ).one_or_none()


def _exercise_course(ctx: MutationContext, args: SubmitArgs) -> str | None:
    exercise = _exercise(ctx, args.exercise_id)
    return None if exercise is None else str(exercise.course_id)


def _review_course(ctx: MutationContext, assignment_id: str) -> str | None:
    """The course of the work under review, whoever reviews it (handlers check who)."""
    assignments, submissions = table_of(PeerAssignment), table_of(PeerSubmission)
    course_id: str | None = ctx.connection.execute(
        select(submissions.c.course_id)
        .join(assignments, assignments.c.submission_id == submissions.c.id)
        .where(assignments.c.id == assignment_id)
    ).scalar_one_or_none()
    return course_id


def submit(ctx: MutationContext, args: SubmitArgs) -> dict[str, Any]:
    if not args.consent:
        raise Rejected("invalid_args", _(NO_CONSENT), subject="consent")
    exercise = _exercise(ctx, args.exercise_id)
    if exercise is None:
        raise Rejected(
            "not_found", _("This exercise is no longer in the course."), subject="exercise"
        )
    if not exercise.peer_review:
        raise Rejected(
            "forbidden", _("This exercise is not one for peer feedback."), subject="peer_review"
        )
    text = args.text.strip()
    if len(text) > MAX_TEXT:
        raise Rejected(
            "too_long",
            _("The text has {length} characters; at most {limit} can be shared.").format(
                length=number(len(text)), limit=number(MAX_TEXT)
            ),
            subject="submission",
            length=len(text),
            limit=MAX_TEXT,
        )
    if not text and args.upload_id is None:
        raise Rejected(
            "invalid_args", _("Write something or add a recording to share."), subject="empty"
        )
    upload = None if args.upload_id is None else require_upload(ctx, args.upload_id)
    table = table_of(PeerSubmission)
    taken = ctx.connection.execute(
        select(table.c.user_id).where(table.c.id == args.submission_id)
    ).scalar_one_or_none()
    if taken is not None and taken != ctx.user_id:
        raise Rejected("conflict", _("A submission with this id exists already."), subject="id")
    existing = ctx.connection.execute(
        select(table.c.id).where(table.c.user_id == ctx.user_id, table.c.exercise_id == exercise.id)
    ).scalar_one_or_none()
    submitted_at = ctx.occurred_at or ctx.now
    content = {
        "text": text,
        "upload_id": None if upload is None else upload.id,
        "submitted_at": submitted_at,
    }
    if existing is not None:
        ctx.connection.execute(
            update(table)
            .where(table.c.id == existing)
            .values(**content, version=table.c.version + 1)
        )
        submission_id, made = str(existing), []
        assignments = table_of(PeerAssignment)
        # Reviewers see the new content (their own answers stay as they gave them), those
        # who still take part in the course: a closed course's work is not for others.
        reviewers = ctx.connection.execute(
            select(assignments.c.id, assignments.c.reviewer_id).where(
                assignments.c.submission_id == submission_id
            )
        ).all()
        taking_part = participants(
            ctx.session, exercise.course_id, [int(row.reviewer_id) for row in reviewers]
        )
        for row in reviewers:
            if int(row.reviewer_id) in taking_part:
                emit_assignment(ctx.session, ctx.changes, row.id)
    else:
        submission_id = args.submission_id
        ctx.connection.execute(
            insert(table).values(
                id=submission_id,
                user_id=ctx.user_id,
                course_id=exercise.course_id,
                exercise_id=exercise.id,
                created_at=ctx.now,
                version=1,
                **content,
            )
        )
        made = allocate(
            ctx.connection,
            submission_id,
            questions_of(exercise.peer_questions, exercise.language),
            ctx.now,
            lambda user_ids: participants(ctx.session, exercise.course_id, user_ids),
        )
    for item in made:
        emit_assignment(ctx.session, ctx.changes, item.assignment_id)
    for touched in {submission_id, *(item.submission_id for item in made)}:
        emit_submission(ctx.session, ctx.changes, touched)
    return {
        "submission_id": submission_id,
        "replaced": existing is not None,
        "reviewers_assigned": sum(1 for item in made if item.submission_id == submission_id),
    }


def _own_assignment(ctx: MutationContext, assignment_id: str) -> Any:
    assignments, submissions = table_of(PeerAssignment), table_of(PeerSubmission)
    row = ctx.connection.execute(
        select(assignments, submissions.c.course_id, submissions.c.user_id.label("author_id"))
        .join(submissions, submissions.c.id == assignments.c.submission_id)
        .where(assignments.c.id == assignment_id)
    ).one_or_none()
    if row is None or row.reviewer_id != ctx.user_id:
        raise Rejected(
            "not_found", _("There is no such piece of work for you to review."), subject="review"
        )
    return row


def give(ctx: MutationContext, args: FeedbackArgs) -> dict[str, Any]:
    row = _own_assignment(ctx, args.assignment_id)
    if row.answers is not None:
        raise Rejected("conflict", _("You already gave feedback on this work."), subject="review")
    questions = list(row.questions)
    if len(args.answers) != len(questions):
        raise Rejected(
            "invalid_args",
            ngettext(
                "Give {count} answer, one per question ({given} given).",
                "Give {count} answers, one per question ({given} given).",
                len(questions),
            ).format(count=len(questions), given=len(args.answers)),
            subject="answers",
            count=len(questions),
            given=len(args.answers),
        )
    answers = [answer.strip() for answer in args.answers]
    if not any(answers):
        raise Rejected("invalid_args", _("Answer at least one of the questions."), subject="empty")
    longest = max(len(answer) for answer in answers)
    if longest > MAX_ANSWER:
        raise Rejected(
            "too_long",
            _("An answer has {length} characters; at most {limit} fit.").format(
                length=number(longest), limit=number(MAX_ANSWER)
            ),
            subject="review",
            length=longest,
            limit=MAX_ANSWER,
        )
    given_at = ctx.occurred_at or ctx.now
    table = table_of(PeerAssignment)
    ctx.connection.execute(
        update(table)
        .where(table.c.id == row.id)
        .values(answers=answers, given_at=given_at, version=table.c.version + 1)
    )
    award(
        ctx,
        user_id=ctx.user_id,
        course_id=row.course_id,
        reason="peer_feedback_given",
        source=f"peer_feedback:{row.id}",
        occurred_at=given_at,
    )
    emit_assignment(ctx.session, ctx.changes, row.id)
    emit_feedback(ctx.session, ctx.changes, row.id)
    emit_submission(ctx.session, ctx.changes, row.submission_id)
    return {"assignment_id": row.id, "given_at": iso(given_at)}


def rate(ctx: MutationContext, args: RateArgs) -> dict[str, Any]:
    assignments, submissions = table_of(PeerAssignment), table_of(PeerSubmission)
    row = ctx.connection.execute(
        select(assignments, submissions.c.course_id, submissions.c.user_id.label("author_id"))
        .join(submissions, submissions.c.id == assignments.c.submission_id)
        .where(assignments.c.id == args.feedback_id)
    ).one_or_none()
    if row is None or row.author_id != ctx.user_id or row.answers is None:
        raise Rejected(
            "not_found", _("There is no such feedback on your work."), subject="feedback"
        )
    if row.helpful != args.helpful:
        ctx.connection.execute(
            update(assignments)
            .where(assignments.c.id == row.id)
            .values(helpful=args.helpful, rated_at=ctx.now, version=assignments.c.version + 1)
        )
    if args.helpful:
        # Unique by source: rating helpful again after a change of mind earns nothing more.
        award(
            ctx,
            user_id=row.reviewer_id,
            course_id=row.course_id,
            reason="feedback_helpful",
            source=f"helpful:{row.id}",
            occurred_at=ctx.occurred_at or ctx.now,
        )
    emit_feedback(ctx.session, ctx.changes, row.id)
    emit_assignment(ctx.session, ctx.changes, row.id)
    return {"feedback_id": row.id, "helpful": args.helpful}


PEER_SUBMIT = MutationSpec("peer.submit", SubmitArgs, submit, _exercise_course)
PEER_FEEDBACK = MutationSpec(
    "peer.feedback", FeedbackArgs, give, lambda ctx, args: _review_course(ctx, args.assignment_id)
)
PEER_RATE = MutationSpec(
    "peer.rate", RateArgs, rate, lambda ctx, args: _review_course(ctx, args.feedback_id)
)
PEER_MUTATIONS = (PEER_SUBMIT, PEER_FEEDBACK, PEER_RATE)
