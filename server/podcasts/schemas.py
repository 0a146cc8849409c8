"""Wire shape of GET /v1/podcasts (contract $defs FeedList)."""

from __future__ import annotations

from pydantic import BaseModel


class FeedOut(BaseModel):
    id: str
    title: str
    url: str


class FeedList(BaseModel):
    feeds: list[FeedOut]
