"""What the Forum page says: thread and post labels, a post's heading line, plain excerpts
of rendered posts, and the empty states. UI thread (pure functions).

Every learner-visible sentence of the forum is built here, in one place (issue 16 translates
them). The learner's own posts read "You", whatever pseudonym the academy shows to peers; a
post is never quoted as raw Markdown (an excerpt is the text of its rendered HTML).
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from desktop.domain.forum import ForumPost, ForumThread, PostState
from desktop.ui.counting import count
from desktop.ui.formatting import local_time

YOU = "You"
SOMEONE = "A learner"  # a post whose author the academy did not name
WHOLE_COURSE = "All of the course's topics"
THIS_LESSON = "This lesson"  # a lesson whose title is not known here
NEW_TOPIC_HINT = "Start one with New topic (Ctrl+N)."
NO_TOPICS = f"<p>No one has started a discussion yet. {NEW_TOPIC_HINT}</p>"
NO_TOPICS_ABOUT_LESSON = (
    "<p>No topics about this lesson yet. Start one with <b>New topic</b> (Ctrl+N), or choose "
    f"<b>{WHOLE_COURSE}</b> under About to see the whole course's discussion.</p>"
)
CHOOSE_TOPIC = "<p>Choose a topic on the left to read it and reply.</p>"
NO_REPORTS = "No reports: nothing is waiting for a moderator."
LOCKED = "<p><i>Locked by a moderator: replies are closed.</i></p>"
HIDDEN = "<p><i>Hidden by a moderator: learners do not see it.</i></p>"
QUEUED = "Saved on this computer; it is sent at the next sync."
EXCERPT = 60  # characters of a post in the list of posts


def author_name(post: ForumPost) -> str:
    """The word "You" for the learner's own posts (sent or not); the peer's pseudonym otherwise."""
    return YOU if post.mine else (post.author or SOMEONE)


def lesson_choice(name: str) -> str:
    """An entry of the About choice: one lesson's topics."""
    return f"Lesson {name}"


def thread_label(thread: ForumThread, lesson_name: str | None) -> str:
    """Two lines for the list of topics: marks, title and state; who, replies, news and
    (when the list mixes lessons) the lesson it is about."""
    marks = ("📌 " if thread.pinned else "") + ("🔒 " if thread.locked else "")
    marks += "❓ " if thread.is_question else ""
    state = {PostState.WAITING: " (not sent yet)", PostState.REFUSED: " (refused)"}.get(
        thread.opening.state, ""
    ) + (" (hidden)" if thread.hidden else "")
    unread = f", {thread.unread} new" if thread.unread else ""
    lesson = f" · lesson {lesson_name}" if lesson_name else ""
    replies = count(thread.replies, "reply", "replies")
    return (
        f"{marks}{thread.title}{state}\n{author_name(thread.opening)} · {replies}{unread}{lesson}"
    )


def post_label(post: ForumPost, html: str, *, opening: bool = False) -> str:
    """One line for the list of posts (to choose one to edit, delete or report): who and the
    start of what they wrote, as text."""
    badge = {PostState.WAITING: " · not sent yet", PostState.REFUSED: " · refused"}.get(
        post.state, ""
    ) + (" · hidden" if post.hidden else "")
    what = " (opening post)" if opening else ""
    return f"{author_name(post)}{what}: {excerpt(html)}{badge}"


def post_html(post: ForumPost, html: str) -> str:
    """A post in the reading view: who, when, its notes, then its rendered text."""
    notes = [escape(local_time(post.created_at))] if post.created_at else []
    if post.edited:
        notes.append("edited")
    if post.is_answer:
        notes.append("<b>answer</b>")
    if post.hidden:
        notes.append("<i>hidden from learners</i>")
    if post.state is PostState.WAITING:
        notes.append("<i>not sent yet</i>")
    if post.state is PostState.REFUSED:
        notes.append(f"<b>refused:</b> {escape(post.refusal)}")
    extra = f" · {' · '.join(notes)}" if notes else ""
    return f"<p><b>{escape(author_name(post))}</b>{extra}</p>{html}"


def report_label(reason: str, body: str) -> str:
    text = " ".join(body.split())[:EXCERPT]
    return f"“{reason}” — {text}"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre"):
            self.parts.append(" ")  # words of two blocks do not run together


def excerpt(html: str, limit: int = EXCERPT) -> str:
    """The start of a rendered post as plain text on one line: no Markdown marks, no tags."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = " ".join("".join(parser.parts).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
