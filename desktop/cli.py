"""The `samen` command: the GUI by default, and headless subcommands over the same services.
Main thread; every subcommand is a plain blocking call.

It speaks the learner's language (Settings, else the system's) from its first word, argparse's
own words included; `--json` output is for programs and stays as it is, untranslated.

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
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

from desktop import cli_community
from desktop.cli_output import (
    EXIT_AUTH,
    EXIT_FAILED,
    EXIT_OFFLINE,
    EXIT_OK,
    EXIT_USAGE,
    day,
    fail,
)
from desktop.cli_parser import build_parser, data_dir_asked
from desktop.cli_progress import ProgressBar
from desktop.cli_words import speak_for_argparse
from desktop.disk_space import disk_full
from desktop.domain.errors import AuthError, DiskFullError, OfflineError, SamenError
from desktop.domain.status import Connectivity
from desktop.domain.sync import KIND_LABELS
from desktop.domain.transfer import TransferProgress
from desktop.language import formats
from desktop.language.catalogue import _, counted
from desktop.language.startup import speak
from desktop.paths import ENV_DATA_DIR, Paths, resolve_paths
from desktop.private_files import restrict_new_files
from desktop.settings import Settings

if TYPE_CHECKING:
    from desktop.core import Core


def _speak(argv: Sequence[str]) -> None:
    """Install the language the data folder's Settings ask for (else the system's), for
    Samen's sentences and argparse's; a missing or broken settings file follows the system."""
    setting = ""
    try:
        chosen = Settings.load(resolve_paths(data_dir_asked(argv)).settings_file).get("language")
        setting = chosen if isinstance(chosen, str) else ""
    except (OSError, ValueError):
        pass
    speak(setting)
    speak_for_argparse()


def main(argv: Sequence[str] | None = None) -> int:
    restrict_new_files()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    _speak(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
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
        fail(exc.message)
        return EXIT_FAILED
    except OfflineError as exc:
        fail(exc.message)
        return EXIT_OFFLINE
    except AuthError as exc:
        fail(exc.message)
        if command != "login":
            print(_("Log in with: samen login --server URL --user NAME"), file=sys.stderr)
        return EXIT_AUTH
    except (SamenError, ValueError) as exc:
        fail(str(exc))
        return EXIT_FAILED
    except (OSError, sqlite3.Error) as exc:
        # A full disk met outside the store (which says it itself) is still a sentence.
        full = disk_full(exc, resolve_paths(args.data_dir).data_dir)
        if full is None:
            raise
        fail(full.message)
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
        password = getpass.getpass(_("Password for {user}: ").format(user=args.user))
    account = core.session.login(args.server, args.user, password)
    print(
        _("Logged in to {academy} as {name} ({user}).").format(
            academy=account.academy, name=account.user.display_name, user=account.user.username
        )
    )
    if not core.session.token_persistent:
        print(_("Note: {note}").format(note=core.session.token_note), file=sys.stderr)
    return EXIT_OK


def _logout(core: Core, args: argparse.Namespace) -> int:
    result = core.session.logout()
    if result.server_revoked:
        print(_("Logged out."))
    else:
        print(
            _("Logged out. (The academy could not be told; the login is forgotten on this device.)")
        )
    if result.pending_kept:
        print(
            counted(
                "{n} action not yet sent is kept and will be sent after you log in again.",
                "{n} actions not yet sent are kept and will be sent after you log in again.",
                result.pending_kept,
            )
        )
    return EXIT_OK


def _connection(connectivity: Connectivity) -> str:
    if connectivity is Connectivity.ONLINE:
        return _("Connection: online")
    if connectivity is Connectivity.OFFLINE:
        return _("Connection: offline")
    if connectivity is Connectivity.CAPTIVE_PORTAL:
        return _("Connection: behind a network login page")
    return _("Connection: not known yet")


# What waits to be sent, by kind of outbox item (desktop.domain.sync KIND_LABELS keys).
_WAITING: dict[str, Callable[[int], str]] = {
    "progress": lambda n: counted("progress in {n} lesson", "progress in {n} lessons", n),
    "vote": lambda n: counted("{n} poll vote", "{n} poll votes", n),
    "answer": lambda n: counted("{n} exercise answer", "{n} exercise answers", n),
    "position": lambda n: counted("{n} listening position", "{n} listening positions", n),
    "post": lambda n: counted("{n} forum post", "{n} forum posts", n),
    "moderation": lambda n: counted("{n} moderation action", "{n} moderation actions", n),
    "feedback": lambda n: counted("{n} feedback message", "{n} feedback messages", n),
    "supporter": lambda n: counted("{n} supporter request", "{n} supporter requests", n),
    "peer": lambda n: counted("{n} piece of peer feedback", "{n} pieces of peer feedback", n),
}


def _waiting(kind: str, n: int) -> str:
    say = _WAITING.get(kind)
    return say(n) if say else counted("{n} other action", "{n} other actions", n)


def _status(core: Core, args: argparse.Namespace) -> int:
    status = core.status.status(probe=True)
    if args.json:
        data = asdict(status)
        data["pending"] = status.pending
        print(json.dumps(data, indent=2, sort_keys=True))
        return EXIT_OK
    if not status.logged_in:
        print(_("Not logged in."))
    else:
        print(
            _("Logged in as {user} at {academy}.").format(
                user=status.username, academy=status.server_url
            )
        )
    print(_connection(status.connectivity))
    pending = _("Pending actions: {n}").format(n=formats.number(status.pending))
    if status.pending_by_kind:
        kinds = [_waiting(kind, n) for kind, n in status.pending_by_kind.items()]
        pending = _("{pending} ({kinds})").format(pending=pending, kinds=formats.listing(kinds))
    print(pending)
    if status.rejected:
        print(
            _("Rejected actions needing attention: {n}").format(n=formats.number(status.rejected))
        )
    if status.last_sync_at:
        print(_("Last sync: {when}").format(when=formats.when(status.last_sync_at)))
    else:
        print(_("Last sync: never"))
    if status.last_error:
        print(_("Last problem: {problem}").format(problem=status.last_error))
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
            padded = c.id.ljust(24)  # the ids in one column
            print(
                counted(
                    "{mark} {id} [{language}] {title} ({n} lesson)",
                    "{mark} {id} [{language}] {title} ({n} lessons)",
                    c.lesson_count,
                    mark="*" if entry.downloaded else " ",
                    id=padded,
                    language=formats.language_name(c.language),
                    title=c.title,
                )
            )
        if not entries:
            print(_("No courses known yet."))
    if offline is not None:
        fail(_("{problem} Showing courses saved on this device.").format(problem=offline.message))
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
        refused, pulled = formats.number(report.rejected), formats.number(report.pulled)
        if report.ok:
            print(
                counted(
                    "Sent {n} action, {refused} refused; received {pulled} updates.",
                    "Sent {n} actions, {refused} refused; received {pulled} updates.",
                    report.acked,
                    refused=refused,
                    pulled=pulled,
                )
            )
        elif report.acked or report.rejected:  # the window failed after settling some
            print(
                counted(
                    "Sent {n} action, {refused} refused, before the sync stopped.",
                    "Sent {n} actions, {refused} refused, before the sync stopped.",
                    report.acked,
                    refused=refused,
                )
            )
        if report.uploaded:
            print(counted("Sent {n} recording.", "Sent {n} recordings.", report.uploaded))
        for item in rejected:
            kind = _(KIND_LABELS[item.kind]) if item.kind in KIND_LABELS else _("other actions")
            print(_("Refused ({kind}): {reason}").format(kind=kind, reason=item.message))
        if report.pending:
            print(
                counted(
                    "{n} action is still waiting to be sent.",
                    "{n} actions are still waiting to be sent.",
                    report.pending,
                )
            )
        if report.error:
            fail(report.error)
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
        fail(_("name the courses to download, or use --all."))
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
            counted(
                "{course}: {done} of {n} file fetched, {size} on this computer.",
                "{course}: {done} of {n} files fetched, {size} on this computer.",
                report.files_total,
                course=course_id,
                done=formats.number(report.files_downloaded),
                size=formats.size(report.total_bytes),
            )
        )
    return EXIT_OK


def _remove(core: Core, args: argparse.Namespace) -> int:
    if not core.downloads.remove_course_media(args.course):
        fail(
            _("{course} is downloading right now; try again when it stops.").format(
                course=args.course
            )
        )
        return EXIT_FAILED
    print(
        _("Removed the media of {course}; your progress and unsent work are kept.").format(
            course=args.course
        )
    )
    return EXIT_OK


def _pack(core: Core, args: argparse.Namespace) -> int:
    if args.pack_command == "export":
        written = core.packs.export(args.course, args.dir)
        print(
            _("Wrote {pack} ({size}).").format(
                pack=written, size=formats.size(written.stat().st_size)
            )
        )
        return EXIT_OK
    bar = ProgressBar(_("Importing"))
    imported = core.packs.import_pack(args.path, on_progress=bar.update)
    bar.finish()
    print(imported.sentence)
    return EXIT_OK


def _podcast(core: Core, args: argparse.Namespace) -> int:
    if args.podcast_command == "add":
        feed = core.podcasts.subscribe(args.url)
        print(
            counted(
                "Subscribed to {title} ({n} episode).",
                "Subscribed to {title} ({n} episodes).",
                feed.episode_count,
                title=feed.title,
            )
        )
        return EXIT_OK
    if args.podcast_command == "list":
        episodes = core.podcasts.episodes()
        if args.json:
            print(json.dumps([asdict(e) for e in episodes], indent=2, default=str))
            return EXIT_OK
        for feed in core.podcasts.feeds():
            problem = f"  ! {feed.error}" if feed.error else ""
            line = counted(
                "{title} ({n} episode)", "{title} ({n} episodes)", feed.episode_count,
                title=feed.title,
            )  # fmt: skip
            print(line + problem)
            for episode in (e for e in episodes if e.feed_url == feed.url):
                mark = "*" if episode.file.value == "available" else " "
                heard = _("played") if episode.played else _("new")
                print(f"  {mark} {day(episode.published_at):<12} {episode.title} [{heard}]")
        return EXIT_OK
    bar = ProgressBar(_("Episodes"))
    try:
        report = core.podcasts.update(on_progress=bar.update)
    finally:
        bar.finish()
    new = counted("{n} new episode.", "{n} new episodes.", report.new_episodes)
    deleted = counted(
        "{n} played episode deleted.", "{n} played episodes deleted.", len(report.deleted)
    )
    kept = _("{size} of episodes on this computer.").format(
        size=formats.size(core.podcasts.bytes_on_disk())
    )
    print(f"{new} {deleted} {kept}")
    for where, problem in report.problems.items():
        fail(f"{where}: {problem}")
    return EXIT_OFFLINE if report.problems else EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from desktop.core import build_core
    from desktop.demo_server import DEMO_PASSWORD, DEMO_USER, start_demo_server

    paths = resolve_paths(args.data_dir)
    if args.data_dir is None and not os.environ.get(ENV_DATA_DIR):
        # Keep the demo apart from a real account on this computer.
        paths = resolve_paths(paths.data_dir / "demo")
    print(_("Starting the demo academy…"), flush=True)
    server = start_demo_server(paths.data_dir / "demo-server")
    try:
        core = build_core(paths)
        try:
            core.settings.set("server_url", server.url)
            account = core.session.login(server.url, DEMO_USER, DEMO_PASSWORD)
            print(
                _("Demo academy at {address}; logged in as {name}.").format(
                    address=server.url, name=account.user.display_name
                ),
                flush=True,
            )
            if args.no_window:
                return EXIT_OK
            from desktop.app import run_gui

            return run_gui(lambda: core, title_note=_("demo academy"), paths=paths)
        finally:
            core.close()
    finally:
        server.stop()


_COMMANDS: dict[str, Callable[[Core, argparse.Namespace], int]] = {
    "login": _login,
    "logout": _logout,
    "status": _status,
    "courses": _courses,
    "sync": _sync,
    "pack": _pack,
    "download": _download,
    "remove": _remove,
    "podcast": _podcast,
    "poll": cli_community.poll,
    "forum": cli_community.forum,
    "supporter": cli_community.supporter,
    "points": cli_community.points,
}
