"""The Settings window: shows the saved settings, applies the theme at once (Cancel takes it
back), refuses numbers it cannot use with a sentence and loses nothing, saves on a worker, and
is reached and used by keyboard alone."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QMenu, QWidget
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.settings import Settings
from desktop.ui import theme
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.tasks import TaskRunner
from desktop.ui.theme import Theme
from tests.ui.mnemonics import clashes, menu_clashes, missing
from tests.ui.window import open_window


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    style, palette = qapp.style().name(), QPalette(qapp.palette())
    Theme.apply(qapp, "light")
    yield qapp
    Theme.apply(qapp, "system")
    qapp.setStyle(style)
    qapp.setPalette(palette)


def _dialog(qtbot: QtBot, tmp_path: Path, **saved: object) -> tuple[SettingsDialog, Path]:
    path = tmp_path / "config" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved))
    dialog = SettingsDialog(Settings.load(path), TaskRunner(), tmp_path, None)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):  # the keyboard goes to it, as when it opens over the window
        dialog.show()
        dialog.activateWindow()
    return dialog, path


def _saved(path: Path) -> dict[str, object]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_it_shows_what_is_saved(app: QApplication, qtbot: QtBot, tmp_path: Path) -> None:
    dialog, _ = _dialog(
        qtbot,
        tmp_path,
        language="nl",
        theme="dark",
        download_unmetered_only=True,
        podcast_budget_mb=512.0,
        podcast_clean_up=False,
    )
    assert dialog.language.currentText() == "Nederlands"
    assert dialog.theme.currentText() == "Dark"
    assert dialog.unmetered.isChecked()
    assert dialog.budget.text() == "0.5"
    assert not dialog.clean_up.isChecked()
    assert not dialog.keep_hours.isEnabled()  # nothing is deleted, so no hours to set
    assert dialog.folder.text() == str(tmp_path)
    assert dialog.folder.isReadOnly()


def test_the_theme_applies_at_once_and_cancel_takes_it_back(
    app: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    dialog, path = _dialog(qtbot, tmp_path)
    assert not theme.is_dark(app.palette())
    with qtbot.waitSignal(dialog.theme_changed, timeout=5000) as chosen:
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    assert chosen.args == ["dark"]
    assert theme.is_dark(app.palette())
    with qtbot.waitSignal(dialog.theme_changed, timeout=5000) as back:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert back.args == ["system"]
    assert not theme.is_dark(app.palette())
    assert not path.read_text().count("theme")  # nothing was saved


def test_save_writes_on_a_worker_and_says_so(
    app: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    dialog, path = _dialog(qtbot, tmp_path, server_url="https://academy.example.org")
    dialog.language.setCurrentIndex(dialog.language.findData("nl"))
    assert dialog.language_note.isVisible()  # "… after a restart"
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.unmetered.setChecked(True)
    dialog.budget.setText("0,5")  # the Dutch way is understood too
    dialog.keep_hours.setText("168")
    with qtbot.waitSignal(dialog.settings_changed, timeout=10_000):
        dialog.save_button.click()
    saved = _saved(path)
    assert saved == {
        "server_url": "https://academy.example.org",  # what the window does not show is kept
        "language": "nl",
        "theme": "dark",
        "download_unmetered_only": True,
        "podcast_clean_up": True,
        "podcast_budget_mb": 512.0,
        "podcast_delete_played_after_h": 168.0,
    }
    assert not dialog.isVisible()
    assert theme.is_dark(app.palette())  # saved, so it stays


def test_an_unchanged_budget_is_not_rounded(
    app: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    dialog, path = _dialog(qtbot, tmp_path)
    assert dialog.budget.text() == "1.95"  # the default 2000 MB
    with qtbot.waitSignal(dialog.settings_changed, timeout=10_000):
        dialog.save_button.click()
    assert "podcast_budget_mb" not in _saved(path)


@pytest.mark.parametrize(
    ("field", "text", "words"),
    [
        ("budget", "lots", "number of gigabytes"),
        ("budget", "-1", "number of gigabytes"),
        ("budget", "", "number of gigabytes"),
        ("keep_hours", "a week", "number of hours"),
        ("keep_hours", "nan", "number of hours"),
    ],
)
def test_a_number_it_cannot_use_is_a_sentence_and_nothing_is_lost(
    app: QApplication, qtbot: QtBot, tmp_path: Path, field: str, text: str, words: str
) -> None:
    dialog, path = _dialog(qtbot, tmp_path)
    before = path.read_text()
    entry = getattr(dialog, field)
    assert isinstance(entry, QLineEdit)
    entry.setText(text)
    dialog.unmetered.setChecked(True)
    dialog.save_button.click()
    assert dialog.isVisible()
    assert dialog.problem.isVisible() and words in dialog.problem.text()
    assert dialog.problem.text().endswith(".")
    assert entry.hasFocus() and entry.text() == text
    assert dialog.unmetered.isChecked()
    assert path.read_text() == before
    assert dialog.problem.palette().color(QPalette.ColorRole.WindowText) == theme.error_text()
    # Put right, it saves.
    entry.setText("3")
    with qtbot.waitSignal(dialog.settings_changed, timeout=10_000):
        dialog.save_button.click()
    assert _saved(path)["download_unmetered_only"] is True


def test_a_save_that_fails_is_said_and_the_window_stays(
    app: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    # A folder where the settings file should be: writing it fails (even as root).
    path = tmp_path / "settings.json"
    (path / "in-the-way").mkdir(parents=True)
    dialog = SettingsDialog(Settings.load(path), TaskRunner(), tmp_path, None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.unmetered.setChecked(True)
    dialog.save_button.click()
    assert dialog.save_button.text() == "Saving…" and not dialog.save_button.isEnabled()
    qtbot.waitUntil(dialog.problem.isVisible, timeout=10_000)
    assert "could not be saved" in dialog.problem.text()
    assert str(tmp_path) not in dialog.problem.text()  # a sentence, not a file name
    assert dialog.isVisible() and dialog.unmetered.isChecked()
    assert dialog.save_button.isEnabled()


def test_the_folder_opens_and_says_where_it_is_if_it_cannot(
    app: QApplication, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog, _ = _dialog(qtbot, tmp_path)
    opened: list[QUrl] = []
    # A file manager cannot run here: record what would be opened.

    def record(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", record)
    qtbot.keyClick(dialog, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: opened == [QUrl.fromLocalFile(str(tmp_path))], timeout=5000)
    assert not dialog.problem.isVisible()
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    dialog.open_folder.click()
    assert dialog.problem.isVisible() and str(tmp_path) in dialog.problem.text()


def test_every_control_is_reached_by_keyboard_with_its_own_letter(
    app: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    dialog, _ = _dialog(qtbot, tmp_path)
    assert clashes(dialog) == {}
    assert missing(dialog) == []
    controls: list[QWidget] = [
        dialog.language,
        dialog.theme,
        dialog.unmetered,
        dialog.budget,
        dialog.clean_up,
        dialog.keep_hours,
        dialog.open_folder,
        dialog.save_button,
        dialog.cancel_button,
    ]
    dialog.language.setFocus()
    reached: list[QWidget] = []
    for _ in range(30):
        focused = QApplication.focusWidget()
        if focused is not None and focused not in reached:
            reached.append(focused)
        qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Tab)
    assert [c for c in controls if c not in reached] == []
    # Alt+letter lands on the field its label names.
    qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    assert dialog.budget.hasFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert dialog.theme.hasFocus()
    assert isinstance(QApplication.focusWidget(), QComboBox)


def test_the_window_opens_it_with_ctrl_comma_and_follows_what_was_saved(
    app: QApplication, qtbot: QtBot, make_core: Callable[..., Core]
) -> None:
    core = make_core()
    window, _runner = open_window(qtbot, core)
    qtbot.waitExposed(window)
    assert window.settings_action.shortcut() == QKeySequence("Ctrl+,")
    samen_menu = window.menuBar().actions()[0].menu()
    assert isinstance(samen_menu, QMenu) and menu_clashes(samen_menu) == {}
    dialog = _open_from_window(qtbot, window)
    assert dialog.folder.text() == str(core.paths.data_dir)
    assert not dialog.unmetered.isChecked()
    qtbot.keyClick(dialog, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # the checkbox
    assert dialog.unmetered.hasFocus()
    qtbot.keyClick(dialog.unmetered, Qt.Key.Key_Space)
    assert dialog.unmetered.isChecked()
    with qtbot.waitSignal(dialog.settings_changed, timeout=10_000):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    # Saved to settings.json, and what the downloads read follows at once (no restart).
    assert Settings.load(core.paths.settings_file).get("download_unmetered_only") is True
    assert core.settings.get("download_unmetered_only") is True
    # Opened again, it shows what was saved.
    again = _open_from_window(qtbot, window)
    assert again.unmetered.isChecked()
    qtbot.keyClick(again, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not again.isVisible(), timeout=5000)


def _open_from_window(qtbot: QtBot, window: QWidget) -> SettingsDialog:
    """Ctrl+, from the window, as a learner opens Settings."""
    window.activateWindow()  # shortcuts go to the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    shown = [d for d in window.findChildren(SettingsDialog) if d.isVisible()]
    assert len(shown) == 1
    dialog = shown[0]
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog
