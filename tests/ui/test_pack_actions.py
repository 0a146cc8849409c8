"""Importing a course pack from the window: progress, a clear result, the course's card on
the Courses page; a tampered pack gives a warning and changes nothing; a card's menu exports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core import Core
from desktop.store.trust import KeyRepo
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.course_card import CardText
from tests.pack_factory import FILES, Academy, write_zip
from tests.ui.cards import MENU_LOG, card_ids, choose_from_menu, courses_page
from tests.ui.window import open_window
from tests.zip_bytes import pack_entries, write


def _answer_box(texts: list[str]) -> Callable[[], None]:
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, answer)  # the progress dialog may still be up
            return
        texts.append(box.text())
        box.accept()

    return answer


@pytest.fixture
def import_by_menu(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Import a pack as a learner does: Ctrl+I, then the pack chosen in the file picker
    (the native picker cannot be driven here; the learner "chooses" the file)."""

    def choose(window: MainWindow, pack: Path) -> None:
        monkeypatch.setattr(
            "desktop.ui.pack_actions.QFileDialog.getOpenFileName",
            lambda *a, **k: (str(pack), ""),
        )
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)

    return choose


def _known_academy(make_core: Callable[..., Core]) -> tuple[Academy, Core]:
    """A signing academy and a computer that knows its key (as after one login)."""
    academy = Academy()
    core = make_core()
    KeyRepo(core.store).remember("http://academy.test", academy.key)
    return academy, core


def test_import_a_pack_from_the_menu(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    tmp_path: Path,
    import_by_menu: Callable[[MainWindow, Path], None],
) -> None:
    academy, core = _known_academy(make_core)
    pack = write_zip(tmp_path / "c1.zip", academy.signed(FILES), FILES)
    window, _runner = open_window(qtbot, core)
    page = courses_page(qtbot, window)
    assert page.stack.currentWidget() is page.empty  # nothing yet; the page says Ctrl+I
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    with qtbot.waitSignal(window.pack_actions.imported, timeout=20_000):
        import_by_menu(window, pack)
    assert "ready to study offline" in texts[0]
    qtbot.waitUntil(lambda: card_ids(page) == {"c1"}, timeout=20_000)
    card = page.card("c1")
    assert card is not None
    qtbot.waitUntil(lambda: card.state.text() == CardText.ON_DEVICE, timeout=20_000)
    assert card.primary.text() == CardText.OPEN


def test_a_tampered_pack_is_refused_with_a_warning(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    tmp_path: Path,
    import_by_menu: Callable[[MainWindow, Path], None],
) -> None:
    academy, core = _known_academy(make_core)
    signed = academy.signed(FILES)
    signed["manifest"]["course"]["title"] = "Forged"
    pack = write_zip(tmp_path / "c1.zip", signed, FILES)
    window, _runner = open_window(qtbot, core)
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    import_by_menu(window, pack)
    qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    assert "changed since the academy signed it" in texts[0]
    assert core.catalogue.library() == []


@pytest.mark.qt_log_ignore(*MENU_LOG)
def test_export_a_course_from_its_cards_menu(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    academy, core = _known_academy(make_core)
    core.packs.import_pack(write_zip(tmp_path / "in.zip", academy.signed(FILES), FILES))
    window, _runner = open_window(qtbot, core)
    window.refresh()
    page = courses_page(qtbot, window)
    qtbot.waitUntil(lambda: card_ids(page) == {"c1"}, timeout=20_000)
    card = page.card("c1")
    assert card is not None
    usb = tmp_path / "usb"
    usb.mkdir()
    # The native folder picker cannot be driven here; the learner "chooses" the USB stick.
    monkeypatch.setattr(
        "desktop.ui.pack_actions.QFileDialog.getExistingDirectory", lambda *a, **k: str(usb)
    )
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    choose_from_menu(qtbot, card, card.export_action)
    qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    assert "c1-v1.zip" in texts[0]
    assert (usb / "c1-v1.zip").is_file()


def test_an_older_pack_is_refused_in_the_window_naming_both_versions(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    tmp_path: Path,
    import_by_menu: Callable[[MainWindow, Path], None],
) -> None:
    academy, core = _known_academy(make_core)
    newer = {**FILES, "audio/b.mp3": b"ID3 newer audio " * 200}
    core.packs.import_pack(write_zip(tmp_path / "v2.zip", academy.signed(newer, 2), newer))
    window, _runner = open_window(qtbot, core)
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    import_by_menu(window, write_zip(tmp_path / "v1.zip", academy.signed(FILES), FILES))
    qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    assert "version 1 of Cursus" in texts[0] and "already has version 2" in texts[0]
    (entry,) = core.catalogue.library()
    assert entry.local_version == 2
    media = core.paths.media_dir / "c1" / "audio" / "b.mp3"
    assert media.read_bytes() == newer["audio/b.mp3"]


def test_the_same_pack_again_says_it_is_up_to_date(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    tmp_path: Path,
    import_by_menu: Callable[[MainWindow, Path], None],
) -> None:
    academy, core = _known_academy(make_core)
    pack = write_zip(tmp_path / "c1.zip", academy.signed(FILES), FILES)
    core.packs.import_pack(pack)
    window, _runner = open_window(qtbot, core)
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    with qtbot.assertNotEmitted(window.pack_actions.imported):
        import_by_menu(window, pack)
        qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    assert "already on this computer and up to date" in texts[0]


def test_a_hostile_zip_gives_a_sentence_not_a_crash(
    qtbot: QtBot,
    make_core: Callable[..., Core],
    tmp_path: Path,
    import_by_menu: Callable[[MainWindow, Path], None],
) -> None:
    academy, core = _known_academy(make_core)
    entries = pack_entries(academy.signed(FILES), FILES)
    entries[2].method = 97  # zipfile alone: NotImplementedError on the worker
    window, _runner = open_window(qtbot, core)
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    import_by_menu(window, write(tmp_path / "c1.zip", entries))
    qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    assert "compressed in a way Samen cannot read" in texts[0]
    assert core.catalogue.library() == []
