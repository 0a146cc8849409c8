"""The forum, offline: threads and replies as last pulled, plus the learner's own posts that
wait to be sent (editable and deletable until then) or were refused (kept, with the reason).
Worker threads / CLI.

Everything the learner writes is an outbox action with an id made here (a UUID), so a thread
and the replies written under it offline can be sent in one window, in order. What the
academy accepted but no whole window has pulled back yet is shown from the outbox as sent, so
a post does not vanish when the pull after its push fails. Unread counts compare the replies
pulled with the replies the learner has seen, per learner.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from desktop.domain.account import record_owner
from desktop.domain.errors import SamenError
from desktop.domain.forum import MAX_BODY, MAX_TITLE, ForumPost, ForumThread, PostState
from desktop.domain.sync import OutboxItem, OutboxState
from desktop.language import formats
from desktop.language.catalogue import _, counted
from desktop.services import refusals
from desktop.services.actions import ActionService, queue_action
from desktop.services.queue import QueueService
from desktop.services.rich_text import RichText
from desktop.services.session import SessionService
from desktop.services.sync import SyncService
from desktop.store.db import Store
from desktop.store.forum_reads import ForumReadRepo
from desktop.store.outbox import OutboxRepo

NEW_THREAD, REPLY, EDIT, DELETE = "forum.new_thread", "forum.reply", "forum.edit", "forum.delete"
REPORT, MODERATE = "forum.report", "forum.moderate"
# What moderators hid, in their moderation scope only (learners get tombstones).
HIDDEN_THREAD, HIDDEN_POST = "forum_hidden_thread", "forum_hidden_post"
MODERATION = ("pin", "unpin", "lock", "unlock", "hide", "unhide", "mark_answer", "unmark_answer")


class ForumService:
    def __init__(
        self,
        store: Store,
        session: SessionService,
        sync: SyncService,
        queue: QueueService,
        actions: ActionService,
    ) -> None:
        self._store = store
        self._session = session
        self._sync = sync
        self._queue = queue
        self._actions = actions
        self._reads = ForumReadRepo(store)
        self._rich = RichText()  # no images at all in posts

    # -- reading ---------------------------------------------------------------------------

    def threads(self, course_id: str, lesson_id: str | None = None) -> list[ForumThread]:
        """Pinned first, then newest; the learner's unsent and refused threads included."""
        pulled = self._sync.cached("forum_thread", f"course:{course_id}")
        mine = set(self._sync.cached("forum_mine"))
        accepted = self._accepted()
        gone = _deleted(accepted)
        seen = self._reads.seen(self._owner(), list(pulled))
        edits = self._local_edits(accepted)
        threads = [
            _thread(data, data["thread_id"] in mine, seen.get(key, 0), edits.get(key))
            for key, data in pulled.items()
        ]
        if self.is_moderator():  # moderators also see what they hid, to unhide it
            for key, data in self._sync.cached(HIDDEN_THREAD, f"moderation:{course_id}").items():
                if key not in pulled:
                    hidden = _thread(data, data["thread_id"] in mine, seen.get(key, 0), None)
                    threads.append(replace(hidden, opening=replace(hidden.opening, hidden=True)))
        for item in [*accepted, *self._local()]:
            own = item.name == NEW_THREAD and item.args.get("course_id") == course_id
            if own and item.args.get("thread_id") not in pulled:
                threads.append(_local_thread(item))
        shown = [
            t
            for t in threads
            if (lesson_id is None or t.lesson_id == lesson_id) and t.id not in gone
        ]
        shown.sort(key=lambda t: t.opening.created_at or "", reverse=True)  # newest first
        shown.sort(key=lambda t: not t.pinned)  # stable: pinned ones on top
        return shown

    def thread(self, thread_id: str) -> ForumThread:
        """One thread (pulled, or the learner's own unsent one)."""
        data = self._sync.cached("forum_thread").get(thread_id) or self._sync.cached(
            HIDDEN_THREAD
        ).get(thread_id)
        if data is not None:
            found = [t for t in self.threads(str(data.get("course_id"))) if t.id == thread_id]
            if found:
                return found[0]
        for item in [*self._accepted(), *self._local()]:
            if item.name == NEW_THREAD and item.args.get("thread_id") == thread_id:
                return _local_thread(item)
        raise SamenError(
            _("There is no thread {thread_id!r} on this computer; sync first.").format(
                thread_id=thread_id
            )
        )

    def posts(self, thread_id: str) -> list[ForumPost]:
        """The thread's replies, oldest first, with the learner's own unsent ones at the end;
        reading them marks the thread read."""
        pulled = {
            key: data
            for key, data in self._sync.cached("forum_post").items()
            if data.get("thread_id") == thread_id
        }
        hidden = {
            key: data
            for key, data in self._sync.cached(HIDDEN_POST).items()
            if data.get("thread_id") == thread_id and key not in pulled
        }
        if hidden and not self.is_moderator():
            hidden = {}  # left from a moderator role that has ended
        mine = set(self._sync.cached("forum_mine"))
        thread = self._sync.cached("forum_thread").get(thread_id, {})
        answer = thread.get("answer_post_id")
        accepted = self._accepted()
        gone = _deleted(accepted)
        edits = self._local_edits(accepted)
        posts = []
        everything = [*pulled.items(), *hidden.items()]
        for key, data in sorted(everything, key=lambda kv: kv[1].get("created_at") or ""):
            if key in gone:
                continue
            post = _post(data, key in mine, is_answer=key == answer, hidden=key in hidden)
            edit = edits.get(key)
            if edit is not None and _pending_edit(edit, data):  # shows as the text until pulled
                post = _with_edit(post, edit)
            posts.append(post)
        for item in [*accepted, *self._local()]:
            under = item.name == REPLY and item.args.get("thread_id") == thread_id
            if under and item.args.get("post_id") not in pulled.keys() | gone:
                posts.append(_local_post(item))
        self._reads.mark(self._owner(), thread_id, len(pulled))
        return posts

    def render(self, markdown: str) -> str:
        """A post's Markdown as safe HTML: no raw HTML, no images, web and mail links only."""
        return self._rich.html(markdown)

    # -- writing ---------------------------------------------------------------------------

    def new_thread(
        self,
        course_id: str,
        title: str,
        body: str,
        lesson_id: str | None = None,
        *,
        question: bool = False,
    ) -> str:
        """Queue a new thread; returns its id (usable for replies at once, offline). A
        discussion question (`question`) is for moderators to start."""
        if question and not self.is_moderator():
            raise SamenError(_("Only moderators start discussion questions."))
        args: dict[str, Any] = {
            "thread_id": str(uuid.uuid4()),
            "course_id": course_id,
            "title": _checked(title, "title", MAX_TITLE),
            "body": _checked(body, "text", MAX_BODY),
        }
        if lesson_id is not None:
            args["lesson_id"] = lesson_id
        if question:
            args["question"] = True
        self._queue_action(NEW_THREAD, "thread_id", args)
        return str(args["thread_id"])

    def reply(self, thread_id: str, body: str) -> str:
        thread = self._sync.cached("forum_thread").get(thread_id)
        if thread is not None and thread.get("locked"):
            raise SamenError(_("This thread is locked by a moderator; replies are closed."))
        post_id = str(uuid.uuid4())
        replies = int(thread.get("replies", 0)) if thread else 0
        self._reads.mark(self._owner(), thread_id, replies + 1)  # one's own reply is not news
        args = {
            "post_id": post_id,
            "thread_id": thread_id,
            "body": _checked(body, "reply", MAX_BODY),
        }
        self._queue_action(REPLY, "post_id", args)
        return post_id

    def edit(self, post_id: str, body: str, title: str | None = None) -> None:
        """Edit an own post: an unsent one is replaced in the queue; a sent one is edited at
        the academy against the version last seen (a conflict keeps this text)."""
        body = _checked(body, "text", MAX_BODY)
        refused = self._own_local(post_id, OutboxState.REJECTED)
        if refused is not None:  # edited after the academy said no: send it again, changed
            args = dict(refused.args)
            args["body"] = body
            if title is not None and refused.name == NEW_THREAD:
                args["title"] = _checked(title, "title", MAX_TITLE)
            self._queue.resend(refused.id, args)
            return
        unsent = self._unsent(post_id)
        if unsent is not None:
            args = dict(unsent.args)
            args["body"] = body
            if title is not None and unsent.name == NEW_THREAD:
                args["title"] = _checked(title, "title", MAX_TITLE)
            key = "thread_id" if unsent.name == NEW_THREAD else "post_id"
            self._queue_action(unsent.name, key, args)
            return
        data = self._sync.cached("forum_post").get(post_id) or self._sync.cached(
            "forum_thread"
        ).get(post_id)
        sent = self._sent_not_pulled(post_id)
        if sent is not None:  # accepted, not pulled back yet: still its first version
            data = {"version": 1, "thread_id": sent.args.get("thread_id")}
        elif post_id not in self._sync.cached("forum_mine"):
            raise SamenError(_("Only your own posts can be edited."))
        if data is None:
            raise SamenError(_("This post is no longer in the forum."))
        base = int(data.get("version", 1))
        for accepted in self._accepted():  # edits accepted since: each made a new version
            if accepted.name == EDIT and accepted.args.get("post_id") == post_id:
                base = max(base, int(accepted.args.get("base_version", 0)) + 1)
        args = {"post_id": post_id, "body": body, "base_version": base}
        if title is not None and data.get("thread_id") == post_id:
            args["title"] = _checked(title, "title", MAX_TITLE)
        self._queue_action(EDIT, "post_id", args)

    def delete(self, post_id: str) -> None:
        """Delete an own post: an unsent one leaves the queue; a sent one is deleted at the
        academy at the next sync."""
        local = self._unsent(post_id) or self._own_local(post_id, OutboxState.REJECTED)
        if local is not None:
            self._queue.discard(local.id)
            if local.name == NEW_THREAD:  # its replies written offline go with it
                for item in self._local():
                    under = item.name == REPLY and item.args.get("thread_id") == post_id
                    if under and (item.state is OutboxState.REJECTED or item.seq is None):
                        self._queue.discard(item.id)
            return
        own = post_id in self._sync.cached("forum_mine")
        if not own and self._sent_not_pulled(post_id) is None:
            raise SamenError(_("Only your own posts can be deleted."))
        self._queue_action(DELETE, "post_id", {"post_id": post_id})

    def report(self, target_id: str, reason: str) -> None:
        args = {"target_id": target_id, "reason": _checked(reason, "reason", 2_000)}
        self._queue_action(REPORT, "target_id", args)

    def moderate(self, target_id: str, action: str) -> None:
        if action not in MODERATION:
            raise SamenError(
                _("Unknown moderation {action!r}; one of: {choices}.").format(
                    action=action, choices=", ".join(MODERATION)
                )
            )
        account = self._session.account()
        if account is None or not self.is_moderator():
            raise SamenError(_("Only moderators can do this."))
        with self._store.write() as db:  # each moderation is its own action, in order
            OutboxRepo.enqueue(
                db,
                client_id=account.client_id,
                kind="moderation",
                name=MODERATE,
                args={"target_id": target_id, "action": action},
            )

    def is_moderator(self) -> bool:
        account = self._session.account()
        return account is not None and account.user.role.value in ("moderator", "admin")

    def reports(self, course_id: str | None = None) -> list[dict[str, Any]]:
        """Reports to moderate, newest first (moderators receive them with each sync)."""
        scope = None if course_id is None else f"moderation:{course_id}"
        found = list(self._sync.cached("forum_report", scope).values())
        return sorted(found, key=lambda r: r.get("created_at") or "", reverse=True)

    # -- helpers ---------------------------------------------------------------------------

    def _owner(self) -> str:
        return record_owner(self._session.account())

    def _queue_action(self, name: str, key: str, args: dict[str, Any]) -> None:
        client_id = self._actions.client_id()
        with self._store.write() as db:
            queue_action(db, client_id, "post", name, key=key, args=args)

    def _local_edits(self, accepted: list[OutboxItem]) -> dict[str, OutboxItem]:
        """The newest edit per post: unsent or refused, else accepted but not pulled yet."""
        return {
            str(i.args.get("post_id")): i for i in [*accepted, *self._local()] if i.name == EDIT
        }

    def _accepted(self) -> list[OutboxItem]:
        """Own posts, edits and deletions accepted by the academy but not pulled back yet."""
        return self._queue.accepted_unpulled((NEW_THREAD, REPLY, EDIT, DELETE))

    def _sent_not_pulled(self, post_id: str) -> OutboxItem | None:
        for item in self._accepted():
            own_id = item.args.get("thread_id" if item.name == NEW_THREAD else "post_id")
            if item.name in (NEW_THREAD, REPLY) and own_id == post_id:
                return item
        return None

    def _local(self) -> list[OutboxItem]:
        return self._queue.items(prefix="forum.")

    def _own_local(self, post_id: str, state: OutboxState) -> OutboxItem | None:
        """The learner's own thread or reply in the queue in `state`, if `post_id` is one."""
        for item in self._local():
            own_id = item.args.get("thread_id" if item.name == NEW_THREAD else "post_id")
            if item.name in (NEW_THREAD, REPLY) and own_id == post_id and item.state is state:
                return item
        return None

    def _unsent(self, post_id: str) -> OutboxItem | None:
        """The learner's own thread or reply that has not been sent yet, if `post_id` is one."""
        for item in self._local():
            own_id = item.args.get("thread_id" if item.name == NEW_THREAD else "post_id")
            unsent = item.state is OutboxState.PENDING and item.seq is None
            if item.name in (NEW_THREAD, REPLY) and own_id == post_id and unsent:
                return item
        return None


