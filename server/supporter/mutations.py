"""supporter.request and supporter.revoke, inside a push's savepoint on a worker thread.

A request stores what the learner chose to share (the exercise, their answer at that moment,
their message), a hash of a fresh link token, and the e-mail that carries the link, all in one
transaction: the e-mail goes exactly once per accepted request (the mailer sends it after the
commit). Limits against abuse: requests per learner per day, by the action's own day (so a
week offline still gets its requests out), and at most a week's worth arriving in one day
(so back-dating buys nothing more); e-mails per recipient per day by arrival, across all
learners; one plain recipient address; no text
from the learner in any header but the supporter's name.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import func, insert, select, update

from server.auth.models import User
from server.content.models import Course, Exercise, Lesson
from server.db import table_of
from server.language import LANGUAGES, SOURCE_LANGUAGE, _, current, ngettext, number
from server.points.ledger import award
from server.progress.models import Answer
from server.supporter.addresses import clean_name, valid_address
from server.supporter.links import link, new_token, token_hash
from server.supporter.mail_text import request_mail
from server.supporter.models import OutgoingMail, SupporterRequest
from server.sync.changes import ChangeBuffer, iso, user_scope
from server.sync.mutations import MutationArgs, MutationContext, MutationSpec, Rejected

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
MAX_MESSAGE = 2_000
MAX_ANSWER = 10_000
PER_RECIPIENT_PER_DAY = 3
ARRIVAL_DAYS = 7  # a learner's requests arriving in one day: up to a week's worth
DAY = timedelta(days=1)


class RequestArgs(MutationArgs):
    request_id: str = Field(pattern=UUID)
    exercise_id: str = Field(max_length=120)
    supporter_name: str = Field(max_length=200)
    supporter_email: str = Field(max_length=400)
    message: str = Field(max_length=MAX_MESSAGE * 2)
    answer: str = Field(default="", max_length=MAX_ANSWER * 2)
    # The language the supporter reads (the e-mail and the page); one the academy does not
    # speak is read as English, so a newer client's choice never blocks its request.
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")


class RevokeArgs(MutationArgs):
    request_id: str = Field(pattern=UUID)


def status_of(row: Any, now: datetime) -> str:
    """What the learner sees: revoked, answered, expired, email_failed, emailed or queued."""
    if row.revoked_at is not None:
        return "revoked"
    if row.answered_at is not None:
        return "answered"
    if row.expires_at <= now:
        return "expired"
    return {"failed": "email_failed", "sent": "emailed"}.get(row.mail_state, "queued")


def request_data(row: Any, now: datetime) -> dict[str, Any]:
    """The `supporter_request` entity (user scope): never the token, only the state."""
    return {
        "request_id": row.id,
        "course_id": row.course_id,
        "exercise_id": row.exercise_id,
        "supporter_name": row.supporter_name,
        "supporter_email": row.supporter_email,
        "message": row.message,
        "answer": row.answer,
        "asked_at": iso(row.asked_at),
        "expires_at": iso(row.expires_at),
        "status": status_of(row, now),
        "mail_error": row.mail_error,
        "feedback": row.feedback,
        "answered_at": iso(row.answered_at),
        "version": row.version,
        "language": row.language,
    }


def emit_request(connection: Any, changes: ChangeBuffer, request_id: str, now: datetime) -> None:
    table = table_of(SupporterRequest)
    row = connection.execute(select(table).where(table.c.id == request_id)).one()
    changes.put(user_scope(row.user_id), "supporter_request", row.id, request_data(row, now))


def _exercise(ctx: MutationContext, exercise_id: str) -> Any:
    return ctx.connection.execute(
        select(
            Exercise.id,
            Exercise.prompt,
            Exercise.supporter_allowed,
            Lesson.course_id,
            Course.title.label("course_title"),
        )
        .join(Lesson, Lesson.id == Exercise.lesson_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(Exercise.id == exercise_id)
    ).one_or_none()


def _count(ctx: MutationContext, *where: Any) -> int:
    return int(ctx.connection.execute(select(func.count()).where(*where)).scalar_one())


def _exercise_course(ctx: MutationContext, args: RequestArgs) -> str | None:
    exercise = _exercise(ctx, args.exercise_id)
    return None if exercise is None else str(exercise.course_id)


def _request_course(ctx: MutationContext, args: RevokeArgs) -> str | None:
    """The request's course, whoever made it (the handler refuses another's request)."""
    table = table_of(SupporterRequest)
    course_id: str | None = ctx.connection.execute(
        select(table.c.course_id).where(table.c.id == args.request_id)
    ).scalar_one_or_none()
    return course_id


def ask(ctx: MutationContext, args: RequestArgs) -> dict[str, Any]:
    config = ctx.config
    assert config is not None, "the push passes the server's config"
    if not config.public_url:
        # Never the address a request came in on: a learner could set its Host header and
        # have the academy mail a supporter a working link to a site of theirs.
        raise Rejected(
            "unavailable",
            _("This academy has no public address for links yet; ask it to set one."),
            subject="public_url",
        )
    exercise = _exercise(ctx, args.exercise_id)
    if exercise is None:
        raise Rejected(
            "not_found", _("This exercise is no longer in the course."), subject="exercise"
        )
    if not exercise.supporter_allowed:
        raise Rejected(
            "forbidden",
            _("This exercise is not one to ask a supporter about."),
            subject="supporter",
        )
    name = clean_name(args.supporter_name)
    if not name or len(name) > 100:
        raise Rejected(
            "invalid_args",
            _("Give the supporter's name (up to {limit} characters).").format(limit=100),
            subject="supporter_name",
            limit=100,
        )
    address = args.supporter_email.strip()
    if not valid_address(address):
        raise Rejected(
            "invalid_args",
            _("'{address}' is not an e-mail address Samen can write to.").format(address=address),
            subject="supporter_email",
            address=address,
        )
    message = args.message.strip()
    if len(message) > MAX_MESSAGE:
        raise Rejected(
            "too_long",
            _("The message has {length} characters; at most {limit} fit.").format(
                length=number(len(message)), limit=number(MAX_MESSAGE)
            ),
            subject="message",
            length=len(message),
            limit=MAX_MESSAGE,
        )
    table = table_of(SupporterRequest)
    if ctx.connection.execute(select(table.c.id).where(table.c.id == args.request_id)).first():
        raise Rejected("conflict", _("A request with this id exists already."), subject="id")
    asked_at = ctx.occurred_at or ctx.now
    day = asked_at.replace(hour=0, minute=0, second=0, microsecond=0)
    per_day = config.supporter_requests_per_day
    mine = table.c.user_id == ctx.user_id
    by_day = _count(ctx, mine, table.c.asked_at >= day, table.c.asked_at < day + DAY)
    # By arrival too: a week of offline requests arrives at once, but dates spread over the
    # whole back-dating window must not turn the academy into a mailer for one learner.
    by_arrival = _count(ctx, mine, table.c.created_at > ctx.now - DAY)
    if by_day >= per_day or by_arrival >= per_day * ARRIVAL_DAYS:
        raise Rejected(
            "rate_limited",
            ngettext(
                "You can ask supporters {count} time a day; ask this one again tomorrow.",
                "You can ask supporters {count} times a day; ask this one again tomorrow.",
                per_day,
            ).format(count=number(per_day)),
            subject="learner",
            count=per_day,
        )
    if (
        _count(
            ctx,
            func.lower(table.c.supporter_email) == address.lower(),
            table.c.created_at > ctx.now - DAY,
        )
        >= PER_RECIPIENT_PER_DAY
    ):
        raise Rejected(
            "rate_limited",
            ngettext(
                "{address} has had {count} request from this academy today; try again tomorrow.",
                "{address} has had {count} requests from this academy today; try again tomorrow.",
                PER_RECIPIENT_PER_DAY,
            ).format(address=address, count=number(PER_RECIPIENT_PER_DAY)),
            subject="recipient",
            address=address,
            count=PER_RECIPIENT_PER_DAY,
        )
    answer = args.answer.strip()
    if not answer:  # the answer as last synced, if the learner did not pass one
        answer = (
            ctx.connection.execute(
                select(Answer.text).where(
                    Answer.user_id == ctx.user_id, Answer.exercise_id == exercise.id
                )
            ).scalar_one_or_none()
            or ""
        )
    if not answer:
        raise Rejected(
            "invalid_args",
            _("Answer the exercise first, so there is something to give feedback on."),
            subject="no_answer",
        )
    if len(answer) > MAX_ANSWER:
        raise Rejected(
            "too_long",
            _("The answer has {length} characters; at most {limit} can be shared.").format(
                length=number(len(answer)), limit=number(MAX_ANSWER)
            ),
            subject="answer",
            length=len(answer),
            limit=MAX_ANSWER,
        )
    learner = ctx.connection.execute(
        select(User.display_name).where(User.id == ctx.user_id)
    ).scalar_one()
    token = new_token()
    expires_at = ctx.now + timedelta(days=config.supporter_link_days)
    language = args.language if args.language in LANGUAGES else SOURCE_LANGUAGE
    ctx.connection.execute(
        insert(table).values(
            id=args.request_id,
            user_id=ctx.user_id,
            course_id=exercise.course_id,
            exercise_id=exercise.id,
            supporter_name=name,
            supporter_email=address,
            message=message,
            answer=answer,
            token_hash=token_hash(token),
            asked_at=asked_at,
            created_at=ctx.now,
            expires_at=expires_at,
            mail_state="queued",
            version=1,
            language=language,
            learner_language=current(),
        )
    )
    subject, body = request_mail(
        academy=config.academy_name,
        learner=learner,
        supporter=name,
        course=exercise.course_title,
        message=message,
        url=link(config.public_url, token),
        expires_at=expires_at,
        language=language,
    )
    ctx.connection.execute(
        insert(table_of(OutgoingMail)).values(
            request_id=args.request_id,
            to_name=name,
            to_address=address,
            subject=subject,
            body=body,
            created_at=ctx.now,
            next_attempt_at=ctx.now,
            attempts=0,
            failed=False,
            language=language,
        )
    )
    award(
        ctx,
        user_id=ctx.user_id,
        course_id=exercise.course_id,
        reason="supporter_asked",
        source=f"supporter:{args.request_id}",
        occurred_at=asked_at,
    )
    emit_request(ctx.connection, ctx.changes, args.request_id, ctx.now)
    return {"request_id": args.request_id, "expires_at": iso(expires_at)}


def revoke(ctx: MutationContext, args: RevokeArgs) -> dict[str, Any]:
    table, mail = table_of(SupporterRequest), table_of(OutgoingMail)
    row = ctx.connection.execute(
        select(table.c.user_id, table.c.revoked_at, table.c.answered_at).where(
            table.c.id == args.request_id
        )
    ).one_or_none()
    if row is None or row.user_id != ctx.user_id:
        raise Rejected("not_found", _("There is no such request of yours."), subject="request")
    # Once answered there is nothing to stop: the feedback stays the learner's to read.
    if row.revoked_at is None and row.answered_at is None:
        ctx.connection.execute(
            update(table)
            .where(table.c.id == args.request_id)
            .values(revoked_at=ctx.now, version=table.c.version + 1)
        )
        ctx.connection.execute(  # an e-mail still waiting (e.g. SMTP down) never goes out
            update(mail)
            .where(mail.c.request_id == args.request_id, mail.c.sent_at.is_(None))
            .values(failed=True, body="", last_error="Withdrawn before it was sent.")
        )
        emit_request(ctx.connection, ctx.changes, args.request_id, ctx.now)
    return {"request_id": args.request_id}


SUPPORTER_REQUEST = MutationSpec("supporter.request", RequestArgs, ask, _exercise_course)
SUPPORTER_REVOKE = MutationSpec(
    "supporter.revoke", RevokeArgs, revoke, _request_course, withdraws_own=True
)
SUPPORTER_MUTATIONS = (SUPPORTER_REQUEST, SUPPORTER_REVOKE)
