"""Helpers for the sync tests: a logged-in installation that pushes and pulls over real HTTP,
checking every reply against the contract."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from tests.contract import validate
from tests.server.api import bearer, login
from tests.server_process import DEMO_PASSWORD, LiveServer, run_cli

POLL = "learning-together-poll-1"
AGREE, NOT_SURE, DISAGREE = (f"{POLL}-{n}" for n in (1, 2, 3))
LESSON = "learning-together-2"
COURSE = "learning-together"

_names = itertools.count(1)


def add_learner(server: LiveServer, prefix: str = "learner") -> str:
    """A new learner account (password DEMO_PASSWORD); returns the user name."""
    username = f"{prefix}{next(_names)}-{uuid.uuid4().hex[:6]}"
    added = run_cli(
        "user",
        "add",
        "--data",
        str(server.data_dir),
        username,
        "--role",
        "learner",
        "--password-stdin",
        stdin=f"{DEMO_PASSWORD}\n",
    )
    assert added.returncode == 0, added.stderr
    return username


def mutation(
    seq: int, name: str, args: dict[str, Any], mutation_id: str | None = None
) -> dict[str, Any]:
    return {
        "seq": seq,
        "mutation_id": mutation_id or str(uuid.uuid4()),
        "name": name,
        "args": args,
        "created_at": datetime.now(UTC).isoformat(),
    }


def progress(
    seq: int, position_ms: int, completed: bool = False, lesson: str = LESSON, course: str = COURSE
) -> dict[str, Any]:
    args = {"course_id": course, "lesson_id": lesson, "position_ms": position_ms}
    return mutation(seq, "progress.update", {**args, "completed": completed})


def vote(seq: int, option_id: str = AGREE, poll_id: str = POLL) -> dict[str, Any]:
    return mutation(seq, "poll.vote", {"poll_id": poll_id, "option_id": option_id})


@dataclass
class Installation:
    """One desktop installation (client_id) logged in as a user."""

    server: LiveServer
    username: str
    token: str
    user_id: int
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def login(cls, server: LiveServer, username: str = "demo") -> Installation:
        client_id = str(uuid.uuid4())
        reply = login(server, username, client_id=client_id)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        return cls(server, username, body["token"], body["user"]["id"], client_id)

    def push_raw(
        self, mutations: list[dict[str, Any]], client_id: str | None = None
    ) -> requests.Response:
        return requests.post(
            f"{self.server.url}/v1/sync/push",
            json={"client_id": client_id or self.client_id, "mutations": mutations},
            headers=bearer(self.token),
            timeout=30,
        )

    def push(self, *mutations: dict[str, Any]) -> dict[str, Any]:
        reply = self.push_raw(list(mutations))
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        validate("PushReply", body)
        return body

    def pull_raw(
        self,
        cursor: str = "",
        acked_seq: int = 0,
        limit: int | None = None,
        client_id: str | None = None,
    ) -> requests.Response:
        params: dict[str, str | int] = {
            "client_id": client_id or self.client_id,
            "cursor": cursor,
            "acked_seq": acked_seq,
        }
        if limit is not None:
            params["limit"] = limit
        return requests.get(
            f"{self.server.url}/v1/sync/pull",
            params=params,
            headers=bearer(self.token),
            timeout=30,
        )

    def pull(
        self, cursor: str = "", acked_seq: int = 0, limit: int | None = None
    ) -> dict[str, Any]:
        reply = self.pull_raw(cursor, acked_seq, limit)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        validate("PullReply", body)
        return body

    def pull_all(
        self, cursor: str = "", limit: int | None = None
    ) -> tuple[list[dict[str, Any]], str]:
        """Every change after ``cursor`` (following has_more) and the final cursor."""
        changes: list[dict[str, Any]] = []
        while True:
            page = self.pull(cursor, limit=limit)
            changes.extend(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                return changes, cursor
