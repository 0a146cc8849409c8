"""The window comes back as it was left (geometry, splitters, last place) and always fits its
screen: on a first start, after a damaged file, and at a scale that makes the saved size too
large (QT_SCALE_FACTOR=2 on a 1366x768 screen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QSplitter
from pytestqt.qtbot import QtBot

from desktop.app import run_gui
from desktop.core import Core
from desktop.ui import theme
from desktop.ui.main_window import MainWindow
from desktop.ui.tasks import TaskRunner
from desktop.ui.theme import Theme
from desktop.ui.window_state import FIT_SHARE, STATE_FILE, WindowState

ROOT = Path(__file__).resolve().parents[2]


def _window(qtbot: QtBot) -> tuple[QMainWindow, QSplitter]:
    window = QMainWindow()
    window.resize(960, 640)  # what MainWindow asks for
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(QLabel("lessons"))
    splitter.addWidget(QLabel("lesson"))
    window.setCentralWidget(splitter)
    qtbot.addWidget(window)
    return window, splitter


def _fits(window: QMainWindow) -> bool:
    return window.screen().availableGeometry().contains(window.frameGeometry())


def test_a_first_start_fits_the_screen_and_is_centred(qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = _window(qtbot)
    available = window.screen().availableGeometry()
    assert available.width() < 960  # offscreen's screen is 800x800: too small as it stands
    WindowState(tmp_path / STATE_FILE, TaskRunner()).restore(window)
    window.show()
    qtbot.waitExposed(window)
    assert _fits(window)
    assert window.width() <= int(available.width() * FIT_SHARE)
    assert window.height() == 640  # what fits stays as asked
    centre = window.geometry().center()
    assert abs(centre.x() - available.center().x()) <= 1
    assert abs(centre.y() - available.center().y()) <= 1


def test_geometry_splitters_and_last_place_survive_a_restart(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "config" / STATE_FILE
    runner = TaskRunner()
    state = WindowState(path, runner)
    assert state.last_place() == ""
    first, splitter = _window(qtbot)
    state.restore(first)
    state.restore_splitter("lesson", splitter)
    first.show()
    qtbot.waitExposed(first)
    first.setGeometry(QRect(40, 50, 620, 430))
    splitter.setSizes([150, 450])
    sizes = splitter.sizes()
    state.set_last_place("lesson:learning-together:learning-together-2")
    geometry = first.geometry()
    state.save(first)
    first.close()
    assert runner.wait_idle()
    assert json.loads(path.read_text(encoding="utf-8"))["last_place"].startswith("lesson:")

    again = WindowState(path, TaskRunner())
    second, second_splitter = _window(qtbot)
    again.restore(second)
    again.restore_splitter("lesson", second_splitter)
    second.show()
    qtbot.waitExposed(second)
    assert second.geometry() == geometry
    assert second_splitter.sizes() == sizes
    assert again.last_place() == "lesson:learning-together:learning-together-2"


def test_a_saved_size_larger_than_the_screen_is_made_to_fit(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    runner = TaskRunner()
    big, _ = _window(qtbot)
    big.setGeometry(QRect(0, 0, 1900, 1400))  # as saved on a larger monitor
    WindowState(path, runner).save(big)
    assert runner.wait_idle()
    window, _ = _window(qtbot)
    WindowState(path, TaskRunner()).restore(window)
    window.show()
    qtbot.waitExposed(window)
    assert _fits(window)


def test_a_damaged_file_is_a_first_start(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    path.write_text('{"geometry": "not base64!", "splitters": [1], "last_place": 3}')
    state = WindowState(path, TaskRunner())
    window, splitter = _window(qtbot)
    state.restore(window)
    state.restore_splitter("lesson", splitter)
    assert state.last_place() == ""
    assert _fits(window)
    path.write_text("{half a file")
    assert WindowState(path, TaskRunner()).last_place() == ""


_AT_SCALE = """
import json
from PySide6.QtWidgets import QApplication
from desktop.ui.main_window import MainWindow
from desktop.ui.tasks import TaskRunner
from desktop.ui.window_state import WindowState
app = QApplication([])
runner = TaskRunner()
window = MainWindow(runner)
before = window.frameGeometry()
WindowState(__import__("pathlib").Path(r"{path}"), runner).restore(window)
window.show()
app.processEvents()
available = window.screen().availableGeometry()
frame = window.frameGeometry()
from desktop.settings import Settings
from desktop.ui.settings_dialog import SettingsDialog
path = __import__("pathlib").Path(r"{path}")
dialog = SettingsDialog(Settings.load(path.with_name("settings.json")), runner, path.parent, window)
dialog.show()
app.processEvents()
print(json.dumps({{
    "available": [available.width(), available.height()],
    "before": [before.width(), before.height()],
    "fits": available.contains(frame),
    "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
    "settings fit": available.contains(dialog.frameGeometry()),
}}))
"""


def test_the_main_window_and_settings_fit_a_1366x768_screen_at_scale_2(tmp_path: Path) -> None:
    screens = tmp_path / "screens.json"
    screens.write_text(
        json.dumps(
            {
                "screens": [
                    {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768, "dpr": 1}
                ]
            }
        )
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={screens}",
        "QT_SCALE_FACTOR": "2",
    }
    script = _AT_SCALE.format(path=tmp_path / STATE_FILE)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["available"] == [683, 384]  # 1366x768 at scale 2, in Qt's pixels
    assert seen["before"][0] > 683  # the window as it asks to be would not fit
    assert seen["fits"], seen
    assert seen["settings fit"], seen  # the Settings window too (its form scrolls)


def test_samen_opens_in_the_saved_theme_and_where_it_was_left(
    qtbot: QtBot, qapp: QApplication, make_core: Callable[..., Core]
) -> None:
    """As `samen` starts (run_gui with the data folder's paths), twice on the same folder."""
    core = make_core()
    paths = core.paths
    paths.settings_file.write_text(json.dumps({"theme": "dark"}))
    style, palette = qapp.style().name(), QPalette(qapp.palette())
    seen: list[tuple[bool, QRect, bool]] = []
    closing = threading.Event()

    def open_core() -> Core:
        closing.wait(20)  # still opening when the window closes: no pages, no login
        return core

    def look_and_close(move_to: QRect | None) -> Callable[[], bool]:
        def check() -> bool:
            shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
            window = next((w for w in shown if w.isVisible()), None)  # not the first run's
            if window is None:
                return False
            fits = window.screen().availableGeometry().contains(window.frameGeometry())
            seen.append((theme.is_dark(qapp.palette()), window.geometry(), fits))
            if move_to is not None:
                window.setGeometry(move_to)
            window.close()
            closing.set()
            return True

        return check

    try:
        timer = _every(20, look_and_close(QRect(30, 40, 640, 480)))
        assert run_gui(open_core, paths=paths) == 0
        del timer
        closing.clear()
        saved = json.loads((paths.config_dir / STATE_FILE).read_text(encoding="utf-8"))
        assert saved["size"] == [640, 480]
        assert saved["frame"] != [0, 0]  # saved while still on screen, with its frame
        timer = _every(20, look_and_close(None))
        assert run_gui(open_core, paths=paths) == 0
        del timer
    finally:
        Theme.apply(qapp, "system")
        qapp.setStyle(style)
        qapp.setPalette(palette)
    (first_dark, _, first_fits), (second_dark, second_geometry, _) = seen
    assert first_dark and second_dark
    assert first_fits  # 960x640 on offscreen's 800x800 screen: fitted on a first start
    assert second_geometry == QRect(30, 40, 640, 480)


def _every(ms: int, check: Callable[[], bool]) -> QTimer:
    """Run `check` on the event loop every `ms` until it returns True."""
    timer = QTimer()
    timer.setInterval(ms)

    def tick() -> None:
        if check():
            timer.stop()

    timer.timeout.connect(tick)
    timer.start()
    return timer
