"""The push envelope (contract $defs PushRequest and Mutation), parsed on a worker thread."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt


class MutationIn(BaseModel):
    seq: StrictInt = Field(ge=1)
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
