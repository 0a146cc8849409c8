"""Forum threads and posts as the learner sees them, offline. Pure data. Any thread."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_TITLE = 200  # the academy's limits (contract: forum.new_thread, forum.reply)
MAX_BODY = 10_000


class PostState(StrEnum):
    SENT = "sent"  # the academy has it
    WAITING = "waiting"  # on this computer, not sent yet (still editable, deletable)
    REFUSED = "refused"  # the academy refused it; the reason is kept with it


@dataclass(frozen=True, slots=True)
class ForumPost:
    id: str
    thread_id: str
    body: str  # Markdown, untrusted: render sanitized
    author: str  # a pseudonym or a name, as the course says
    created_at: str | None
    edited: bool
    version: int
    mine: bool
    state: PostState
    refusal: str = ""
    is_answer: bool = False
    hidden: bool = False  # hidden by a moderator: only moderators see it


@dataclass(frozen=True, slots=True)
class ForumThread:
    id: str
    course_id: str
    lesson_id: str | None
    title: str
    opening: ForumPost  # the thread's own text
    pinned: bool
    locked: bool
    is_question: bool
    replies: int
    unread: int

    @property
    def hidden(self) -> bool:
        return self.opening.hidden