def _checked(text: str, what: str, limit: int) -> str:
    """`text` stripped; a clear sentence when it is empty or longer than the forum takes.
    `what` is "title", "text", "reply" or "reason" (each has its own sentences)."""
    text = text.strip()
    if not text:
        raise SamenError(_empty(what))
    if len(text) > limit:
        raise SamenError(_too_long(what, len(text), formats.number(limit)))
    return text


def _empty(what: str) -> str:
    if what == "title":
        return _("The title is empty.")
    if what == "reply":
        return _("The reply is empty.")
    if what == "reason":
        return _("The reason is empty.")
    return _("The text is empty.")


def _too_long(what: str, length: int, limit: str) -> str:
    if what == "title":
        return counted(
            "The title has {n} character; the forum takes up to {limit}. "
            "Shorten it a little; nothing was lost.",
            "The title has {n} characters; the forum takes up to {limit}. "
            "Shorten it a little; nothing was lost.",
            length,
            limit=limit,
        )
    if what == "reply":
        return counted(
            "The reply has {n} character; the forum takes up to {limit}. "
            "Shorten it a little; nothing was lost.",
            "The reply has {n} characters; the forum takes up to {limit}. "
            "Shorten it a little; nothing was lost.",
            length,
            limit=limit,
        )
    if what == "reason":
        return counted(
            "The reason has {n} character; the forum takes up to {limit}. "
            "Shorten it a little; nothing was lost.",
            "The reason has {n} characters; the forum takes up to {limit}. "
            "Shorten it a little; nothing was lost.",
            length,
            limit=limit,
        )
    return counted(
        "The text has {n} character; the forum takes up to {limit}. "
        "Shorten it a little; nothing was lost.",
        "The text has {n} characters; the forum takes up to {limit}. "
        "Shorten it a little; nothing was lost.",
        length,
        limit=limit,
    )


