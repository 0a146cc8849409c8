"""The `samen` command's arguments and their help, in the learner's language. Main thread; built
after desktop.language is installed (every help text is looked up when the parser is built)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from desktop import __version__
from desktop.language.catalogue import _


def data_dir_asked(argv: Sequence[str]) -> str | None:
    """The `--data-dir` given on the command line, read before the language is known (so the
    settings it holds can choose it); None when there is none or the line is malformed (the
    real parser then says what is wrong, in the chosen language)."""
    early = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    early.add_argument("--data-dir", default=None)
    try:
        known, _rest = early.parse_known_args(list(argv))
    except (argparse.ArgumentError, SystemExit):
        return None
    return known.data_dir if isinstance(known.data_dir, str) else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="samen", description=_("Samen: learn offline, at your own pace, and still together.")
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"samen {__version__}",
        help=_("show Samen's version and exit"),
    )
    parser.add_argument(
        "--data-dir",
        help=_("keep all data in this folder (also SAMEN_DATA_DIR)"),
        default=None,
        metavar=_("DIR"),
    )
    parser.add_argument(
        "--selftest",
        action="store_true",
        help=_("check this installation (store, audio, keyring) and exit: 0 when all is well"),
    )
    json_help = _("machine-readable output (JSON, not translated)")
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"))
    sub.add_parser("gui", help=_("open the app window (the default)"))
    demo = sub.add_parser("demo", help=_("start a local demo academy and open the app, logged in"))
    demo.add_argument("--no-window", action="store_true", help=_("start and log in, then exit"))

    login = sub.add_parser("login", help=_("log in to an academy"))
    login.add_argument(
        "--server",
        required=True,
        metavar="URL",
        help=_("academy address, e.g. https://academy.example.org"),
    )
    login.add_argument("--user", required=True, metavar=_("NAME"), help=_("your user name"))
    login.add_argument(
        "--password-stdin", action="store_true", help=_("read the password from standard input")
    )
    sub.add_parser("logout", help=_("log out (work not yet sent is kept)"))
    status = sub.add_parser("status", help=_("show login and sync status"))
    status.add_argument("--json", action="store_true", help=json_help)
    courses = sub.add_parser("courses", help=_("list the academy's courses"))
    courses.add_argument("--json", action="store_true", help=json_help)
    sync = sub.add_parser(
        "sync", help=_("send queued work and fetch what is new (exit 3: academy unreachable)")
    )
    sync.add_argument("--json", action="store_true", help=json_help)
    course = _("COURSE")
    download = sub.add_parser("download", help=_("download courses to study them offline"))
    download.add_argument("courses", nargs="*", metavar=course, help=_("course ids"))
    download.add_argument("--all", action="store_true", help=_("every course in the catalogue"))
    remove = sub.add_parser(
        "remove", help=_("delete a course's media from this computer (progress and work stay)")
    )
    remove.add_argument("course", metavar=course, help=_("course id (see: samen courses)"))
    _pack_commands(sub, course)
    _poll_commands(sub, json_help)
    _forum_commands(sub, course)
    _supporter_commands(sub)
    points = sub.add_parser("points", help=_("your points in a course (as last synced)"))
    points.add_argument("course", metavar=course, help=_("course id (see: samen courses)"))
    podcast = sub.add_parser("podcast", help=_("podcasts to listen to offline"))
    podcast_commands = podcast.add_subparsers(
        dest="podcast_command", required=True, metavar=_("COMMAND")
    )
    add = podcast_commands.add_parser("add", help=_("subscribe to a podcast by its feed address"))
    add.add_argument("url", metavar="URL", help=_("the podcast's feed address"))
    listing = podcast_commands.add_parser("list", help=_("podcasts and their episodes"))
    listing.add_argument("--json", action="store_true", help=json_help)
    podcast_commands.add_parser(
        "update", help=_("check for new episodes, download the newest, delete played ones")
    )
    return parser


def _pack_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], course: str) -> None:
    pack = sub.add_parser("pack", help=_("course packs for places without internet"))
    commands = pack.add_subparsers(dest="pack_command", required=True, metavar=_("COMMAND"))
    export = commands.add_parser("export", help=_("write a downloaded course to DIR as a .zip"))
    export.add_argument("course", metavar=course, help=_("course id (see: samen courses)"))
    export.add_argument(
        "dir",
        type=Path,
        metavar=_("DIR"),
        help=_("folder to write the pack to, e.g. a USB stick"),
    )
    imp = commands.add_parser("import", help=_("import a pack (.zip or folder), no network"))
    imp.add_argument("path", type=Path, metavar=_("PACK"), help=_("the pack: a .zip or a folder"))


def _poll_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], json_help: str
) -> None:
    poll = sub.add_parser("poll", help=_("polls: vote, then see how the community voted"))
    commands = poll.add_subparsers(dest="poll_command", required=True, metavar=_("COMMAND"))
    listing = commands.add_parser("list", help=_("polls known on this computer"))
    listing.add_argument("--course", metavar=_("COURSE"), help=_("only this course's polls"))
    listing.add_argument("--json", action="store_true", help=json_help)
    vote = commands.add_parser("vote", help=_("vote (works offline; sent at the next sync)"))
    vote.add_argument("poll", metavar=_("POLL"), help=_("the poll's id (see: samen poll list)"))
    vote.add_argument(
        "option", metavar=_("OPTION"), help=_("the option's id (see: samen poll list)")
    )


def _forum_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], course: str) -> None:
    forum = sub.add_parser("forum", help=_("course forums: read and write, also offline"))
    commands = forum.add_subparsers(dest="forum_command", required=True, metavar=_("COMMAND"))
    thread_help = _("the thread's id (see: samen forum list)")
    body_help = _("a file with the text, in Markdown")
    threads = commands.add_parser("list", help=_("a course's threads (as last synced)"))
    threads.add_argument("course", metavar=course, help=_("course id (see: samen courses)"))
    threads.add_argument(
        "--lesson", metavar=_("LESSON"), help=_("only the threads about this lesson")
    )
    show = commands.add_parser("show", help=_("a thread and its replies"))
    show.add_argument("thread", metavar=_("THREAD"), help=thread_help)
    post = commands.add_parser("post", help=_("reply to a thread (sent at the next sync)"))
    post.add_argument("thread", metavar=_("THREAD"), help=thread_help)
    post.add_argument("--body-file", type=Path, required=True, metavar=_("FILE"), help=body_help)
    new_thread = commands.add_parser("new", help=_("start a thread in a course"))
    new_thread.add_argument("course", metavar=course, help=_("course id (see: samen courses)"))
    new_thread.add_argument(
        "--title", required=True, metavar=_("TITLE"), help=_("the thread's title")
    )
    new_thread.add_argument(
        "--body-file", type=Path, required=True, metavar=_("FILE"), help=body_help
    )
    new_thread.add_argument(
        "--lesson", metavar=_("LESSON"), help=_("attach the thread to this lesson")
    )
    new_thread.add_argument(
        "--question", action="store_true", help=_("a discussion question (moderators)")
    )


def _supporter_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    supporter = sub.add_parser("supporter", help=_("ask someone you trust for feedback by e-mail"))
    commands = supporter.add_subparsers(
        dest="supporter_command", required=True, metavar=_("COMMAND")
    )
    ask = commands.add_parser(
        "ask", help=_("ask about your saved answer to one exercise (sent at the next sync)")
    )
    ask.add_argument("lesson", metavar=_("LESSON"), help=_("the lesson's id (see: samen courses)"))
    ask.add_argument("exercise", metavar=_("EXERCISE"), help=_("the exercise's id"))
    ask.add_argument("--name", required=True, metavar=_("NAME"), help=_("your supporter's name"))
    ask.add_argument("--email", required=True, metavar=_("ADDRESS"), help=_("their e-mail address"))
    ask.add_argument("--message", default="", metavar=_("TEXT"), help=_("a personal note"))
    ask.add_argument(
        "--language",
        choices=("nl", "en"),
        default=None,
        help=_("the language of the e-mail and the page your supporter reads (default: yours)"),
    )
    commands.add_parser("list", help=_("your requests, how far they got, the feedback"))
    withdraw = commands.add_parser("withdraw", help=_("stop a request's link"))
    withdraw.add_argument(
        "request", metavar=_("REQUEST"), help=_("the request's id (see: samen supporter list)")
    )
