"""The `samen` command: the GUI by default, and headless subcommands over the same services.
Main thread; every subcommand is a plain blocking call.

Exit codes: 0 done, 1 failed (message on stderr), 2 usage, 3 server unreachable (nothing lost),
4 login needed.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from desktop import __version__
from desktop.cli_progress import ProgressBar
from desktop.disk_space import disk_full
from desktop.domain.errors import AuthError, DiskFullError, OfflineError, SamenError
from desktop.domain.poll import Poll, VoteState
from desktop.domain.sync import KIND_LABELS
from desktop.domain.transfer import TransferProgress
from desktop.paths import ENV_DATA_DIR, Paths, resolve_paths
from desktop.private_files import restrict_new_files

if TYPE_CHECKING:
    from desktop.core import Core

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_OFFLINE, EXIT_AUTH = 0, 1, 2, 3, 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="samen", description="Samen: learn offline, at your own pace, and still together."
    )
    parser.add_argument("--version", action="version", version=f"samen {__version__}")
    parser.add_argument(
        "--data-dir", help="keep all data in this folder (also SAMEN_DATA_DIR)", default=None
    )
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="check this installation (store, audio, keyring) and exit: 0 when all is well",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("gui", help="open the app window (the default)")
    demo = sub.add_parser("demo", help="start a local demo academy and open the app, logged in")
    demo.add_argument("--no-window", action="store_true", help="start and log in, then exit")

    login = sub.add_parser("login", help="log in to an academy")
    login.add_argument(
        "--server", required=True, help="academy address, e.g. https://academy.example.org"
    )
    login.add_argument("--user", required=True, help="your user name")
    login.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    sub.add_parser("logout", help="log out (work not yet sent is kept)")
    status = sub.add_parser("status", help="show login and sync status")
    status.add_argument("--json", action="store_true")
    courses = sub.add_parser("courses", help="list the academy's courses")
    courses.add_argument("--json", action="store_true")
    sync = sub.add_parser(
        "sync", help="send queued work and fetch what is new (exit 3: academy unreachable)"
    )
    sync.add_argument("--json", action="store_true")
    download = sub.add_parser("download", help="download courses to study them offline")
    download.add_argument("courses", nargs="*", metavar="COURSE", help="course ids")
    download.add_argument("--all", action="store_true", help="every course in the catalogue")
    remove = sub.add_parser(
        "remove", help="delete a course's media from this computer (progress and work stay)"
    )
    remove.add_argument("course")
    pack = sub.add_parser("pack", help="course packs for places without internet")
    pack_commands = pack.add_subparsers(dest="pack_command", required=True)
    export = pack_commands.add_parser("export", help="write a downloaded course to DIR as a .zip")
    export.add_argument("course", help="course id (see: samen courses)")
    export.add_argument("dir", type=Path, help="folder to write the pack to, e.g. a USB stick")
    imp = pack_commands.add_parser("import", help="import a pack (.zip or folder), no network")
    imp.add_argument("path", type=Path)
    poll = sub.add_parser("poll", help="polls: vote, then see how the community voted")
    poll_commands = poll.add_subparsers(dest="poll_command", required=True)
    poll_list = poll_commands.add_parser("list", help="polls known on this computer")
    poll_list.add_argument("--course", help="only this course's polls")
    poll_list.add_argument("--json", action="store_true")
    vote = poll_commands.add_parser("vote", help="vote (works offline; sent at the next sync)")
    vote.add_argument("poll")
    vote.add_argument("option", help="the option's id (see: samen poll list)")
    forum = sub.add_parser("forum", help="course forums: read and write, also offline")
    forum_commands = forum.add_subparsers(dest="forum_command", required=True)
    threads = forum_commands.add_parser("list", help="a course's threads (as last synced)")
    threads.add_argument("course")
    threads.add_argument("--lesson", help="only the threads about this lesson")
    show = forum_commands.add_parser("show", help="a thread and its replies")
    show.add_argument("thread")
    post = forum_commands.add_parser("post", help="reply to a thread (sent at the next sync)")
    post.add_argument("thread")
    post.add_argument("--body-file", type=Path, required=True, help="the reply, Markdown")
    new_thread = forum_commands.add_parser("new", help="start a thread in a course")
    new_thread.add_argument("course")
    new_thread.add_argument("--title", required=True)
    new_thread.add_argument("--body-file", type=Path, required=True, help="the text, Markdown")
    new_thread.add_argument("--lesson", help="attach the thread to this lesson")
    new_thread.add_argument(
        "--question", action="store_true", help="a discussion question (moderators)"
    )
    supporter = sub.add_parser("supporter", help="ask someone you trust for feedback by e-mail")
    supporter_commands = supporter.add_subparsers(dest="supporter_command", required=True)
    ask = supporter_commands.add_parser(
        "ask", help="ask about your saved answer to one exercise (sent at the next sync)"
    )
    ask.add_argument("lesson", help="the lesson's id (see: samen courses)")
    ask.add_argument("exercise", help="the exercise's id")
    ask.add_argument("--name", required=True, help="your supporter's name")
    ask.add_argument("--email", required=True, help="their e-mail address")
    ask.add_argument("--message", default="", help="a personal note")
    ask.add_argument(
        "--language",
        choices=("nl", "en"),
        default=None,
        help="the language of the e-mail and the page your supporter reads (default: yours)",
    )
    supporter_commands.add_parser("list", help="your requests, how far they got, the feedback")
    withdraw = supporter_commands.add_parser("withdraw", help="stop a request's link")
    withdraw.add_argument("request")
    points = sub.add_parser("points", help="your points in a course (as last synced)")
    points.add_argument("course")
    podcast = sub.add_parser("podcast", help="podcasts to listen to offline")
    podcast_commands = podcast.add_subparsers(dest="podcast_command", required=True)
    add = podcast_commands.add_parser("add", help="subscribe to a podcast by its feed address")
    add.add_argument("url")
    listing = podcast_commands.add_parser("list", help="podcasts and their episodes")
    listing.add_argument("--json", action="store_true")
    podcast_commands.add_parser(
        "update", help="check for new episodes, download the newest, delete played ones"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    restrict_new_files()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    command: str = args.command or "gui"
    if args.selftest:
        from desktop.selftest import run_selftest  # Qt loads only for this check.

        return run_selftest(resolve_paths(args.data_dir))
    try:
        if command == "demo":
            return _demo(args)
        if command == "gui":
            return _gui(resolve_paths(args.data_dir))
        from desktop.core import build_core  # not for the window, which opens it on a worker

        core = build_core(resolve_paths(args.data_dir))
        try:
            return _COMMANDS[command](core, args)
        finally:
            core.close()
    except DiskFullError as exc:  # the sentence says how much to free, and where
        print(f"samen: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except OfflineError as exc:
        print(f"samen: {exc.message}", file=sys.stderr)
        return EXIT_OFFLINE
    except AuthError as exc:
        hint = "" if command == "login" else "\nLog in with: samen login --server URL --user NAME"
        print(f"samen: {exc.message}{hint}", file=sys.stderr)
        return EXIT_AUTH
    except (SamenError, ValueError) as exc:
        print(f"samen: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (OSError, sqlite3.Error) as exc:
        # A full disk met outside the store (which says it itself) is still a sentence.
        full = disk_full(exc, resolve_paths(args.data_dir).data_dir)
        if full is None:
            raise
        print(f"samen: {full.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def _gui(paths: Paths) -> int:
    from desktop.app import run_gui  # Qt loads only when a window is wanted.

    opened: list[Core] = []

    def open_core() -> Core:  # on a worker thread, once the window shows "Opening…"
        from desktop.core import build_core  # its imports too are worth keeping off the UI

        opened.append(build_core(paths))
        return opened[-1]

    def first_look() -> object:  # on a worker, before the core: what Home lists at once
        from desktop.services.home import courses_now

        return courses_now(paths.database)

    try:
        return run_gui(open_core, paths=paths, first_look=first_look)
    finally:
        for core in opened:
            core.close()


def _login(core: Core, args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.user}: ")
    account = core.session.login(args.server, args.user, password)
    print(
        f"Logged in to {account.academy} as {account.user.display_name} ({account.user.username})."
    )
    if not core.session.token_persistent:
        print(f"Note: {core.session.token_note}", file=sys.stderr)
    return EXIT_OK


def _logout(core: Core, args: argparse.Namespace) -> int:
    result = core.session.logout()
    print(
        "Logged out."
        + (
            ""
            if result.server_revoked
            else " (The academy could not be told; the login is forgotten on this device.)"
        )
    )
    if result.pending_kept:
        print(
            f"{result.pending_kept} actions not yet sent are kept "
            "and will be sent after you log in again."
        )
    return EXIT_OK


def _status(core: Core, args: argparse.Namespace) -> int:
    status = core.status.status(probe=True)
    if args.json:
        data = asdict(status)
        data["pending"] = status.pending
        print(json.dumps(data, indent=2, sort_keys=True))
        return EXIT_OK
    if not status.logged_in:
        print("Not logged in.")
    else:
        print(f"Logged in as {status.username} at {status.server_url}.")
    print(f"Connection: {status.connectivity.value.replace('_', ' ')}")
    print(
        f"Pending actions: {status.pending}"
        + (
            " (" + ", ".join(f"{n} {k}" for k, n in status.pending_by_kind.items()) + ")"
            if status.pending_by_kind
            else ""
        )
    )
    if status.rejected:
        print(f"Rejected actions needing attention: {status.rejected}")
    print(f"Last sync: {status.last_sync_at or 'never'}")
    if status.last_error:
        print(f"Last problem: {status.last_error}")
    return EXIT_OK


def _courses(core: Core, args: argparse.Namespace) -> int:
    offline: OfflineError | None = None
    try:
        entries = core.catalogue.refresh()
    except OfflineError as exc:
        offline = exc
        entries = core.catalogue.library()
    if args.json:
        print(
            json.dumps(
                [
                    asdict(e.course)
                    | {"downloaded": e.downloaded, "local_version": e.local_version}
                    for e in entries
                ],
                indent=2,
            )
        )
    else:
        for entry in entries:
            c = entry.course
            mark = "*" if entry.downloaded else " "
            print(f"{mark} {c.id:<24} [{c.language}] {c.title} ({c.lesson_count} lessons)")
        if not entries:
            print("No courses known yet.")
    if offline is not None:
        print(f"samen: {offline.message} Showing courses saved on this device.", file=sys.stderr)
        return EXIT_OFFLINE
    return EXIT_OK


def _sync(core: Core, args: argparse.Namespace) -> int:
    report = core.sync.run_window()
    rejected = core.queue.refused()
    if args.json:
        data = asdict(report)
        data["rejected_items"] = [
            {"id": i.id, "name": i.name, "code": i.code, "message": i.message} for i in rejected
        ]
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        if report.ok:
            print(
                f"Sent {report.acked} actions, {report.rejected} refused; "
                f"received {report.pulled} updates."
            )
        elif report.acked or report.rejected:  # the window failed after settling some
            print(
                f"Sent {report.acked} actions, {report.rejected} refused, before the sync stopped."
            )
        if report.uploaded:
            print(f"Sent {report.uploaded} recordings.")
        for item in rejected:
            print(f"Refused ({KIND_LABELS.get(item.kind, 'other actions')}): {item.message}")
        if report.pending:
            print(f"{report.pending} actions are still waiting to be sent.")
        if report.error:
            print(f"samen: {report.error}", file=sys.stderr)
    if report.needs_login:
        return EXIT_AUTH
    if report.offline or report.busy or (report.ok and report.pending):
        return EXIT_OFFLINE
    return EXIT_OK if report.ok else EXIT_FAILED


def _download(core: Core, args: argparse.Namespace) -> int:
    if args.all:
        ids = [entry.course.id for entry in core.catalogue.refresh()]
    else:
        ids = list(args.courses)
    if not ids:
        print("samen: name the courses to download, or use --all.", file=sys.stderr)
        return EXIT_USAGE
    for course_id in ids:
        bar = ProgressBar(course_id)

        def show(progress: TransferProgress, bar: ProgressBar = bar) -> None:
            bar.update(progress.done_bytes, progress.total_bytes)

        try:
            report = core.downloads.download_course(course_id, on_progress=show)
        finally:
            bar.finish()
        print(
            f"{course_id}: {report.files_downloaded} of {report.files_total} files fetched, "
            f"{report.total_bytes / 1e6:.1f} MB on this computer."
        )
    return EXIT_OK


def _remove(core: Core, args: argparse.Namespace) -> int:
    if not core.downloads.remove_course_media(args.course):
        print(
            f"samen: {args.course} is downloading right now; try again when it stops.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(f"Removed the media of {args.course}; your progress and unsent work are kept.")
    return EXIT_OK


def _pack(core: Core, args: argparse.Namespace) -> int:
    if args.pack_command == "export":
        written = core.packs.export(args.course, args.dir)
        print(f"Wrote {written} ({written.stat().st_size / 1e6:.1f} MB).")
        return EXIT_OK
    bar = ProgressBar("Importing")
    imported = core.packs.import_pack(args.path, on_progress=bar.update)
    bar.finish()
    print(imported.sentence)
    return EXIT_OK


def _poll(core: Core, args: argparse.Namespace) -> int:
    if args.poll_command == "vote":
        poll = core.polls.vote(args.poll, args.option)
        print(f"Your vote on “{poll.statement}” is saved; it is sent at the next sync.")
        _print_poll(poll)
        return EXIT_OK
    polls = core.polls.polls(course_id=args.course)
    if args.json:
        print(json.dumps([asdict(p) for p in polls], indent=2))
        return EXIT_OK
    for poll in polls:
        _print_poll(poll)
    if not polls:
        print("No polls on this computer yet; `samen sync` fetches them.")
    return EXIT_OK


def _print_poll(poll: Poll) -> None:
    state = {
        VoteState.NONE: "not voted" + ("" if poll.is_open else " (closed)"),
        VoteState.WAITING: "your vote is waiting to be sent",
        VoteState.COUNTED: "your vote is counted",
        VoteState.REFUSED: f"your vote was refused: {poll.refusal}",
    }[poll.vote_state]
    print(f"{poll.id}: {poll.statement} [{state}]")
    for option in poll.options:
        mine = "*" if option.id == poll.my_vote else " "
        votes = "" if option.votes is None else f"  {option.votes} of {poll.total}"
        print(f"  {mine} {option.id}: {option.text}{votes}")


def _forum(core: Core, args: argparse.Namespace) -> int:
    if args.forum_command in ("post", "new"):
        try:
            body = args.body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"samen: cannot read {args.body_file}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if args.forum_command == "post":
            post_id = core.forum.reply(args.thread, body)
        else:
            post_id = core.forum.new_thread(
                args.course, args.title, body, lesson_id=args.lesson, question=args.question
            )
        print(f"Saved as {post_id}; it is sent at the next sync (samen sync).")
        return EXIT_OK
    if args.forum_command == "list":
        threads = core.forum.threads(args.course, args.lesson)
        for thread in threads:
            marks = ("[pinned] " if thread.pinned else "") + ("[locked] " if thread.locked else "")
            marks += ("[hidden] " if thread.hidden else "") + (
                "[question] " if thread.is_question else ""
            )
            unread = f", {thread.unread} new" if thread.unread else ""
            state = "" if thread.opening.state.value == "sent" else f" [{thread.opening.state}]"
            print(f"{thread.id}  {marks}{thread.title} — {thread.opening.author} "
                  f"({thread.replies} replies{unread}){state}")  # fmt: skip
        if not threads:
            about = "this lesson" if args.lesson else "this course"
            print(f"No threads on this computer for {about}; `samen sync` fetches them.")
        return EXIT_OK
    thread = core.forum.thread(args.thread)
    opening = thread.opening
    print(
        f"{thread.title}\n— {opening.author}, {(opening.created_at or '')[:16]}\n{opening.body}\n"
    )
    for post in core.forum.posts(args.thread):
        state = (
            ""
            if post.state.value == "sent"
            else f" [{post.state}{': ' + post.refusal if post.refusal else ''}]"
        ) + (" [hidden]" if post.hidden else "")
        print(f"— {post.author}, {(post.created_at or '')[:16]}{state}\n{post.body}\n")
    return EXIT_OK


def _podcast(core: Core, args: argparse.Namespace) -> int:
    if args.podcast_command == "add":
        feed = core.podcasts.subscribe(args.url)
        print(f"Subscribed to {feed.title} ({feed.episode_count} episodes).")
        return EXIT_OK
    if args.podcast_command == "list":
        episodes = core.podcasts.episodes()
        if args.json:
            print(json.dumps([asdict(e) for e in episodes], indent=2, default=str))
            return EXIT_OK
        for feed in core.podcasts.feeds():
            problem = f"  ! {feed.error}" if feed.error else ""
            print(f"{feed.title} ({feed.episode_count} episodes){problem}")
            for episode in (e for e in episodes if e.feed_url == feed.url):
                mark = "*" if episode.file.value == "available" else " "
                heard = "played" if episode.played else "new"
                print(f"  {mark} {(episode.published_at or '')[:10]:<10} {episode.title} [{heard}]")
        return EXIT_OK
    bar = ProgressBar("Episodes")
    try:
        report = core.podcasts.update(on_progress=bar.update)
    finally:
        bar.finish()
    print(
        f"{report.new_episodes} new episodes; {len(report.deleted)} played ones deleted; "
        f"{core.podcasts.bytes_on_disk() / 1e6:.1f} MB of episodes on this computer."
    )
    for where, problem in report.problems.items():
        print(f"samen: {where}: {problem}", file=sys.stderr)
    return EXIT_OFFLINE if report.problems else EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from desktop.core import build_core
    from desktop.demo_server import DEMO_PASSWORD, DEMO_USER, start_demo_server

    paths = resolve_paths(args.data_dir)
    if args.data_dir is None and not os.environ.get(ENV_DATA_DIR):
        # Keep the demo apart from a real account on this computer.
        paths = resolve_paths(paths.data_dir / "demo")
    print("Starting the demo academy…", flush=True)
    server = start_demo_server(paths.data_dir / "demo-server")
    try:
        core = build_core(paths)
        try:
            core.settings.set("server_url", server.url)
            account = core.session.login(server.url, DEMO_USER, DEMO_PASSWORD)
            print(
                f"Demo academy at {server.url}; logged in as {account.user.display_name}.",
                flush=True,
            )
            if args.no_window:
                return EXIT_OK
            from desktop.app import run_gui

            return run_gui(lambda: core, title_note="demo academy", paths=paths)
        finally:
            core.close()
    finally:
        server.stop()


def _supporter(core: Core, args: argparse.Namespace) -> int:
    if args.supporter_command == "ask":
        request_id = core.supporters.ask(
            args.lesson, args.exercise, args.name, args.email, args.message, args.language
        )
        print(f"Saved as {request_id}; it is sent at the next sync (samen sync).")
        return EXIT_OK
    if args.supporter_command == "withdraw":
        core.supporters.withdraw(args.request)
        print("Withdrawn; the link stops working at the next sync.")
        return EXIT_OK
    requests = core.supporters.requests()
    for request in requests:
        print(f"{request.id}  {request.exercise_id}  {request.supporter_name} "
              f"<{request.supporter_email}>: {request.status_text}")  # fmt: skip
        if request.feedback:
            print(f"    “{request.feedback}”")
    if not requests:
        print("No supporter requests on this computer.")
    return EXIT_OK


def _points(core: Core, args: argparse.Namespace) -> int:
    points = core.supporters.points(args.course)
    print(f"{points.total} points in {args.course}")
    for label, amount, when in points.recent:
        print(f"  {when[:10]}  {amount:+d}  {label}")
    return EXIT_OK


_COMMANDS = {
    "login": _login,
    "logout": _logout,
    "status": _status,
    "courses": _courses,
    "sync": _sync,
    "pack": _pack,
    "download": _download,
    "remove": _remove,
    "podcast": _podcast,
    "poll": _poll,
    "forum": _forum,
    "supporter": _supporter,
    "points": _points,
}
