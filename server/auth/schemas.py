"""Wire shapes of the auth endpoints (contract $defs LoginRequest, LoginReply, User, Me)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.auth.models import Role, User
from server.content.schemas import AcademyKeyOut


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    client_id: uuid.UUID


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id, username=user.username, display_name=user.display_name, role=user.role
        )


class LoginReply(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    user: UserOut
    academy: str
    academy_key: AcademyKeyOut


class Me(BaseModel):
    user: UserOut
