"""With the academy unreachable the window still opens, says it is offline, and keeps data."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.demo_server import free_port
from desktop.domain.account import Account, Role, User
from desktop.domain.course import CourseSummary
from desktop.domain.status import Connectivity
from desktop.store.accounts import AccountRepo
from desktop.store.courses import CourseRepo
from desktop.store.outbox import OutboxRepo
from tests.ui.cards import card_ids, courses_page
from tests.ui.window import open_window


def _logged_in_to_dead_server(core: Core) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    user = User(1, "demo", "Demo Learner", Role.LEARNER)
    AccountRepo(core.store).save(Account(url, user, "cid", "Academy", "2099-01-01T00:00:00Z"))
    core.vault.save(url, "demo", "t" * 43)
    CourseRepo(core.store).replace_catalogue(
        [CourseSummary("learning-together", 1, "Learning together", "en", "", 3, 1000)]
    )
    with core.store.write() as db:
        OutboxRepo.enqueue(db, client_id="cid", kind="vote", name="poll.vote", args={})


def test_offline_window_shows_cached_courses_and_offline_state(
    qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    core = make_core()
    _logged_in_to_dead_server(core)
    window, runner = open_window(qtbot, core)
    window.refresh()
    qtbot.waitUntil(lambda: window.indicator.status is not None, timeout=20_000)
    status = window.indicator.status
    assert status is not None
    assert status.connectivity is Connectivity.OFFLINE
    assert window.indicator.text_plain.startswith("Offline")
    assert "1 item waiting to send" in window.indicator.text_plain
    # The session-only vault is said, not hidden: this login ends when Samen closes.
    assert "login not saved" in window.indicator.text_plain
    assert "log in again after closing" in window.indicator.toolTip()
    assert "offline" in window.statusBar().currentMessage().lower()
    page = courses_page(qtbot, window)
    assert card_ids(page) == {"learning-together"}
    assert page.stack.currentWidget() is page.scroller
    card = page.card("learning-together")
    assert card is not None and card.title.text() == "Learning together"
    runner.wait_idle()


def test_sync_now_shortcut_triggers_a_refresh(qtbot: QtBot, make_core: Callable[..., Core]) -> None:
    core = make_core()
    _logged_in_to_dead_server(core)
    window, runner = open_window(qtbot, core)
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    before = window.indicator.status
    assert "Ctrl+R" in [s.toString() for s in window.sync_action.shortcuts()]
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.indicator.status is not None, timeout=20_000)
    assert before is None
    assert window.indicator.text_plain.startswith("Offline")
    runner.wait_idle()
