"""GET /v1/health: the captive-portal probe of the desktop client; runs on the event loop."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from server.config import ServerConfig
from server.db import utc_now

router = APIRouter(prefix="/v1", tags=["health"])


class Health(BaseModel):
    service: Literal["samen"] = "samen"
    status: Literal["ok"] = "ok"
    api_version: Literal[1] = 1
    server_time: datetime
    academy: str


@router.get("/health", response_model=Health)
async def health(request: Request) -> Health:
    # Read state directly: a sync dependency here would hop to the threadpool for nothing.
    config: ServerConfig = request.app.state.config
    return Health(server_time=utc_now(), academy=config.academy_name)
