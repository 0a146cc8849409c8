"""The push envelope (contract $defs PushRequest and Mutation), parsed on a worker thread, and
the models of the push and pull replies that the OpenAPI document shows."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Strict

from server.wire_limits import PositiveInt


class MutationIn(BaseModel):
    seq: Annotated[PositiveInt, Strict()]
    mutation_id: UUID
    name: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    args: dict[str, Any]
    created_at: AwareDatetime

    def body_sha256(self) -> str:
        """The digest that tells a replay from a different mutation under the same seq:
        canonical JSON (sorted keys, no spaces, UTF-8) of name, args and mutation_id."""
        canonical = json.dumps(
            {"name": self.name, "args": self.args, "mutation_id": str(self.mutation_id)},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class PushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: UUID
    mutations: list[MutationIn]


# The replies, for the OpenAPI document (the endpoints build them as dicts; the contract's
# $defs PushReply and PullReply are the reference).


class MutationResult(BaseModel):
    seq: int
    mutation_id: str
    status: Literal["applied", "duplicate", "rejected", "retry"]
    original_status: Literal["applied", "rejected"] | None = None
    result: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None
    # The values a rejection's message names (subject, length, limit, ...): the message is in
    # the push's Accept-Language, and a client may say it in its own words from code + params.
    params: dict[str, str | int] | None = None
    retry_after: float | None = Field(default=None, ge=0)


class PushReply(BaseModel):
    last_seq: int = Field(ge=0)
    results: list[MutationResult]
    expected_seq: int | None = Field(default=None, ge=1)


class Change(BaseModel):
    scope: str
    entity: str
    id: str
    op: Literal["put", "delete"]
    version: int = Field(ge=1)
    data: dict[str, Any] | None


class PullReply(BaseModel):
    changes: list[Change]
    cursor: str
    has_more: bool
    last_seq: int = Field(ge=0)
    reset: list[str]
    outcomes: list[MutationResult]
