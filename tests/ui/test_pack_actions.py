"""Importing a course pack from the window: progress, a clear result, the course on the
device page; a tampered pack gives a warning and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.app import create_window
from desktop.core import Core
from desktop.store.trust import KeyRepo
from desktop.ui.tasks import TaskRunner
from tests.pack_factory import FILES, Academy, write_zip
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


def test_import_a_pack_from_the_menu(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path
) -> None:
    academy = Academy()
    core = make_core()
    KeyRepo(core.store).remember("http://academy.test", academy.key)
    pack = write_zip(tmp_path / "c1.zip", academy.signed(FILES), FILES)
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    with qtbot.waitSignal(window.pack_actions.imported, timeout=20_000):
        window.pack_actions.import_pack(pack)
    assert "ready to study offline" in texts[0]
    qtbot.waitUntil(lambda: window.library_page.model.rowCount() == 1, timeout=20_000)
    assert window.library_page.model.entry(0).course.id == "c1"


def test_a_tampered_pack_is_refused_with_a_warning(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path
) -> None:
    academy = Academy()
    core = make_core()
    KeyRepo(core.store).remember("http://academy.test", academy.key)
    signed = academy.signed(FILES)
    signed["manifest"]["course"]["title"] = "Forged"
    pack = write_zip(tmp_path / "c1.zip", signed, FILES)
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    window.pack_actions.import_pack(pack)
    qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    assert "changed since the academy signed it" in texts[0]
    assert core.catalogue.library() == []


def test_export_a_course_from_the_device_page(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    academy = Academy()
    core = make_core()
    KeyRepo(core.store).remember("http://academy.test", academy.key)
    core.packs.import_pack(write_zip(tmp_path / "in.zip", academy.signed(FILES), FILES))
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    qtbot.waitUntil(lambda: window.library_page.model.rowCount() == 1, timeout=20_000)
    usb = tmp_path / "usb"
    usb.mkdir()
    # The native folder picker cannot be driven here; the learner "chooses" the USB stick.
    monkeypatch.setattr(
        "desktop.ui.pack_actions.QFileDialog.getExistingDirectory", lambda *a, **k: str(usb)
    )
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    window.library_page.table.selectRow(0)
    assert window.library_page.action is not None
    window.library_page.action.click()
    qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    assert "c1-v1.zip" in texts[0]
    assert (usb / "c1-v1.zip").is_file()


def test_an_older_pack_is_refused_in_the_window_naming_both_versions(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path
) -> None:
    academy = Academy()
    core = make_core()
    KeyRepo(core.store).remember("http://academy.test", academy.key)
    newer = {**FILES, "audio/b.mp3": b"ID3 newer audio " * 200}
    core.packs.import_pack(write_zip(tmp_path / "v2.zip", academy.signed(newer, 2), newer))
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    window.pack_actions.import_pack(write_zip(tmp_path / "v1.zip", academy.signed(FILES), FILES))
    qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    assert "version 1 of Cursus" in texts[0] and "already has version 2" in texts[0]
    (entry,) = core.catalogue.library()
    assert entry.local_version == 2
    media = core.paths.media_dir / "c1" / "audio" / "b.mp3"
    assert media.read_bytes() == newer["audio/b.mp3"]


def test_the_same_pack_again_says_it_is_up_to_date(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path
) -> None:
    academy = Academy()
    core = make_core()
    KeyRepo(core.store).remember("http://academy.test", academy.key)
    pack = write_zip(tmp_path / "c1.zip", academy.signed(FILES), FILES)
    core.packs.import_pack(pack)
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    with qtbot.assertNotEmitted(window.pack_actions.imported):
        window.pack_actions.import_pack(pack)
        qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    assert "already on this computer and up to date" in texts[0]


def test_a_hostile_zip_gives_a_sentence_not_a_crash(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path
) -> None:
    academy = Academy()
    core = make_core()
    KeyRepo(core.store).remember("http://academy.test", academy.key)
    entries = pack_entries(academy.signed(FILES), FILES)
    entries[2].method = 97  # zipfile alone: NotImplementedError on the worker
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    texts: list[str] = []
    QTimer.singleShot(100, _answer_box(texts))
    window.pack_actions.import_pack(write(tmp_path / "c1.zip", entries))
    qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    assert "compressed in a way Samen cannot read" in texts[0]
    assert core.catalogue.library() == []
