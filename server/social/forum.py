"""Forum over sync: threads and replies per course (or lesson), edits with base_version,
deletion of one's own posts, reports, and moderation. Runs inside a push's savepoint on a
worker thread (the seeder's main thread for the demo's initial changes).

What pullers see (scope ``course:<id>``): ``forum_thread`` and ``forum_post`` entities signed
with the author's pseudonym for that course (or their name, when the course says so); a hidden
or deleted post is a tombstone. A learner's own posts are listed for them alone
(``forum_mine`` in ``user:<id>``), so only they get edit and delete. Reports go to the
moderators (``moderation:<course id>``), and so do hidden threads and replies
(``forum_hidden_thread``, ``forum_hidden_post``: the same data as the visible entities), so a
moderator can find them to unhide; they leave that scope (a delete) when unhidden or deleted
(:mod:`server.social.forum_entities` builds those entities).

What a reply or a new thread costs is a few statements whatever the size of the forum: the
course lookup reads the thread the handler then uses, the reply count is kept on the thread,
the hour's posts are counted once per batch and signatures are read once per batch.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import ColumnElement, Select, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from server.auth.models import Role, User
from server.content.models import Lesson
from server.db import table_of
from server.language import N_, _, ngettext, number
from server.social.forum_entities import MODERATORS as MODERATORS
from server.social.forum_entities import Signatures, emit_reply, emit_thread_row
from server.social.forum_entities import emit_course as emit_course
from server.social.forum_entities import emit_post as emit_post
from server.social.forum_entities import emit_thread as emit_thread
from server.social.forum_entities import moderation_scope as moderation_scope
from server.social.models import ForumPost, ForumReport, ForumThread
from server.sync.changes import iso, user_scope
from server.sync.mutations import MutationArgs, MutationContext, MutationSpec, Rejected
from server.wire_limits import PositiveInt

MAX_TITLE = 200
MAX_BODY = 10_000
MAX_POSTS_PER_HOUR = 30  # against spam; a day offline rarely gives more than this
ID = r"^[A-Za-z0-9_-]{8,64}$"
LOCKED_MESSAGE = N_("This thread was locked by a moderator; replies are closed.")
# Each text a post has, said whole: "The title is empty.", never "The " + what + " is empty."
_EMPTY = {
    "title": N_("The title is empty."),
    "text": N_("The text is empty."),
    "reply": N_("The reply is empty."),
    "reason": N_("The reason is empty."),
}
_TOO_LONG = {
    "title": N_("The title has {length} characters; at most {limit} fit."),
    "text": N_("The text has {length} characters; at most {limit} fit."),
    "reply": N_("The reply has {length} characters; at most {limit} fit."),
    "reason": N_("The reason has {length} characters; at most {limit} fit."),
}


# -- reading ---------------------------------------------------------------------------------


def _role(ctx: MutationContext) -> Role:
    key = ("role", str(ctx.user_id))
    if key not in ctx.memo:
        ctx.memo[key] = Role(
            ctx.session.execute(select(User.role).where(User.id == ctx.user_id)).scalar_one()
        )
    role: Role = ctx.memo[key]
    return role


def _signatures(ctx: MutationContext) -> Signatures:
    """The batch's signatures; names learnt by a mutation that is rolled back are forgotten
    with it (a pseudonym it made is gone)."""
    key = ("signatures", "")
    if key not in ctx.memo:
        ctx.memo[key] = Signatures(ctx.session)
    signatures: Signatures = ctx.memo[key]
    ctx.undo.append(signatures.checkpoint())
    return signatures


def _thread_row(ctx: MutationContext, thread_id: str) -> Any:
    table = table_of(ForumThread)
    return ctx.connection.execute(select(table).where(table.c.id == thread_id)).one_or_none()


def _post_row(ctx: MutationContext, post_id: str) -> Any:
    table = table_of(ForumPost)
    return ctx.connection.execute(select(table).where(table.c.id == post_id)).one_or_none()


def _id_taken(new_id: Any) -> ColumnElement[bool]:
    """Whether a thread or a reply has this id (both share one id space)."""
    threads, posts = table_of(ForumThread), table_of(ForumPost)
    return or_(
        select(threads.c.id).where(threads.c.id == new_id).exists(),
        select(posts.c.id).where(posts.c.id == new_id).exists(),
    )


# The statements of the frequent writes, built once: building one costs more than running it.
@cache
def _reply_target_statement() -> Select[Any]:
    threads = table_of(ForumThread)
    taken = _id_taken(bindparam("new_id")).label("id_taken")
    return select(*threads.c, taken).where(threads.c.id == bindparam("thread_id"))


@cache
def _taken_statement() -> Select[Any]:
    return select(_id_taken(bindparam("new_id")))


@cache
def _count_statement() -> ReturningUpdate[Any]:
    threads = table_of(ForumThread)
    return (
        update(threads)
        .where(threads.c.id == bindparam("target_id"))
        .values(replies=threads.c.replies + bindparam("delta"))
        .returning(*threads.c)
    )


@cache
def _insert_statement(table: Table) -> ReturningInsert[Any]:
    return insert(table).returning(*table.c)


def _reply_target(ctx: MutationContext, args: PostArgs) -> Any:
    """The thread a reply goes to, with ``id_taken`` for the reply's id: one statement, read
    by the course lookup and kept for the handler (``ctx.scratch``)."""
    if "thread" not in ctx.scratch:
        ctx.scratch["thread"] = ctx.connection.execute(
            _reply_target_statement(), {"new_id": args.post_id, "thread_id": args.thread_id}
        ).one_or_none()
    return ctx.scratch["thread"]


def _count_replies(ctx: MutationContext, thread_id: str, delta: int) -> None:
    """Keep the thread's reply count (visible replies) as a reply appears or goes. The
    batch's replies to a thread are summed and written at its commit, with the thread's row
    for learners: a class replying to one thread would otherwise queue behind whichever push
    took the row first, until that push's commit (PostgreSQL's row lock)."""
    key = ("forum_replies", thread_id)

    def write(batch: MutationContext) -> None:
        thread = batch.connection.execute(
            _count_statement(), {"target_id": thread_id, "delta": batch.tallies[key]}
        ).one()
        emit_thread_row(_signatures(batch), batch.changes, thread)

    ctx.tally(key, delta, write)


# -- checks ----------------------------------------------------------------------------------


def _text(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise Rejected("invalid_args", _(_EMPTY[what]), subject=what)
    if len(value) > limit:
        message = _(_TOO_LONG[what]).format(length=number(len(value)), limit=number(limit))
        raise Rejected("too_long", message, subject=what, length=len(value), limit=limit)
    return value


def _rate_limit(ctx: MutationContext) -> None:
    """At most MAX_POSTS_PER_HOUR threads and replies an hour: counted once per batch (through
    the (author_id, created_at) indexes, an hour's rows at most), then kept by :func:`_posted`
    (every post of a batch has its ``now``, so the count stays what a recount would say)."""
    key = ("posts_last_hour", str(ctx.user_id))
    if key not in ctx.memo:
        since = ctx.now - timedelta(hours=1)
        threads, posts = table_of(ForumThread), table_of(ForumPost)
        mine_threads = select(func.count()).where(
            threads.c.author_id == ctx.user_id, threads.c.created_at >= since
        )
        mine_posts = select(func.count()).where(
            posts.c.author_id == ctx.user_id, posts.c.created_at >= since
        )
        ctx.memo[key] = int(
            ctx.connection.execute(
                select(mine_threads.scalar_subquery() + mine_posts.scalar_subquery())
            ).scalar_one()
        )
    count: int = ctx.memo[key]
    if count >= MAX_POSTS_PER_HOUR:
        raise Rejected(
            "rate_limited",
            ngettext(
                "You posted {count} time in the last hour, the most the forum takes; "
                "this post stays on your computer, send it again a little later.",
                "You posted {count} times in the last hour, the most the forum takes; "
                "this post stays on your computer, send it again a little later.",
                count,
            ).format(count=number(count)),
            subject="forum",
            count=count,
        )


def _posted(ctx: MutationContext) -> None:
    """Count a thread or reply just written against the hour's limit (undone with it)."""
    key = ("posts_last_hour", str(ctx.user_id))
    ctx.memo[key] += 1

    def uncount() -> None:
        ctx.memo[key] -= 1

    ctx.undo.append(uncount)


def _open_thread(ctx: MutationContext, thread_id: str, thread: Any = None) -> Any:
    thread = thread if thread is not None else _thread_row(ctx, thread_id)
    if thread is None or thread.hidden or thread.deleted:
        raise Rejected("not_found", _("This thread is no longer in the forum."), subject="thread")
    if thread.locked and _role(ctx) not in MODERATORS:
        raise Rejected("thread_locked", _(LOCKED_MESSAGE))
    return thread


def _thread_course(ctx: MutationContext, thread_id: str) -> str | None:
    threads = table_of(ForumThread)
    course_id: str | None = ctx.connection.execute(
        select(threads.c.course_id).where(threads.c.id == thread_id)
    ).scalar_one_or_none()
    return course_id


def _target_course(ctx: MutationContext, target_id: str) -> str | None:
    """The course of a reply (through its thread) or of a thread (its opening post)."""
    posts = table_of(ForumPost)
    thread_id = ctx.connection.execute(
        select(posts.c.thread_id).where(posts.c.id == target_id)
    ).scalar_one_or_none()
    return _thread_course(ctx, target_id if thread_id is None else thread_id)


# -- mutations -------------------------------------------------------------------------------


class ThreadArgs(MutationArgs):
    thread_id: str = Field(pattern=ID)
    course_id: str = Field(max_length=64)
    lesson_id: str | None = Field(default=None, max_length=100)
    title: str = Field(max_length=MAX_TITLE * 2)
    body: str = Field(max_length=MAX_BODY * 2)
    question: bool = False


def create_thread(ctx: MutationContext, args: ThreadArgs) -> dict[str, Any]:
    signatures = _signatures(ctx)
    if signatures.course(args.course_id) is None:
        raise Rejected("not_found", _("This course is no longer at the academy."), subject="course")
    if args.lesson_id is not None:
        lesson_course = ctx.session.execute(
            select(Lesson.course_id).where(Lesson.id == args.lesson_id)
        ).scalar_one_or_none()
        if lesson_course != args.course_id:
            raise Rejected(
                "not_found", _("This lesson is no longer in the course."), subject="lesson"
            )
    if args.question and _role(ctx) not in MODERATORS:
        raise Rejected(
            "forbidden", _("Only moderators start discussion questions."), subject="question"
        )
    if ctx.connection.execute(_taken_statement(), {"new_id": args.thread_id}).scalar_one():
        raise Rejected(
            "conflict", _("A thread or reply with this id exists already."), subject="id"
        )
    title = _text(args.title, "title", MAX_TITLE)
    body = _text(args.body, "text", MAX_BODY)
    _rate_limit(ctx)
    thread = ctx.connection.execute(
        _insert_statement(table_of(ForumThread)),
        {
            "id": args.thread_id,
            "course_id": args.course_id,
            "lesson_id": args.lesson_id,
            "author_id": ctx.user_id,
            "title": title,
            "body": body,
            "locked": False,
            "created_at": ctx.now,
            "pinned": False,
            "hidden": False,
            "deleted": False,
            "is_question": args.question,
            "answer_post_id": None,
            "version": 1,
            "edited_at": None,
            "replies": 0,
        },
    ).one()
    _posted(ctx)
    emit_thread_row(signatures, ctx.changes, thread)
    ctx.changes.put(
        user_scope(ctx.user_id),
        "forum_mine",
        args.thread_id,
        {"id": args.thread_id, "kind": "thread"},
    )
    return {"thread_id": args.thread_id, "version": 1}


class PostArgs(MutationArgs):
    post_id: str = Field(pattern=ID)
    thread_id: str = Field(pattern=ID)
    body: str = Field(max_length=MAX_BODY * 2)


def create_post(ctx: MutationContext, args: PostArgs) -> dict[str, Any]:
    target = _reply_target(ctx, args)
    thread = _open_thread(ctx, args.thread_id, target)
    if target.id_taken:
        raise Rejected("conflict", _("A post with this id exists already."), subject="id")
    body = _text(args.body, "reply", MAX_BODY)
    _rate_limit(ctx)
    post = ctx.connection.execute(
        _insert_statement(table_of(ForumPost)),
        {
            "id": args.post_id,
            "thread_id": thread.id,
            "author_id": ctx.user_id,
            "body": body,
            "created_at": ctx.now,
            "hidden": False,
            "deleted": False,
            "version": 1,
            "edited_at": None,
        },
    ).one()
    _posted(ctx)
    _count_replies(ctx, thread.id, 1)  # the thread's row goes out with its count, at commit
    emit_reply(_signatures(ctx), ctx.changes, post, thread)
    ctx.changes.put(
        user_scope(ctx.user_id), "forum_mine", args.post_id, {"id": args.post_id, "kind": "post"}
    )
    return {"post_id": args.post_id, "thread_id": thread.id, "version": 1}


class EditArgs(MutationArgs):
    post_id: str = Field(pattern=ID)  # a reply, or a thread's opening post (its thread id)
    body: str = Field(max_length=MAX_BODY * 2)
    title: str | None = Field(default=None, max_length=MAX_TITLE * 2)
    base_version: PositiveInt


def edit_post(ctx: MutationContext, args: EditArgs) -> dict[str, Any]:
    post = _post_row(ctx, args.post_id)
    thread = _thread_row(ctx, args.post_id) if post is None else None
    target = post if post is not None else thread
    if target is None or target.deleted or target.hidden:
        raise Rejected("not_found", _("This post is no longer in the forum."), subject="post")
    if target.author_id != ctx.user_id:
        raise Rejected("forbidden", _("Only the author can edit a post."), subject="edit")
    _open_thread(ctx, post.thread_id if post is not None else args.post_id)
    if target.version != args.base_version:
        raise Rejected(
            "conflict",
            _(
                "This post changed since you started editing (version {version}, yours "
                "{base_version}); your text is kept, look at the new version first."
            ).format(version=target.version, base_version=args.base_version),
            subject="version",
            version=target.version,
            base_version=args.base_version,
        )
    body = _text(args.body, "text", MAX_BODY)
    values: dict[str, Any] = {"body": body, "version": target.version + 1, "edited_at": ctx.now}
    if thread is not None and args.title is not None:
        values["title"] = _text(args.title, "title", MAX_TITLE)
    table = table_of(ForumPost) if post is not None else table_of(ForumThread)
    ctx.connection.execute(update(table).where(table.c.id == args.post_id).values(**values))
    signatures = _signatures(ctx)
    if post is not None:
        emit_post(ctx.session, ctx.changes, args.post_id, signatures=signatures)
    else:
        emit_thread(ctx.session, ctx.changes, args.post_id, signatures=signatures)
    return {"post_id": args.post_id, "version": target.version + 1}


class DeleteArgs(MutationArgs):
    post_id: str = Field(pattern=ID)


def delete_post(ctx: MutationContext, args: DeleteArgs) -> dict[str, Any]:
    post = _post_row(ctx, args.post_id)
    thread = _thread_row(ctx, args.post_id) if post is None else None
    target = post if post is not None else thread
    if target is None or target.deleted:
        return {"post_id": args.post_id, "deleted": True}  # gone already: nothing to refuse
    if target.author_id != ctx.user_id:
        raise Rejected("forbidden", _("Only the author can delete a post."), subject="delete")
    table = table_of(ForumPost) if post is not None else table_of(ForumThread)
    ctx.connection.execute(update(table).where(table.c.id == args.post_id).values(deleted=True))
    signatures = _signatures(ctx)
    if post is not None:
        if not post.hidden:  # it was counted among the thread's replies
            _count_replies(ctx, post.thread_id, -1)
        emit_post(ctx.session, ctx.changes, args.post_id, signatures=signatures)
    else:
        emit_thread(
            ctx.session, ctx.changes, args.post_id, with_replies=True, signatures=signatures
        )
    ctx.changes.delete(user_scope(ctx.user_id), "forum_mine", args.post_id)
    return {"post_id": args.post_id, "deleted": True}


class ReportArgs(MutationArgs):
    target_id: str = Field(pattern=ID)
    reason: str = Field(max_length=2_000)


def report(ctx: MutationContext, args: ReportArgs) -> dict[str, Any]:
    post = _post_row(ctx, args.target_id)
    thread_id = post.thread_id if post is not None else args.target_id
    thread = _thread_row(ctx, thread_id)
    if thread is None or (post is None and thread.id != args.target_id):
        raise Rejected("not_found", _("This post is no longer in the forum."), subject="post")
    reason = _text(args.reason, "reason", 2_000)
    reports = table_of(ForumReport)
    existing = ctx.connection.execute(
        select(reports.c.id).where(
            reports.c.target_id == args.target_id, reports.c.reporter_id == ctx.user_id
        )
    ).scalar_one_or_none()
    if existing is None:
        existing = ctx.connection.execute(
            insert(reports)
            .values(
                course_id=thread.course_id,
                target_id=args.target_id,
                reporter_id=ctx.user_id,
                reason=reason,
                created_at=ctx.now,
            )
            .returning(reports.c.id)
        ).scalar_one()
    body = post.body if post is not None else thread.body
    ctx.changes.put(
        moderation_scope(thread.course_id),
        "forum_report",
        str(existing),
        {
            "report_id": int(existing),
            "target_id": args.target_id,
            "thread_id": thread.id,
            "reason": reason,
            "body": body,
            "created_at": iso(ctx.now),
        },
    )
    return {"report_id": int(existing)}


class ModerateArgs(MutationArgs):
    target_id: str = Field(pattern=ID)
    action: Literal[
        "pin", "unpin", "lock", "unlock", "hide", "unhide", "mark_answer", "unmark_answer"
    ]


_THREAD_ONLY = {
    "pin": N_("Only a thread can be pinned."),
    "unpin": N_("Only a thread can be unpinned."),
    "lock": N_("Only a thread can be locked."),
    "unlock": N_("Only a thread can be unlocked."),
}


def moderate(ctx: MutationContext, args: ModerateArgs) -> dict[str, Any]:
    if _role(ctx) not in MODERATORS:
        raise Rejected("forbidden", _("Only moderators can do this."), subject="moderation")
    post = _post_row(ctx, args.target_id)
    thread = _thread_row(ctx, post.thread_id if post is not None else args.target_id)
    if thread is None:
        raise Rejected("not_found", _("This post is no longer in the forum."), subject="post")
    threads, posts = table_of(ForumThread), table_of(ForumPost)
    thread_values: dict[str, Any] = {}
    if args.action in ("pin", "unpin", "lock", "unlock"):
        if post is not None:
            raise Rejected(
                "invalid_args", _(_THREAD_ONLY[args.action]), subject=f"thread_{args.action}"
            )
        field = "pinned" if args.action.endswith("pin") else "locked"
        thread_values[field] = not args.action.startswith("un")
    elif args.action in ("mark_answer", "unmark_answer"):
        if post is None:
            raise Rejected("invalid_args", _("Only a reply can be the answer."), subject="answer")
        if args.action == "mark_answer":
            thread_values["answer_post_id"] = post.id
        elif thread.answer_post_id == post.id:  # only the answer itself can be unmarked
            thread_values["answer_post_id"] = None
    elif post is not None:
        hide = args.action == "hide"
        ctx.connection.execute(update(posts).where(posts.c.id == post.id).values(hidden=hide))
        if hide != post.hidden and not post.deleted:  # it leaves or rejoins the visible replies
            _count_replies(ctx, thread.id, -1 if hide else 1)
        emit_post(
            ctx.session,
            ctx.changes,
            post.id,
            unhidden=args.action == "unhide",
            signatures=_signatures(ctx),
        )
    else:
        thread_values["hidden"] = args.action == "hide"
    if thread_values:
        ctx.connection.execute(
            update(threads).where(threads.c.id == thread.id).values(**thread_values)
        )
        emit_thread(
            ctx.session,
            ctx.changes,
            thread.id,
            with_replies="hidden" in thread_values,
            unhidden=args.action == "unhide",
            signatures=_signatures(ctx),
        )
    return {"target_id": args.target_id, "action": args.action}


THREAD_CREATE = MutationSpec(
    "forum.new_thread", ThreadArgs, create_thread, lambda ctx, args: args.course_id
)
POST_CREATE = MutationSpec(
    "forum.reply",
    PostArgs,
    create_post,
    lambda ctx, args: None if (row := _reply_target(ctx, args)) is None else row.course_id,
)
POST_EDIT = MutationSpec(
    "forum.edit", EditArgs, edit_post, lambda ctx, args: _target_course(ctx, args.post_id)
)
POST_DELETE = MutationSpec(
    "forum.delete",
    DeleteArgs,
    delete_post,
    lambda ctx, args: _target_course(ctx, args.post_id),
    withdraws_own=True,  # one's own post, also after leaving the course
)
REPORT = MutationSpec(
    "forum.report", ReportArgs, report, lambda ctx, args: _target_course(ctx, args.target_id)
)
MODERATE = MutationSpec(
    "forum.moderate", ModerateArgs, moderate, lambda ctx, args: _target_course(ctx, args.target_id)
)
FORUM_MUTATIONS = (THREAD_CREATE, POST_CREATE, POST_EDIT, POST_DELETE, REPORT, MODERATE)
