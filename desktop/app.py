"""GUI composition root: task runner -> main window -> core services. Main (UI) thread.

The window is on screen first: its shell is shown before the core services, the store and the
pages' modules are loaded, which happens on a worker thread; the pages are then attached. So
nothing slow runs on the UI thread, at start-up or after: the first refresh and the login run
through the task runner too.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import __version__
from desktop.language import formats
from desktop.language.catalogue import _
from desktop.paths import Paths, resource_dir
from desktop.settings import Settings
from desktop.ui import icons, main_window
from desktop.ui.collector import MainThreadCollector
from desktop.ui.main_window import MainWindow
from desktop.ui.qt_language import speak_in_window
from desktop.ui.signals import SignalBridge
from desktop.ui.tasks import TaskRunner
from desktop.ui.theme import Theme
from desktop.ui.window_state import STATE_FILE, WindowState

if TYPE_CHECKING:
    from desktop.core import Core

EXIT_FAILED = 1
OPEN_ANYWAY_MS = 1000

APP_ID = "org.samen.Samen"


def _claim_windows_app_id() -> None:
    """Windows: the taskbar groups and pins windows by AppUserModelID; use the one the installer
    gives the Start-menu shortcut (installers/windows/samen.iss), or pinning makes a second icon."""
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_ID)


def application(argv: Sequence[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    _claim_windows_app_id()  # before the first window exists
    app = QApplication(list(argv if argv is not None else sys.argv))
    app.setApplicationName("Samen")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Samen")
    app.setDesktopFileName(APP_ID)  # installers/linux/org.samen.Samen.desktop
    icon = resource_dir() / "icons" / "samen.svg"
    if icon.is_file():  # absent only in a broken install; the app still works without it
        app.setWindowIcon(QIcon(str(icon)))
    return app


def attach(window: MainWindow, core: Core) -> None:
    from desktop.ui.window_services import WindowServices

    window.attach(
        WindowServices(
            session=core.session,
            catalogue=core.catalogue,
            overview=core.overview,
            queue=core.queue,
            packs=core.packs,
            downloads=core.downloads,
            lessons=core.lessons,
            learning=core.learning,
            podcasts=core.podcasts,
            polls=core.polls,
            forum=core.forum,
            supporters=core.supporters,
            standing=core.standing,
            peer=core.peer,
            home=core.home,
            storage=core.storage,
            covers=core.covers,
            removal=core.removal,
            settings=core.settings,
            media_root=core.paths.media_dir,
            data_dir=core.paths.data_dir,
            default_server=str(core.settings.get("server_url")),
        )
    )


def _title(note: str) -> str:
    """ "Samen — demo academy": the note is the caller's words, marked with N_ there."""
    # Translators: the window's title with a note after the app's name.
    return _("Samen — {note}").format(note=_(note))


def create_window(core: Core, runner: TaskRunner, *, title_note: str = "") -> MainWindow:
    """The whole window at once, for a core that is already open (tests, benchmarks)."""
    window = MainWindow(runner)
    attach(window, core)
    if title_note:
        window.setWindowTitle(_title(title_note))
    return window


class _AfterFirstPaint(QObject):
    """Calls `then` once, after the watched widget's first paint. UI thread.

    The core is opened only then: loading it on a worker holds the interpreter lock for long
    stretches (imports, dlopen of large libraries such as cryptography's), which would otherwise
    delay the very first paint it is meant to come after."""

    def __init__(self, widget: QObject, then: Callable[[], object]) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)  # after this paint has reached the screen
        return False


def _open(open_core: Callable[[], Core]) -> tuple[Core, bool]:
    """Worker thread: open the core, import the pages' modules, ask whether anyone is
    logged in (all of it disk work the UI thread must not wait on)."""
    core = open_core()
    main_window.preload()
    # A broken install: icons stay blank, every button still says what it does.
    with contextlib.suppress(icons.IconFontMissingError, OSError, ValueError):
        icons.preload()
    return core, core.session.account() is not None


def run_gui(
    open_core: Callable[[], Core],
    *,
    title_note: str = "",
    argv: Sequence[str] | None = None,
    paths: Paths | None = None,
    first_look: Callable[[], object] | None = None,
) -> int:
    """Show the window, open the core on a worker, attach it, run until the window closes.
    The caller owns the core `open_core` returns (and closes it after this returns).

    With `paths`, the window opens in the learner's theme, at the size and place it was left
    (both read before it is shown, before the event loop runs, so nothing waits on them).
    `first_look` (a worker, before the core) reads what Home lists at once: the courses on
    this computer, so the window is of use before the services have loaded."""
    app = application(argv)
    collector = MainThreadCollector(app)
    runner = TaskRunner(app)
    settings = Settings.load(paths.settings_file) if paths else None
    speak_in_window(app, str(settings.get("language")) if settings else "")
    # Babel and the locale's data load on a worker while the window is built: the first date
    # or number Home shows finds them there.
    runner.submit(formats.preload)
    Theme.apply(app, str(settings.get("theme")) if settings else "system")
    window = MainWindow(runner)
    state = WindowState(paths.config_dir / STATE_FILE, runner) if paths else None
    if state is not None:
        window.window_state = state
        state.restore(window)
        state.save_on_close(window)  # written by the runner, which is waited for below
    if title_note:
        window.setWindowTitle(_title(title_note))
    window.statusBar().showMessage(_("Opening Samen…"))
    window.show()
    bridge = SignalBridge(window.close, app)
    failure: list[str] = []

    def opened(result: object) -> None:
        assert isinstance(result, tuple)  # _open's (core, logged in)
        core, logged_in = result
        if not window.isVisible():
            return  # closed while opening
        try:
            attach(window, core)
        except Exception as exc:  # a slot's exception would only be printed: say it, stop
            failed(exc)
            return
        window.statusBar().clearMessage()
        if logged_in:
            window.refresh()
        else:
            # After this slot returns, so the attached pages are painted behind the dialog.
            QTimer.singleShot(0, window.ask_login)

    def failed(exc: BaseException) -> None:
        # The store cannot be opened (a damaged or locked file, a full disk...) or the pages
        # not built: say so and stop; the files stay as they are for a helper to look at.
        failure.append(str(exc))
        QMessageBox.critical(
            window,
            _("Samen cannot start"),
            _("Samen could not open your data.\n\n{problem}").format(problem=exc),
        )
        window.close()

    started: list[bool] = []

    def open_core_now(_result: object = None) -> None:
        runner.submit(lambda: _open(open_core), opened, failed)

    def start() -> None:
        if started:
            return
        started.append(True)
        if first_look is None:
            open_core_now()
            return

        def looked(courses: object) -> None:
            window.show_first_look(courses)
            open_core_now()

        # First the cheap read, then the core: the two would only slow each other down.
        runner.submit(first_look, looked, open_core_now)

    _AfterFirstPaint(window, start)
    # A window that is never painted (started minimised, on another workspace) still opens
    # its core, so logging in and background sync do not wait for the learner to look.
    QTimer.singleShot(OPEN_ANYWAY_MS, start)
    code = app.exec()
    bridge.close()
    runner.wait_idle()
    collector.close()
    if failure:
        print(f"samen: {failure[0]}", file=sys.stderr)
        return EXIT_FAILED
    return int(code)