def _deleted(accepted: list[OutboxItem]) -> set[str]:
    """Posts whose deletion the academy accepted; their tombstones come with the next pull."""
    return {str(item.args.get("post_id")) for item in accepted if item.name == DELETE}


def _pending_edit(edit: OutboxItem, data: dict[str, Any]) -> bool:
    """An edit still to show over the pulled text: not accepted yet, or accepted but the
    pulled version predates it."""
    if edit.state is not OutboxState.ACKED:
        return True
    return int(data.get("version", 1)) <= int(edit.args.get("base_version", 0))


def _state(item: OutboxItem) -> tuple[PostState, str]:
    if item.state is OutboxState.ACKED:
        return PostState.SENT, ""
    if item.state is OutboxState.REJECTED:
        return PostState.REFUSED, refusals.say(item)
    return PostState.WAITING, ""


def _post(
    data: dict[str, Any], mine: bool, *, is_answer: bool = False, hidden: bool = False
) -> ForumPost:
    return ForumPost(
        id=str(data.get("post_id") or data.get("thread_id")),
        thread_id=str(data.get("thread_id")),
        body=str(data.get("body", "")),
        author=str(data.get("author", "")),
        created_at=data.get("created_at"),
        edited=data.get("edited_at") is not None,
        version=int(data.get("version", 1)),
        mine=mine,
        state=PostState.SENT,
        is_answer=is_answer,
        hidden=hidden,
    )


