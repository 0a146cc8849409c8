"""The main window against the real demo academy: log in, catalogue, download lessons."""

from __future__ import annotations

from collections.abc import Callable

import requests
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.app import create_window
from desktop.core import Core
from desktop.domain.status import Connectivity
from desktop.ui.login_dialog import LoginDialog
from desktop.ui.tasks import TaskRunner
from tests.server_process import DEMO_PASSWORD, LiveServer


def _wait_idle(qtbot: QtBot, runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: runner.running == 0, timeout=20_000)


def test_catalogue_and_download(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    _wait_idle(qtbot, runner)

    status = window.indicator.status
    assert status is not None and status.connectivity is Connectivity.ONLINE
    assert window.indicator.text_plain.startswith("Online")
    assert "last sync never" not in window.indicator.text_plain
    model = window.catalogue_page.model
    titles = {model.entry(r).course.language for r in range(model.rowCount())}
    assert titles == {"nl", "en"}
    assert window.library_page.model.rowCount() == 0
    assert window.library_page.stack.currentWidget() is window.library_page.empty

    # Select the Dutch course and download its lessons with the button.
    row = next(r for r in range(model.rowCount()) if model.entry(r).course.language == "nl")
    window.catalogue_page.table.selectRow(row)
    assert window.catalogue_page.action is not None
    assert window.catalogue_page.action.isEnabled()
    with qtbot.waitSignal(window.downloads_page.finished, timeout=60_000):
        qtbot.mouseClick(window.catalogue_page.action, Qt.MouseButton.LeftButton)
    _wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: window.library_page.model.rowCount() == 1, timeout=10_000)
    # The Downloads tab showed progress and ends complete; the media is on disk.
    downloads = window.downloads_page
    assert downloads.bar("samen-leren").value() == 1000
    progress = downloads.last_progress["samen-leren"]
    assert progress.done_bytes == progress.total_bytes > 0
    state_cell = downloads.table.item(0, 1)
    assert state_cell is not None and "On this computer" in state_cell.text()
    media = core.paths.media_dir / "samen-leren"
    assert sum(p.stat().st_size for p in media.rglob("*") if p.is_file()) == progress.total_bytes
    entry = window.library_page.model.entry(0)
    assert entry.course.id == "samen-leren"
    lessons = core.catalogue.lessons("samen-leren")
    assert len(lessons) == 3
    assert any(e.kind.value == "multiple_choice" for lesson in lessons for e in lesson.exercises)


def test_login_dialog_shows_wrong_password_then_logs_in(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    runner = TaskRunner()
    dialog = LoginDialog(core.session, runner, server_url=academy.url)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "demo")
    qtbot.keyClicks(dialog.password, "wrong")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20_000)
    assert dialog.error.text() == "Wrong user name or password."
    assert dialog.result() != LoginDialog.DialogCode.Accepted

    dialog.password.clear()
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.account is not None and dialog.account.user.username == "demo"
    assert core.session.token() is not None


def test_window_asks_for_login_when_logged_out(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    seen: list[str] = []

    def answer_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LoginDialog)
        seen.append(dialog.windowTitle())
        dialog.server.setText(academy.url)
        dialog.username.setText("demo")
        dialog.password.setText(DEMO_PASSWORD)
        dialog.submit()

    QTimer.singleShot(200, answer_dialog)
    assert window.ask_login() is True
    assert seen == ["Log in to your academy"]
    _wait_idle(qtbot, runner)
    assert window.catalogue_page.model.rowCount() == 2


def test_revoked_login_asks_to_log_in_again_and_keeps_the_catalogue(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.catalogue.refresh()
    token = core.session.token()
    # The token is revoked behind the app's back (e.g. by an admin, or it expired).
    revoked = requests.post(
        f"{academy.url}/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert revoked.status_code == 204
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    _wait_idle(qtbot, runner)
    assert "log in" in window.statusBar().currentMessage().lower()
    assert "not logged in" in window.indicator.text_plain
    assert window.catalogue_page.model.rowCount() == 2  # still shown from this device
