"""Learner actions that reach the server through the outbox. Worker threads / CLI.

Each action writes its local effect and its outbox row in one transaction: if the app dies a
moment later, either both are there or neither is. Repeated actions on the same thing (progress
on one lesson, a vote on one poll) fold into the unsent item instead of growing the queue.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from desktop.domain.account import record_owner
from desktop.domain.errors import NotLoggedInError, SamenError
from desktop.language.catalogue import _
from desktop.services.session import SessionService
from desktop.store.db import Store
from desktop.store.outbox import OutboxRepo
from desktop.store.progress import ProgressRepo


class ActionService:
    def __init__(self, store: Store, session: SessionService) -> None:
        self._store = store
        self._session = session

    def client_id(self) -> str:
        account = self._session.account()
        if account is None:
            raise NotLoggedInError(
                _(
                    "Log in once so Samen knows where to send your work; after that it works "
                    "offline."
                )
            )
        return account.client_id

    def record_progress(
        self, course_id: str, lesson_id: str, position_ms: int, completed: bool
    ) -> tuple[int, bool]:
        if position_ms < 0:
            raise SamenError(_("A position cannot be negative."))
        client_id = self.client_id()
        owner = record_owner(self._session.account())
        with self._store.write() as db:
            position, done = ProgressRepo.merge(
                db,
                owner,
                course_id=course_id,
                lesson_id=lesson_id,
                position_ms=position_ms,
                completed=completed,
            )
            args = {
                "course_id": course_id,
                "lesson_id": lesson_id,
                "position_ms": position,
                "completed": done,
            }
            queue_action(db, client_id, "progress", "progress.update", key="lesson_id", args=args)
        return position, done

    def vote(self, poll_id: str, option_id: str) -> None:
        """Queue a vote; voting again before it is sent replaces it (the server upserts too)."""
        client_id = self.client_id()
        args = {"poll_id": poll_id, "option_id": option_id}
        with self._store.write() as db:
            queue_action(db, client_id, "vote", "poll.vote", key="poll_id", args=args)


def queue_action(
    db: sqlite_utils.Database,
    client_id: str,
    kind: str,
    name: str,
    *,
    key: str,
    args: dict[str, Any],
) -> None:
    """Fold into the unsent action on the same `key` value, or queue a new one; a refusal of
    an earlier one on the same thing is superseded (and would otherwise show again)."""
    OutboxRepo.drop_refused(db, client_id=client_id, name=name, key=key, value=str(args[key]))
    if not OutboxRepo.coalesce(
        db, client_id=client_id, name=name, key=key, value=str(args[key]), args=args
    ):
        OutboxRepo.enqueue(db, client_id=client_id, kind=kind, name=name, args=args)