def _with_edit(post: ForumPost, edit: OutboxItem) -> ForumPost:
    state, refusal = _state(edit)
    body = str(edit.args.get("body", post.body))
    return replace(post, body=body, state=state, refusal=refusal, edited=True)


def _local_post(item: OutboxItem, post_id: str | None = None) -> ForumPost:
    """The learner's own queued reply (or, with `post_id`, a queued thread's opening post)."""
    state, refusal = _state(item)
    return ForumPost(
        id=post_id or str(item.args.get("post_id")),
        thread_id=str(item.args.get("thread_id")),
        body=str(item.args.get("body", "")),
        author=_("You"),
        created_at=item.created_at,
        edited=False,
        version=0,
        mine=True,
        state=state,
        refusal=refusal,
    )


def _thread(data: dict[str, Any], mine: bool, seen: int, edit: OutboxItem | None) -> ForumThread:
    opening = _post({**data, "post_id": data["thread_id"]}, mine)
    if edit is not None and _pending_edit(edit, data):  # shows as the text until pulled
        opening = _with_edit(opening, edit)
    replies = int(data.get("replies", 0))
    return ForumThread(
        id=str(data["thread_id"]),
        course_id=str(data.get("course_id", "")),
        lesson_id=data.get("lesson_id"),
        title=str(data.get("title", "")),
        opening=opening,
        pinned=bool(data.get("pinned")),
        locked=bool(data.get("locked")),
        is_question=bool(data.get("is_question")),
        replies=replies,
        unread=max(0, replies - seen),
    )


def _local_thread(item: OutboxItem) -> ForumThread:
    thread_id = str(item.args.get("thread_id"))
    opening = _local_post(item, post_id=thread_id)
    return ForumThread(
        id=thread_id,
        course_id=str(item.args.get("course_id", "")),
        lesson_id=item.args.get("lesson_id"),
        title=str(item.args.get("title", "")),
        opening=opening,
        pinned=False,
        locked=False,
        is_question=bool(item.args.get("question")),
        replies=0,
        unread=0,
    )
