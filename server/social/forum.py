"""Forum over sync: threads and replies per course (or lesson), edits with base_version,
deletion of one's own posts, reports, and moderation. Runs inside a push's savepoint on a
worker thread (the seeder's main thread for the demo's initial changes).

What pullers see (scope ``course:<id>``): ``forum_thread`` and ``forum_post`` entities signed
with the author's pseudonym for that course (or their name, when the course says so); a hidden
or deleted post is a tombstone. A learner's own posts are listed for them alone
(``forum_mine`` in ``user:<id>``), so only they get edit and delete. Reports go to the
moderators (``moderation:<course id>``), and so do hidden threads and replies
(``forum_hidden_thread``, ``forum_hidden_post``: the same data as the visible entities), so a
moderator can find them to unhide; they leave that scope (a delete) when unhidden or deleted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from server.auth.models import Role, User
from server.content.models import Course, Lesson
from server.db import table_of
from server.language import N_, _, ngettext, number
from server.social.models import ForumPost, ForumReport, ForumThread
from server.social.pseudonyms import course_pseudonym
from server.sync.changes import ChangeBuffer, course_scope, iso, user_scope
from server.sync.mutations import MutationArgs, MutationContext, MutationSpec, Rejected
from server.wire_limits import PositiveInt

MAX_TITLE = 200
MAX_BODY = 10_000
MAX_POSTS_PER_HOUR = 30  # against spam; a day offline rarely gives more than this
ID = r"^[A-Za-z0-9_-]{8,64}$"
MODERATORS = (Role.MODERATOR, Role.ADMIN)
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


def moderation_scope(course_id: str) -> str:
    return f"moderation:{course_id}"


# -- reading ---------------------------------------------------------------------------------


def _role(ctx: MutationContext) -> Role:
    key = ("role", str(ctx.user_id))
    if key not in ctx.memo:
        ctx.memo[key] = Role(
            ctx.session.execute(select(User.role).where(User.id == ctx.user_id)).scalar_one()
        )
    role: Role = ctx.memo[key]
    return role


def author_label(session: Session, course_id: str, user_id: int) -> str:
    """The name a post is signed with: the course's pseudonym for the learner (made on first
    use), their display name where the course shows names, moderators always by name."""
    user = session.execute(select(User.display_name, User.role).where(User.id == user_id)).one()
    if Role(user.role) in MODERATORS:
        return f"{user.display_name} (moderator)"
    names = session.execute(select(Course.forum_names).where(Course.id == course_id)).scalar_one()
    if names == "names":
        return str(user.display_name)
    return course_pseudonym(session, course_id, user_id)


def thread_data(thread: Any, author: str, replies: int) -> dict[str, Any]:
    return {
        "thread_id": thread.id,
        "course_id": thread.course_id,
        "lesson_id": thread.lesson_id,
        "title": thread.title,
        "body": thread.body,
        "author": author,
        "created_at": iso(thread.created_at),
        "edited_at": iso(thread.edited_at),
        "version": thread.version,
        "pinned": thread.pinned,
        "locked": thread.locked,
        "is_question": thread.is_question,
        "answer_post_id": thread.answer_post_id,
        "replies": replies,
    }


def post_data(post: Any, course_id: str, author: str) -> dict[str, Any]:
    return {
        "post_id": post.id,
        "thread_id": post.thread_id,
        "course_id": course_id,
        "body": post.body,
        "author": author,
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at),
        "version": post.version,
    }


def _thread_row(ctx: MutationContext, thread_id: str) -> Any:
    table = table_of(ForumThread)
    return ctx.connection.execute(select(table).where(table.c.id == thread_id)).one_or_none()


def _post_row(ctx: MutationContext, post_id: str) -> Any:
    table = table_of(ForumPost)
    return ctx.connection.execute(select(table).where(table.c.id == post_id)).one_or_none()


def _emit_hidden(
    changes: ChangeBuffer,
    course_id: str,
    entity: str,
    entity_id: str,
    data: dict[str, Any] | None,
    *,
    listed: bool,
) -> None:
    """Keep a hidden item in the moderators' view: ``data`` while it is hidden (and not
    deleted), a delete once it is not but ``listed`` says it may have been there."""
    scope = moderation_scope(course_id)
    if data is not None:
        changes.put(scope, entity, entity_id, data)
    elif listed:
        changes.delete(scope, entity, entity_id)


def _emit_reply(
    session: Session, changes: ChangeBuffer, post: Any, thread: Any, *, unhidden: bool = False
) -> None:
    """A reply for learners (its state, or a tombstone when it or its thread is hidden or
    deleted) and, while it is hidden itself, for moderators."""
    course_id = thread.course_id
    scope = course_scope(course_id)
    live = not (post.hidden or post.deleted or thread.hidden or thread.deleted)
    in_moderation = post.hidden and not (post.deleted or thread.deleted)
    data = None
    if live or in_moderation:
        data = post_data(post, course_id, author_label(session, course_id, post.author_id))
    if live and data is not None:
        changes.put(scope, "forum_post", post.id, data)
    else:
        changes.delete(scope, "forum_post", post.id)
    _emit_hidden(
        changes,
        course_id,
        "forum_hidden_post",
        post.id,
        data if in_moderation else None,
        listed=post.hidden or unhidden,
    )


def emit_thread(
    session: Session,
    changes: ChangeBuffer,
    thread_id: str,
    *,
    with_replies: bool = False,
    unhidden: bool = False,
) -> None:
    """Put the thread's current state (or a tombstone) in its course's scope; with_replies
    also its replies (a hidden or deleted thread takes them out of sight, unhiding brings
    them back). A hidden thread goes to the moderators' scope; ``unhidden`` says it just left
    it."""
    connection = session.connection()
    table = table_of(ForumThread)
    thread = connection.execute(select(table).where(table.c.id == thread_id)).one()
    scope = course_scope(thread.course_id)
    posts = table_of(ForumPost)
    if with_replies:
        for post in connection.execute(select(posts).where(posts.c.thread_id == thread_id)):
            _emit_reply(session, changes, post, thread)
    gone = thread.hidden or thread.deleted
    in_moderation = thread.hidden and not thread.deleted
    data = None
    if not gone or in_moderation:
        replies = connection.execute(
            select(func.count()).where(
                posts.c.thread_id == thread_id,
                posts.c.hidden.is_(False),
                posts.c.deleted.is_(False),
            )
        ).scalar_one()
        author = author_label(session, thread.course_id, thread.author_id)
        data = thread_data(thread, author, int(replies))
    if not gone and data is not None:
        changes.put(scope, "forum_thread", thread.id, data)
    else:
        changes.delete(scope, "forum_thread", thread.id)
    _emit_hidden(
        changes,
        thread.course_id,
        "forum_hidden_thread",
        thread.id,
        data if in_moderation else None,
        listed=thread.hidden or unhidden,
    )


def emit_course(session: Session, changes: ChangeBuffer, course_id: str) -> None:
    """Every thread and reply of a course again, hidden ones for the moderators too (e.g.
    after the course switched names/pseudonyms)."""
    table = table_of(ForumThread)
    for thread_id in (
        session.connection()
        .execute(select(table.c.id).where(table.c.course_id == course_id))
        .scalars()
    ):
        emit_thread(session, changes, thread_id, with_replies=True)


def emit_post(
    session: Session, changes: ChangeBuffer, post_id: str, *, unhidden: bool = False
) -> None:
    """Put the reply's current state (or a tombstone), and its thread's reply count."""
    connection = session.connection()
    posts, threads = table_of(ForumPost), table_of(ForumThread)
    post = connection.execute(select(posts).where(posts.c.id == post_id)).one()
    thread = connection.execute(select(threads).where(threads.c.id == post.thread_id)).one()
    _emit_reply(session, changes, post, thread, unhidden=unhidden)
    emit_thread(session, changes, post.thread_id)


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
    since = ctx.now - timedelta(hours=1)
    threads, posts = table_of(ForumThread), table_of(ForumPost)
    count = (
        ctx.connection.execute(
            select(func.count()).where(
                threads.c.author_id == ctx.user_id, threads.c.created_at >= since
            )
        ).scalar_one()
        + ctx.connection.execute(
            select(func.count()).where(
                posts.c.author_id == ctx.user_id, posts.c.created_at >= since
            )
        ).scalar_one()
    )
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


def _open_thread(ctx: MutationContext, thread_id: str) -> Any:
    thread = _thread_row(ctx, thread_id)
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
    course = ctx.session.get(Course, args.course_id)
    if course is None:
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
    if _thread_row(ctx, args.thread_id) is not None or _post_row(ctx, args.thread_id) is not None:
        raise Rejected(
            "conflict", _("A thread or reply with this id exists already."), subject="id"
        )
    title = _text(args.title, "title", MAX_TITLE)
    body = _text(args.body, "text", MAX_BODY)
    _rate_limit(ctx)
    ctx.connection.execute(
        insert(table_of(ForumThread)).values(
            id=args.thread_id,
            course_id=args.course_id,
            lesson_id=args.lesson_id,
            author_id=ctx.user_id,
            title=title,
            body=body,
            locked=False,
            created_at=ctx.now,
            pinned=False,
            hidden=False,
            deleted=False,
            is_question=args.question,
            version=1,
        )
    )
    emit_thread(ctx.session, ctx.changes, args.thread_id)
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
    thread = _open_thread(ctx, args.thread_id)
    if _post_row(ctx, args.post_id) is not None or _thread_row(ctx, args.post_id) is not None:
        raise Rejected("conflict", _("A post with this id exists already."), subject="id")
    body = _text(args.body, "reply", MAX_BODY)
    _rate_limit(ctx)
    ctx.connection.execute(
        insert(table_of(ForumPost)).values(
            id=args.post_id,
            thread_id=thread.id,
            author_id=ctx.user_id,
            body=body,
            created_at=ctx.now,
            hidden=False,
            deleted=False,
            version=1,
        )
    )
    emit_post(ctx.session, ctx.changes, args.post_id)
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
    if post is not None:
        emit_post(ctx.session, ctx.changes, args.post_id)
    else:
        emit_thread(ctx.session, ctx.changes, args.post_id)
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
    if post is not None:
        emit_post(ctx.session, ctx.changes, args.post_id)
    else:
        emit_thread(ctx.session, ctx.changes, args.post_id, with_replies=True)
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
        ctx.connection.execute(
            update(posts).where(posts.c.id == post.id).values(hidden=args.action == "hide")
        )
        emit_post(ctx.session, ctx.changes, post.id, unhidden=args.action == "unhide")
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
        )
    return {"target_id": args.target_id, "action": args.action}


THREAD_CREATE = MutationSpec(
    "forum.new_thread", ThreadArgs, create_thread, lambda ctx, args: args.course_id
)
POST_CREATE = MutationSpec(
    "forum.reply", PostArgs, create_post, lambda ctx, args: _thread_course(ctx, args.thread_id)
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
