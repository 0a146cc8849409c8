"""Render every main screen of the window to PNG files, so people can look at what a learner
sees: `scripts/screenshots.sh` runs it under Xvfb. Main thread (Qt's UI thread).

A demo academy on 127.0.0.1 and the demo learner in a throwaway data folder (the token kept in
memory only): one sync and the first course downloaded; then each main screen (Home, Courses,
the course page's sections, a lesson, Podcasts, Sync & storage's sections) at each size, as
docs/screenshots/<W>x<H>/NN-<screen>.png.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

if __package__ in (None, ""):  # run as a script: the repository root is not on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.screen import environment
from desktop.app import application, create_window
from desktop.core import build_core
from desktop.demo_server import DEMO_PASSWORD, DEMO_USER, start_demo_server
from desktop.language.catalogue import LANGUAGES, SOURCE_LANGUAGE
from desktop.paths import resolve_paths
from desktop.store.vault import TokenVault
from desktop.ui.main_window import MainWindow
from desktop.ui.qt_language import speak_in_window
from desktop.ui.tasks import TaskRunner
from desktop.ui.theme import Theme
from tests import keyring_service

SIZES: tuple[tuple[int, int], ...] = ((1366, 768), (1024, 700))
SETTLE_S = 1.5  # long enough for a tab's worker results to arrive and paint


def settle(seconds: float) -> None:
    """Run the event loop for `seconds` (workers deliver their results through it)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def screens(window: MainWindow, course_id: str) -> list[tuple[str, Callable[[], object]]]:
    """Each main screen: its file name and how the window is brought to it."""
    pages = window.pages
    assert pages is not None

    def course(section: str) -> Callable[[], object]:
        return lambda: window.open_course(course_id, section)

    def sync(section: str) -> Callable[[], object]:
        def show() -> None:
            window.go("sync")
            pages.sync_page().show_section(section)

        return show

    return [
        ("home", lambda: window.go("home")),
        ("courses", lambda: window.go("courses")),
        ("course-lessons", course("lessons")),
        ("course-discussion", course("discussion")),
        ("course-polls", course("polls")),
        ("course-peer-work", course("peer")),
        ("course-supporters", course("supporters")),
        ("lesson", lambda: window.open_lesson(course_id, "")),
        ("podcasts", lambda: window.go("podcasts")),
        ("sync-waiting", sync("waiting")),
        ("sync-downloads", sync("downloads")),
        ("sync-storage", sync("storage")),
    ]


def render(
    out: Path, sizes: tuple[tuple[int, int], ...], theme: str = "light", language: str = "en"
) -> list[Path]:
    app = application([sys.argv[0]])
    speak_in_window(app, language)
    Theme.apply(app, theme)
    written: list[Path] = []
    with (
        tempfile.TemporaryDirectory(prefix="samen-screens-") as scratch,
        # A private unlocked keyring, as on a learner's desktop: the login is kept (and the
        # status line does not say "login not saved").
        keyring_service.secret_service(Path(scratch) / "home") as keyring_env,
        environment(keyring_env),
    ):
        server = start_demo_server(Path(scratch) / "server")
        core = build_core(resolve_paths(Path(scratch) / "client"), vault=TokenVault())
        try:
            core.session.login(server.url, DEMO_USER, DEMO_PASSWORD)
            core.sync.run_window()
            # The course in the screens' own language: the Dutch one for the Dutch screens.
            listed = [entry.course for entry in core.catalogue.refresh()]
            course = next((c for c in listed if c.language == language), listed[0])
            core.downloads.download_course(course.id)
            runner = TaskRunner()
            window = create_window(core, runner)
            window.show()
            window.refresh()  # as the app does once the learner is logged in
            settle(SETTLE_S)
            for _ in range(60):  # the window's own first refresh (a sync) ends: status is true
                if not window.refreshing:
                    break
                settle(0.5)
            for width, height in sizes:
                window.resize(width, height)
                folder = out / f"{width}x{height}"
                folder.mkdir(parents=True, exist_ok=True)
                for old in folder.glob("*.png"):
                    old.unlink()
                for index, (name, show) in enumerate(screens(window, course.id)):
                    show()
                    settle(SETTLE_S)
                    path = folder / f"{index + 1:02d}-{name}.png"
                    if not window.grab().save(str(path)):
                        raise SystemExit(f"could not write {path}")
                    written.append(path)
                window.go("home")
            window.close()
            runner.wait_idle()
            QCoreApplication.processEvents()
        finally:
            core.close()
            server.stop()
    app.quit()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument(
        "--size", action="append", metavar="WxH", help="only this size (repeatable)"
    )
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument(
        "--language",
        action="append",
        choices=LANGUAGES,
        help="only this language (repeatable); English goes to OUT, the others to OUT/LANG",
    )
    args = parser.parse_args()
    sizes = SIZES
    if args.size:
        sizes = tuple((int(w), int(h)) for w, h in (s.lower().split("x") for s in args.size))
    for language in args.language or LANGUAGES:
        out = args.out if language == SOURCE_LANGUAGE else args.out / language
        for path in render(out, sizes, args.theme, language):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
