"""Asking a supporter for feedback, offline: the request is queued with the learner's answer
as it is now; after a sync it shows how far it got (e-mailed, answered, expired) and the
supporter's feedback. Worker threads / CLI.

A request that was never sent can be withdrawn by discarding it; a sent one by queueing
supporter.revoke, which stops its link at the academy.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from desktop.domain.errors import SamenError
from desktop.domain.supporter import (
    MAX_MESSAGE,
    MAX_NAME,
    SUPPORTER_LANGUAGES,
    Points,
    RequestStatus,
    SupporterRequest,
    valid_address,
)
from desktop.domain.sync import OutboxItem, OutboxState
from desktop.language import catalogue
from desktop.language.catalogue import _
from desktop.language.formats import number
from desktop.services import refusals
from desktop.services.actions import ActionService
from desktop.services.learning import LearningService
from desktop.services.queue import QueueService
from desktop.services.sync import SyncService
from desktop.store.clock import parse_time
from desktop.store.db import Store
from desktop.store.outbox import OutboxRepo

REQUEST, REVOKE = "supporter.request", "supporter.revoke"


class SupporterService:
    def __init__(
        self,
        store: Store,
        sync: SyncService,
        queue: QueueService,
        actions: ActionService,
        learning: LearningService,
    ) -> None:
        self._store = store
        self._sync = sync
        self._queue = queue
        self._actions = actions
        self._learning = learning

    def ask(
        self,
        lesson_id: str,
        exercise_id: str,
        name: str,
        email: str,
        message: str,
        language: str | None = None,
    ) -> str:
        """Queue a request about one exercise; returns its id. The learner's answer as saved
        now is what the supporter will read, and `language` ("nl" or "en"; the learner's own
        by default) the language of the e-mail and the page."""
        name = " ".join(name.split())
        email = email.strip()
        message = message.strip()
        language = language or catalogue.language()
        if not name:
            raise SamenError(_("Give your supporter's name, so the e-mail can greet them."))
        if len(name) > MAX_NAME:
            raise SamenError(
                _("The name is longer than {limit} characters.").format(limit=number(MAX_NAME))
            )
        if not valid_address(email):
            raise SamenError(
                _("'{address}' does not look like one e-mail address (like name@example.org).")
                .format(address=email)
            )  # fmt: skip
        if len(message) > MAX_MESSAGE:
            raise SamenError(
                _("The message has {length} characters; up to {limit} fit.").format(
                    length=number(len(message)), limit=number(MAX_MESSAGE)
                )
            )
        if language not in SUPPORTER_LANGUAGES:
            raise SamenError(
                _("Samen can write to a supporter in {languages}, not in '{language}'.").format(
                    languages=", ".join(sorted(SUPPORTER_LANGUAGES)), language=language
                )
            )
        answer = self._learning.answers(lesson_id).get(exercise_id)
        if answer is None or not answer.text.strip():
            raise SamenError(_("Save your answer first: that is what your supporter will read."))
        args = {
            "request_id": str(uuid.uuid4()),
            "exercise_id": exercise_id,
            "supporter_name": name,
            "supporter_email": email,
            "message": message,
            "answer": answer.text,
            "language": language,
        }
        client_id = self._actions.client_id()
        with self._store.write() as db:
            OutboxRepo.enqueue(db, client_id=client_id, kind="supporter", name=REQUEST, args=args)
        return str(args["request_id"])

    def requests(self, exercise_id: str | None = None) -> list[SupporterRequest]:
        """The learner's requests (about one exercise, or all), newest first."""
        pulled = self._sync.cached("supporter_request")
        found = {key: _pulled(data) for key, data in pulled.items()}
        revoking = set()
        # Accepted but not pulled back yet (the pull after the push failed) come first, so
        # a request does not vanish from its card meanwhile; queued ones follow.
        accepted = self._queue.accepted_unpulled((REQUEST, REVOKE))
        for item in [*accepted, *self._queue.items(names=(REQUEST, REVOKE))]:
            if item.name == REQUEST and item.args.get("request_id") not in found:
                found[str(item.args["request_id"])] = _local(item)
            elif item.name == REVOKE and item.state is not OutboxState.REJECTED:
                revoking.add(str(item.args.get("request_id")))
        shown = [
            _withdrawn(request) if request.id in revoking else request
            for request in found.values()
            if exercise_id is None or request.exercise_id == exercise_id
        ]
        return sorted(shown, key=lambda r: r.asked_at or "", reverse=True)

    def withdraw(self, request_id: str) -> None:
        """Withdraw a request: an unsent one leaves the queue; a sent one's link is stopped
        at the next sync."""
        local = next(
            (
                item
                for item in [
                    *self._queue.items(names=(REQUEST,)),
                    *self._queue.accepted_unpulled((REQUEST,)),
                ]
                if item.name == REQUEST and item.args.get("request_id") == request_id
            ),
            None,
        )
        if local is not None and (local.seq is None or local.state is OutboxState.REJECTED):
            self._queue.discard(local.id)
            return
        if local is None and request_id not in self._sync.cached("supporter_request"):
            raise SamenError(_("This request is not on this computer (any more)."))
        client_id = self._actions.client_id()
        with self._store.write() as db:
            OutboxRepo.enqueue(
                db,
                client_id=client_id,
                kind="supporter",
                name=REVOKE,
                args={"request_id": request_id},
            )

    def points(self, course_id: str) -> Points:
        """The learner's points in a course as last synced (0 before the first sync)."""
        return self.points_in([course_id])[course_id]

    def points_in(self, course_ids: Iterable[str]) -> dict[str, Points]:
        """Points in several courses, from one read of what was last synced."""
        pulled = self._sync.cached("points")
        return {
            course_id: _points(course_id, pulled.get(course_id, {})) for course_id in course_ids
        }


