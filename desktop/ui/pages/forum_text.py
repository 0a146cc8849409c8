"""What the Forum page says: thread and post labels, a post's heading line, plain excerpts
of rendered posts, and the empty states. UI thread (pure functions).

Every learner-visible sentence of the forum is built here, in one place, through the catalogue
(desktop/language): whole sentences with placeholders, dates in the learner's locale. The
learner's own posts read "You", whatever pseudonym the academy shows to peers; a post is never
quoted as raw Markdown (an excerpt is the text of its rendered HTML).
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from desktop.domain.forum import ForumPost, ForumThread, PostState
from desktop.language import formats
from desktop.language.catalogue import _, counted

EXCERPT = 60  # characters of a post in the list of posts
SEPARATOR = " · "  # between the parts of a label (who · replies · lesson)


def you() -> str:
    return _("You")


def someone() -> str:
    # Translators: the author of a forum post whose name the academy did not send.
    return _("A learner")


def whole_course() -> str:
    return _("All of the course's topics")


def this_lesson() -> str:
    # Translators: in the About choice, a lesson whose title is not known on this computer.
    return _("This lesson")


def no_topics() -> str:
    return "<p>{}</p>".format(
        escape(_("No one has started a discussion yet. Start one with New topic (Ctrl+N)."))
    )


def no_topics_about_lesson() -> str:
    # Translators: "New topic" and "About" name the page's button and choice; keep them as
    # translated there.
    sentence = _(
        "No topics about this lesson yet. Start one with <b>New topic</b> (Ctrl+N), or choose "
        "<b>{whole_course}</b> under About to see the whole course's discussion."
    )
    return f"<p>{sentence.format(whole_course=escape(whole_course()))}</p>"


def choose_topic() -> str:
    return "<p>{}</p>".format(escape(_("Choose a topic on the left to read it and reply.")))


def no_reports() -> str:
    return _("No reports: nothing is waiting for a moderator.")


def locked() -> str:
    return "<p><i>{}</i></p>".format(escape(_("Locked by a moderator: replies are closed.")))


def hidden() -> str:
    return "<p><i>{}</i></p>".format(escape(_("Hidden by a moderator: learners do not see it.")))


def queued() -> str:
    return _("Saved on this computer; it is sent at the next sync.")


def author_name(post: ForumPost) -> str:
    """The word "You" for the learner's own posts (sent or not); the peer's pseudonym otherwise."""
    return you() if post.mine else (post.author or someone())


def lesson_choice(name: str) -> str:
    """An entry of the About choice: one lesson's topics."""
    # Translators: {name} is the lesson's number and title, e.g. "2. Sharing the work".
    return _("Lesson {name}").format(name=name)


def thread_label(thread: ForumThread, lesson_name: str | None) -> str:
    """Two lines for the list of topics: marks, title and state; who, replies, news and
    (when the list mixes lessons) the lesson it is about."""
    marks = ("📌 " if thread.pinned else "") + ("🔒 " if thread.locked else "")
    marks += "❓ " if thread.is_question else ""
    title = thread.title
    if thread.opening.state is PostState.WAITING:
        title = _("{title} (not sent yet)").format(title=title)
    elif thread.opening.state is PostState.REFUSED:
        title = _("{title} (refused)").format(title=title)
    if thread.hidden:
        # Translators: a topic a moderator hid, in the moderator's list of topics.
        title = _("{title} (hidden)").format(title=title)
    replies = counted("{n} reply", "{n} replies", thread.replies)
    if thread.unread:
        # Translators: {replies} is e.g. "3 replies"; {n} of them are new to the learner.
        replies = counted(
            "{replies}, {n} new", "{replies}, {n} new", thread.unread, replies=replies
        )
    parts = [author_name(thread.opening), replies]
    if lesson_name:
        # Translators: which lesson a topic is about, in the list of all the course's topics.
        parts.append(_("lesson {name}").format(name=lesson_name))
    return f"{marks}{title}\n{SEPARATOR.join(parts)}"


def post_label(post: ForumPost, html: str, *, opening: bool = False) -> str:
    """One line for the list of posts (to choose one to edit, delete or report): who and the
    start of what they wrote, as text."""
    # Translators: a post in the list of posts: who wrote it and how it starts.
    line = _("{author} (opening post): {text}") if opening else _("{author}: {text}")
    parts = [line.format(author=author_name(post), text=excerpt(html))]
    if post.state is PostState.WAITING:
        parts.append(_("not sent yet"))
    elif post.state is PostState.REFUSED:
        # Translators: a post the academy refused to publish.
        parts.append(_("refused"))
    if post.hidden:
        # Translators: a post a moderator hid from the learners.
        parts.append(_("hidden"))
    return SEPARATOR.join(parts)


def post_html(post: ForumPost, html: str) -> str:
    """A post in the reading view: who, when, its notes, then its rendered text."""
    when = formats.when(post.created_at)
    notes = [escape(when)] if when else []
    if post.edited:
        notes.append(escape(_("edited")))
    if post.is_answer:
        # Translators: a reply a moderator marked as the answer to the question.
        notes.append("<b>{}</b>".format(escape(_("answer"))))
    if post.hidden:
        notes.append("<i>{}</i>".format(escape(_("hidden from learners"))))
    if post.state is PostState.WAITING:
        notes.append("<i>{}</i>".format(escape(_("not sent yet"))))
    if post.state is PostState.REFUSED:
        notes.append(_("<b>refused:</b> {reason}").format(reason=escape(post.refusal)))
    extra = SEPARATOR + SEPARATOR.join(notes) if notes else ""
    return f"<p><b>{escape(author_name(post))}</b>{extra}</p>{html}"


def report_label(reason: str, body: str) -> str:
    text = " ".join(body.split())[:EXCERPT]
    # Translators: a report in the moderators' list: the reporter's reason, then the post.
    return _("“{reason}” — {text}").format(reason=reason, text=text)


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
