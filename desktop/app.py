"""GUI composition root: core services -> task runner -> main window. Main (UI) thread.

Nothing here does I/O on the UI thread after the window is shown: the first refresh and the login
run through the task runner.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desktop import __version__
from desktop.core import Core
from desktop.paths import resource_dir
from desktop.ui.collector import MainThreadCollector
from desktop.ui.main_window import MainWindow
from desktop.ui.signals import SignalBridge
from desktop.ui.tasks import TaskRunner

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


def create_window(core: Core, runner: TaskRunner, *, title_note: str = "") -> MainWindow:
    window = MainWindow(
        core.session,
        core.catalogue,
        core.overview,
        core.queue,
        core.packs,
        core.downloads,
        core.lessons,
        core.learning,
        core.podcasts,
        core.polls,
        core.forum,
        core.supporters,
        core.standing,
        core.peer,
        core.paths.media_dir,
        core.settings,
        runner,
        default_server=str(core.settings.get("server_url")),
    )
    if title_note:
        window.setWindowTitle(f"Samen — {title_note}")
    return window


def run_gui(core: Core, *, title_note: str = "", argv: Sequence[str] | None = None) -> int:
    app = application(argv)
    collector = MainThreadCollector(app)
    runner = TaskRunner(app)
    window = create_window(core, runner, title_note=title_note)
    window.show()
    bridge = SignalBridge(window.close, app)
    if core.session.account() is None:
        # After the event loop starts, so the window is painted behind the dialog.
        QTimer.singleShot(0, window.ask_login)
    else:
        window.refresh()
    code = app.exec()
    bridge.close()
    runner.wait_idle()
    collector.close()
    return int(code)