def _points(course_id: str, data: dict[str, Any]) -> Points:
    recent = tuple(
        (str(e.get("label", "")), int(e.get("amount", 0)), str(e.get("occurred_at", "")))
        for e in data.get("recent", [])
        if isinstance(e, dict)
    )
    by_reason = {str(k): int(v) for k, v in dict(data.get("by_reason", {})).items()}
    return Points(course_id, int(data.get("total", 0)), by_reason, recent)


def _pulled(data: dict[str, Any]) -> SupporterRequest:
    status = str(data.get("status", "queued"))
    try:
        state = RequestStatus(status)
    except ValueError:
        state = RequestStatus.QUEUED
    expires = data.get("expires_at")
    if state in (RequestStatus.QUEUED, RequestStatus.EMAILED) and _past(expires):
        state = RequestStatus.EXPIRED  # the academy's clock says so too; no sync needed
    return SupporterRequest(
        id=str(data.get("request_id")),
        exercise_id=str(data.get("exercise_id", "")),
        supporter_name=str(data.get("supporter_name", "")),
        supporter_email=str(data.get("supporter_email", "")),
        message=str(data.get("message", "")),
        answer=str(data.get("answer", "")),
        asked_at=data.get("asked_at"),
        expires_at=expires,
        status=state,
        reason=str(data.get("mail_error") or ""),
        feedback=str(data.get("feedback") or ""),
        answered_at=data.get("answered_at"),
        language=str(data.get("language") or "en"),
    )


def _local(item: OutboxItem) -> SupporterRequest:
    refused = item.state is OutboxState.REJECTED
    if item.state is OutboxState.ACKED:
        status = RequestStatus.QUEUED  # accepted: the academy e-mails it shortly
    else:
        status = RequestStatus.REFUSED if refused else RequestStatus.WAITING
    return SupporterRequest(
        id=str(item.args.get("request_id")),
        exercise_id=str(item.args.get("exercise_id", "")),
        supporter_name=str(item.args.get("supporter_name", "")),
        supporter_email=str(item.args.get("supporter_email", "")),
        message=str(item.args.get("message", "")),
        answer=str(item.args.get("answer", "")),
        asked_at=item.created_at,
        expires_at=None,
        status=status,
        reason=refusals.say(item) if refused else "",
        language=str(item.args.get("language") or "en"),
    )


def _withdrawn(request: SupporterRequest) -> SupporterRequest:
    if request.status is RequestStatus.ANSWERED:
        return request
    return replace(request, status=RequestStatus.REVOKED)


def _past(value: Any) -> bool:
    moment = parse_time(value)
    return moment is not None and moment <= datetime.now(UTC)
