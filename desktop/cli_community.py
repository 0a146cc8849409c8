"""The `samen` subcommands for learning together: polls, the course forums, supporters and
points. Main thread; each is a plain blocking call over the core's services."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from desktop.cli_output import EXIT_OK, EXIT_USAGE, day, fail
from desktop.domain.forum import PostState
from desktop.domain.poll import Poll, VoteState
from desktop.language import formats
from desktop.language.catalogue import _, counted

if TYPE_CHECKING:
    from desktop.core import Core


def poll(core: Core, args: argparse.Namespace) -> int:
    if args.poll_command == "vote":
        poll = core.polls.vote(args.poll, args.option)
        print(
            _("Your vote on “{statement}” is saved; it is sent at the next sync.").format(
                statement=poll.statement
            )
        )
        _print_poll(poll)
        return EXIT_OK
    polls = core.polls.polls(course_id=args.course)
    if args.json:
        print(json.dumps([asdict(p) for p in polls], indent=2))
        return EXIT_OK
    for poll in polls:
        _print_poll(poll)
    if not polls:
        print(_("No polls on this computer yet; `samen sync` fetches them."))
    return EXIT_OK


def _vote_state(poll: Poll) -> str:
    if poll.vote_state is VoteState.WAITING:
        return _("your vote is waiting to be sent")
    if poll.vote_state is VoteState.COUNTED:
        return _("your vote is counted")
    if poll.vote_state is VoteState.REFUSED:
        return _("your vote was refused: {reason}").format(reason=poll.refusal)
    return _("not voted") if poll.is_open else _("not voted (closed)")


def _print_poll(poll: Poll) -> None:
    print(f"{poll.id}: {poll.statement} [{_vote_state(poll)}]")
    for option in poll.options:
        mine = "*" if option.id == poll.my_vote else " "
        votes = ""
        if option.votes is not None:
            votes = "  " + _("{votes} of {total}").format(
                votes=formats.number(option.votes), total=formats.number(poll.total or 0)
            )
        print(f"  {mine} {option.id}: {option.text}{votes}")


def _post_state(state: PostState, refusal: str = "") -> str:
    if state is PostState.WAITING:
        return _("waiting")
    if state is PostState.REFUSED:
        return _("refused: {reason}").format(reason=refusal) if refusal else _("refused")
    return ""


def forum(core: Core, args: argparse.Namespace) -> int:
    if args.forum_command in ("post", "new"):
        try:
            body = args.body_file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            fail(_("{file} is not UTF-8 text.").format(file=args.body_file))
            return EXIT_USAGE
        except OSError:
            fail(_("cannot read {file}.").format(file=args.body_file))
            return EXIT_USAGE
        if args.forum_command == "post":
            post_id = core.forum.reply(args.thread, body)
        else:
            post_id = core.forum.new_thread(
                args.course, args.title, body, lesson_id=args.lesson, question=args.question
            )
        print(_("Saved as {id}; it is sent at the next sync (samen sync).").format(id=post_id))
        return EXIT_OK
    if args.forum_command == "list":
        _list_threads(core, args)
        return EXIT_OK
    thread = core.forum.thread(args.thread)
    opening = thread.opening
    print(
        f"{thread.title}\n— {opening.author}, {formats.when(opening.created_at)}\n{opening.body}\n"
    )
    for post in core.forum.posts(args.thread):
        marks = [_post_state(post.state, post.refusal)] + ([_("hidden")] if post.hidden else [])
        state = "".join(f" [{mark}]" for mark in marks if mark)
        print(f"— {post.author}, {formats.when(post.created_at)}{state}\n{post.body}\n")
    return EXIT_OK


def _list_threads(core: Core, args: argparse.Namespace) -> None:
    threads = core.forum.threads(args.course, args.lesson)
    for thread in threads:
        shown = (
            (thread.pinned, _("pinned")),
            (thread.locked, _("locked")),
            (thread.hidden, _("hidden")),
            (thread.is_question, _("question")),
        )
        marks = "".join(f"[{word}] " for on, word in shown if on)
        replies = counted("{n} reply", "{n} replies", thread.replies)
        if thread.unread:
            replies = counted("{replies}, {n} new", "{replies}, {n} new", thread.unread,
                              replies=replies)  # fmt: skip
        state = _post_state(thread.opening.state)
        print(f"{thread.id}  {marks}{thread.title} — {thread.opening.author} ({replies})"
              + (f" [{state}]" if state else ""))  # fmt: skip
    if not threads:
        if args.lesson:
            print(_("No threads on this computer for this lesson; `samen sync` fetches them."))
        else:
            print(_("No threads on this computer for this course; `samen sync` fetches them."))


def supporter(core: Core, args: argparse.Namespace) -> int:
    if args.supporter_command == "ask":
        request_id = core.supporters.ask(
            args.lesson, args.exercise, args.name, args.email, args.message, args.language
        )
        print(_("Saved as {id}; it is sent at the next sync (samen sync).").format(id=request_id))
        return EXIT_OK
    if args.supporter_command == "withdraw":
        core.supporters.withdraw(args.request)
        print(_("Withdrawn; the link stops working at the next sync."))
        return EXIT_OK
    requests = core.supporters.requests()
    for request in requests:
        print(f"{request.id}  {request.exercise_id}  {request.supporter_name} "
              f"<{request.supporter_email}>: {request.status_text}")  # fmt: skip
        if request.feedback:
            print(f"    “{request.feedback}”")
    if not requests:
        print(_("No supporter requests on this computer."))
    return EXIT_OK


def points(core: Core, args: argparse.Namespace) -> int:
    points = core.supporters.points(args.course)
    print(
        counted("{n} point in {course}", "{n} points in {course}", points.total, course=args.course)
    )
    for label, amount, when in points.recent:
        sign = "+" if amount > 0 else ""
        print(f"  {day(when):<12}  {sign}{formats.number(amount)}  {label}")
    return EXIT_OK
