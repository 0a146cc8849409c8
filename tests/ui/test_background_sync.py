"""Background sync: re-armed after every window, sooner when offline (backoff), and the window
stays responsive while a sync hangs on a stalled connection."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtNetwork import QNetworkInformation
from pytestqt.qtbot import QtBot

from desktop.app import create_window
from desktop.core import Core
from desktop.domain.status import Connectivity
from desktop.ui.main_window import MainWindow
from desktop.ui.tasks import TaskRunner
from tests.faults.proxy import Fault, FaultProxy
from tests.server_process import DEMO_PASSWORD


def _connectivity(window: MainWindow) -> Connectivity | None:
    return window.overview.status.connectivity if window.overview else None


def _core(make_core: Callable[..., Core], tmp_path: Path, url: str) -> Core:
    data = tmp_path / "samen"
    (data / "config").mkdir(parents=True)
    # Short timeouts so a stalled request ends within the test.
    (data / "config" / "settings.json").write_text(
        json.dumps({"request_timeout_s": 2, "sync_interval_s": 120})
    )
    core = make_core(data)
    core.session.login(url, "demo", DEMO_PASSWORD)
    return core


def test_the_next_sync_is_scheduled_after_each_window(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path, proxy: FaultProxy
) -> None:
    core = _core(make_core, tmp_path, proxy.url)
    core.actions.record_progress("learning-together", "learning-together-1", 10, False)
    window = create_window(core, TaskRunner())
    qtbot.addWidget(window)
    window.refresh()
    qtbot.waitUntil(lambda: window.overview is not None, timeout=20_000)
    assert window.overview is not None and window.overview.report is not None
    assert window.overview.report.acked == 1
    assert window.sync_timer.isActive()
    assert window.sync_timer.interval() == 120_000  # online: the configured interval

    # Offline: the next try follows the backoff (at most 1 s after the first failure).
    proxy.set(Fault.RESET_ON_CONNECT)
    window.refresh()
    qtbot.waitUntil(lambda: _connectivity(window) is Connectivity.OFFLINE, timeout=20_000)
    assert window.sync_timer.interval() <= 1_000
    # The OS saying the network is back brings the next window forward too.
    window.sync_timer.start(600_000)
    window.network.on_reachability(QNetworkInformation.Reachability.Online)
    assert window.sync_timer.interval() == 2_000


def test_the_window_stays_responsive_while_sync_hangs(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path, proxy: FaultProxy
) -> None:
    core = _core(make_core, tmp_path, proxy.url)
    core.actions.record_progress("learning-together", "learning-together-1", 10, False)
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    proxy.set(Fault.STALL, path="/v1/sync/push")
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    window.refresh()
    qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=5_000)  # the event loop keeps turning
    assert window.refreshing  # ...while the sync is still stuck on the stalled push
    proxy.set(Fault.PASS)
    qtbot.waitUntil(lambda: not window.refreshing and runner.running == 0, timeout=30_000)
    timer.stop()
    assert core.queue.waiting_count() == 0  # the retry after the stall went through
