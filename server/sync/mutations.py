"""The mutation framework: what a handler gets, what it may raise, how it is registered.

A handler runs on the push's worker thread inside a SAVEPOINT of the batch's transaction and
uses Core statements on ``ctx.connection`` (not ORM objects, which a rollback to the savepoint
would leave stale). It returns a small result dict (stored and replayed to the client), records
changes for pullers on ``ctx.changes`` and may raise :class:`Rejected` (permanent: the savepoint
is rolled back and the rejection stored) or :class:`RetryLater` (temporary: the batch stops).

Every spec says which course its mutation touches, and :meth:`MutationSpec.run` refuses a user
who does not take part in that course before the handler runs: one check for every mutation,
the same rule as for reading the course (:mod:`server.content.access`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from server.config import ServerConfig
from server.content.access import refusal
from server.language import N_, _
from server.sync.changes import ChangeBuffer

A = TypeVar("A", bound=BaseModel)

log = logging.getLogger(__name__)

# How far back an action's own time is believed (a device offline for weeks is normal; one
# that claims last year is not): points and daily limits count by the clamped time.
MAX_BACKDATE = timedelta(days=60)


def occurred(created_at: datetime, now: datetime) -> datetime:
    """An action's own time as the device recorded it, kept within [now - 60 days, now]."""
    moment = created_at.astimezone(UTC)
    return min(max(moment, now - MAX_BACKDATE), now)


class Rejected(Exception):  # noqa: N818 - an outcome, not an error of the server
    """A permanent refusal, shown to the learner: a stable ``code``, a ``message`` in the
    push's language (:mod:`server.language`) and ``params``, the values the message names
    (``subject``: what it is about; numbers such as ``length`` and ``limit``), so a client
    can say it in its own words."""

    def __init__(self, code: str, message: str, **params: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params: dict[str, str | int] = params


class RetryLater(Exception):  # noqa: N818 - an outcome, not an error of the server
    """A temporary obstacle (e.g. a referenced upload is not complete yet)."""

    def __init__(self, seconds: float, message: str = N_("Try again later.")) -> None:
        super().__init__(message)
        self.seconds = seconds


class MutationArgs(BaseModel):
    """Base of every args model: strict types, no unknown keys (the contract's Mutations)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Deferred = Callable[["MutationContext"], None]


@dataclass
class MutationContext:
    """What a handler may use. ``changes`` and deferred work of a rejected mutation are
    discarded; ``memo`` caches read-only lookups (lessons, polls, authors' labels) for the whole
    batch, ``scratch`` rows for the running mutation alone (its course lookup read the thread
    the handler needs: one statement, not two). ``undo`` is run when the running mutation is
    rolled back, for batch caches it added to (a pseudonym made, a post counted).
    ``tallies`` are the batch's sums of :meth:`tally`."""

    session: Session
    connection: Connection  # the session's connection; handlers run Core statements on it
    user_id: int
    now: datetime
    # The running mutation's own time (see `occurred`); `now` until a mutation runs.
    occurred_at: datetime | None = None
    config: ServerConfig | None = None
    changes: ChangeBuffer = field(default_factory=ChangeBuffer)
    memo: dict[tuple[str, str], Any] = field(default_factory=dict)
    deferred: dict[tuple[str, str], Deferred] = field(default_factory=dict)
    scratch: dict[str, Any] = field(default_factory=dict)
    undo: list[Callable[[], None]] = field(default_factory=list)
    tallies: dict[tuple[str, str], int] = field(default_factory=dict)

    def defer(self, key: tuple[str, str], work: Deferred) -> None:
        """Run ``work`` once at the end of the batch (e.g. recount a poll once, not per vote).
        Deferred work runs at the commit in the order of its keys: a row shared by many
        learners (a poll, a thread's reply count) is taken there, for the moment of the
        commit only, and always in the same order, so two pushes cannot deadlock on them."""
        self.deferred[key] = work

    def tally(self, key: tuple[str, str], delta: int, work: Deferred) -> None:
        """Add ``delta`` to the batch's sum under ``key`` and defer ``work``, which reads
        the sum as ``batch.tallies[key]`` (one reply count update per thread and batch)."""
        self.tallies[key] = self.tallies.get(key, 0) + delta
        self.defer(key, work)


def no_course(ctx: MutationContext, args: BaseModel) -> None:
    """The ``course`` of a mutation that never touches one (say why where it is declared)."""
    return None


def admit(ctx: MutationContext, course_id: str) -> None:
    """Refuse with ``forbidden`` unless the user takes part in the course (asked once per
    course and batch)."""
    key = ("refusal", course_id)
    if key not in ctx.memo:
        ctx.memo[key] = refusal(ctx.session, ctx.user_id, course_id)
    message: str | None = ctx.memo[key]
    if message is not None:
        raise Rejected("forbidden", message, subject="enrolment")


@dataclass(frozen=True)
class MutationSpec(Generic[A]):
    name: str
    args: type[A]
    apply: Callable[[MutationContext, A], dict[str, Any]]
    # The course the mutation touches, found from its args (through the thread, poll, exercise,
    # request or review they name); None when it names none or nothing that exists (the handler
    # then says what is missing). ``no_course`` for a mutation that never touches one.
    course: Callable[[MutationContext, A], str | None]
    # Only takes back the caller's own work (a supporter link, a post; the handler refuses
    # anyone else's): let through for someone no longer in the course, since leaving a course
    # must never keep a learner from withdrawing what they shared in it.
    withdraws_own: bool = False

    def parse(self, raw_args: dict[str, Any]) -> A:
        """The args as their model, or :class:`Rejected` ``invalid_args``."""
        try:
            return self.args.model_validate(raw_args)
        except ValidationError as exc:
            raise Rejected("invalid_args", describe_invalid(self.name, exc)) from None

    def run(
        self, ctx: MutationContext, raw_args: dict[str, Any], parsed: A | None = None
    ) -> dict[str, Any]:
        """Check the course and apply; ``parsed``: the args parsed already (a push parses a
        batch before it takes its locks)."""
        args = parsed if parsed is not None else self.parse(raw_args)
        course_id = self.course(ctx, args)
        if course_id is not None and not self.withdraws_own:
            admit(ctx, course_id)
        return self.apply(ctx, args)


# What the learner reads when an action's args break their model (shown next to the action);
# translated with `_` where a rejection is made.
TOO_LARGE = N_("This action has a number that is too large.")
TOO_SMALL = N_("This action has a number that is too small.")
TOO_DEEP = N_("This action is nested too deeply to be read.")
UNREADABLE = N_("This action has details this academy cannot read.")
# A handler failed on it in a way no rule foresaw (a bug): refused alone, the batch goes on.
NOT_PROCESSED = N_("The academy could not process this action. You can edit it or discard it.")
_PLAIN = {
    "less_than_equal": TOO_LARGE,
    "less_than": TOO_LARGE,
    "greater_than_equal": TOO_SMALL,
    "greater_than": TOO_SMALL,
    "string_too_long": N_("This action has a text that is too long."),
    "too_long": N_("This action has a list that is too long."),
}


def describe_invalid(name: str, exc: ValidationError) -> str:
    """A sentence for the learner (in the push's language); the field paths go to the log,
    for the administrator."""
    errors = exc.errors()
    problems = []
    for error in errors[:3]:
        where = ".".join(str(part) for part in error.get("loc", ())) or "args"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    log.info("invalid arguments for %s: %s", name, "; ".join(problems))
    return _(_PLAIN.get(str(errors[0].get("type")), UNREADABLE) if errors else UNREADABLE)
