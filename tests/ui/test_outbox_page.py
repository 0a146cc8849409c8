""" "Waiting to send" (on Sync & storage, reached from the status indicator or Ctrl+4) against
the real academy: refused actions show their reason and can be edited and resent, or
discarded; Sync now sends what waits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.domain.sync import SERVER_ERROR_MESSAGE, OutboxState
from desktop.store.outbox import OutboxRepo
from desktop.ui.edit_action_dialog import EditActionDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.pages import outbox as outbox_page
from desktop.ui.pages.outbox import OutboxPage
from desktop.ui.tasks import TaskRunner
from tests.backlog import queue_progress_updates
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import holding
from tests.server_process import DEMO_PASSWORD, LiveServer
from tests.ui.window import open_window

POLL = "learning-together-poll-1"


def _sync(qtbot: QtBot, window: MainWindow, runner: TaskRunner) -> None:
    window.sync_action.trigger()
    qtbot.waitUntil(lambda: not window.refreshing and runner.running == 0, timeout=30_000)


def _waiting(
    qtbot: QtBot, window: MainWindow, runner: TaskRunner, by_key: bool = False
) -> OutboxPage:
    """Open "Waiting to send" as a learner does: click the status indicator (or press Ctrl+4),
    and wait until it has read the queue."""
    if by_key:
        window.activateWindow()  # shortcuts go to the active window
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    else:
        qtbot.mouseClick(window.indicator, Qt.MouseButton.LeftButton)
    assert window.stack.current_name == "sync"
    assert window.pages is not None
    sync = window.pages.sync_page()
    assert sync.section() == "waiting" and sync.outbox.isVisible()
    qtbot.waitUntil(lambda: runner.running == 0, timeout=10_000)
    return sync.outbox


def _click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isVisible() and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_sync_now_sends_queued_work_and_shows_refusals(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.actions.record_progress("learning-together", "learning-together-1", 3_000, False)
    core.actions.vote(POLL, "no-such-option")
    window, runner = open_window(qtbot, core)
    _sync(qtbot, window, runner)

    page = _waiting(qtbot, window, runner)
    assert page.model.rowCount() == 1  # the progress was accepted and left the list
    item = page.model.items[0]
    assert item.state is OutboxState.REJECTED
    assert page.model.data(page.model.index(0, 2)) == "Refused"
    assert page.model.data(page.model.index(0, 3)).rstrip(".") == (item.message or "").rstrip(".")
    assert "refused" in page.summary.text()
    assert "1 needs your attention" in window.indicator.text_plain
    # Described in words, with the refusal's reason: no mutation name, no id.
    assert page.model.data(page.model.index(0, 1)) == (
        "Your vote in ‘Explaining a topic to others helps me understand it better.’"
    )

    # Edit and resend: the learner chooses again among the poll's options, in words (no id
    # and no raw field is shown), as a learner would.
    page.table.selectRow(0)

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, EditActionDialog)
        assert dialog.findChildren(QLineEdit) == []
        shown = " ".join(w.text() for w in dialog.findChildren(QLabel))
        assert "no-such-option" not in shown and POLL not in shown
        choice = dialog.choice
        assert choice is not None
        assert [choice.itemText(i) for i in range(choice.count())] == [
            "Agree",
            "Not sure",
            "Disagree",
        ]
        choice.setCurrentIndex(1)
        dialog.accept()

    QTimer.singleShot(100, answer)
    _click(qtbot, page.resend_button)
    qtbot.waitUntil(lambda: not window.refreshing and runner.running == 0, timeout=30_000)
    # The page's own Sync now sends it (the resend asked for a sync too).
    assert window.pages is not None
    _click(qtbot, window.pages.sync_page().sync_button)
    qtbot.waitUntil(lambda: not window.refreshing and runner.running == 0, timeout=30_000)
    assert page.model.rowCount() == 0
    assert page.summary.text() == "Nothing is waiting to be sent."


def test_discard_a_refused_action(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.actions.vote(POLL, "nope")
    window, runner = open_window(qtbot, core)
    _sync(qtbot, window, runner)
    page = _waiting(qtbot, window, runner)
    page.table.selectRow(0)

    def confirm() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(100, confirm)
    _click(qtbot, page.discard_button)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=10_000)
    assert core.queue.items() == []


def test_logout_warns_about_pending_work_and_keeps_it(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.actions.vote(POLL, f"{POLL}-1")
    core.actions.record_progress("learning-together", "learning-together-2", 1, False)
    window, runner = open_window(qtbot, core)
    texts: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        texts.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(300, answer)
    window.menus.logout.trigger()  # Samen > Log out
    qtbot.waitUntil(lambda: core.session.account() is None, timeout=10_000)
    qtbot.waitUntil(lambda: not window.refreshing and runner.running == 0, timeout=30_000)
    assert "2 of your actions have not been sent yet" in texts[0]
    # Kept for the next login of this account (the queue view shows nothing while logged out).
    assert len(OutboxRepo(core.store).items()) == 2
    assert core.queue.items() == []


def test_a_long_backlog_lists_its_first_actions_and_every_refused_one(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    academy: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox_page, "WAITING_LISTED", 5)
    core = make_core()
    core.session.login(academy.url, "demo", DEMO_PASSWORD)
    core.actions.vote(POLL, "no-such-option")
    window, runner = open_window(qtbot, core)
    _sync(qtbot, window, runner)  # the vote is refused
    # Queued after the sync: they wait.
    queue_progress_updates(core.store, core.actions.client_id(), 8)

    page = _waiting(qtbot, window, runner)
    qtbot.waitUntil(lambda: page.model.rowCount() == 6, timeout=10_000)
    states = [item.state for item in page.model.items]
    assert states.count(OutboxState.REJECTED) == 1 and states.count(OutboxState.PENDING) == 5
    assert page.summary.text().startswith(
        "8 actions will be sent when the academy can be reached (5 are listed: the first to be "
        "sent and the newest)."
    )
    assert "1 was refused" in page.summary.text()
    listed = [item.args["position_ms"] for item in page.model.items if item.name != "poll.vote"]
    assert listed == [0, 1, 2, 6, 7]  # the first to be sent, the newest (to discard, perhaps)


def test_an_action_the_academy_keeps_failing_on_shows_as_refused_in_plain_words(
    qtbot: QtBot, make_core: Callable[..., Core], academy: LiveServer
) -> None:
    with FaultProxy("127.0.0.1", academy.port) as proxy:
        core = make_core()
        core.session.login(proxy.url, "demo", DEMO_PASSWORD)
        core.actions.record_progress("learning-together", "learning-together-2", 1_000, False)
        (queued,) = core.queue.items()
        proxy.set(
            Fault.HTTP_ERROR, status=500, path="/v1/sync/push", match=holding(queued.mutation_id)
        )
        for _ in range(4):
            assert not core.sync.run_window().ok
        window, runner = open_window(qtbot, core)
        _sync(qtbot, window, runner)  # the 5th 500 in a row: set aside for the learner
        page = _waiting(qtbot, window, runner, by_key=True)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
        assert page.model.data(page.model.index(0, 2)) == "Refused"
        assert page.model.data(page.model.index(0, 3)) == SERVER_ERROR_MESSAGE
        assert "refused" in page.summary.text()
        assert "1 needs your attention" in window.indicator.text_plain
        page.table.selectRow(0)
        assert page.resend_button.isEnabled()

        def confirm() -> None:
            box = QApplication.activeModalWidget()
            assert isinstance(box, QMessageBox)
            box.button(QMessageBox.StandardButton.Yes).click()

        QTimer.singleShot(100, confirm)
        _click(qtbot, page.discard_button)
        qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=10_000)
        assert core.queue.items() == []
