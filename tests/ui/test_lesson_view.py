"""Reading a course offline: lessons listed, text rendered with local images, no remote loads,
links open in the browser only when clicked."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from desktop.app import create_window
from desktop.core import Core
from desktop.store.trust import KeyRepo
from desktop.sync.manifests import canonical
from desktop.ui.tasks import TaskRunner
from tests.pack_factory import Academy

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
BODY = (
    "Samen leren begint met **luisteren**.\n\n![schema](images/s.png)\n\n"
    "![tracker](https://tracker.test/p.png)\n\n[Meer lezen](https://academy.test/meer)"
)


def _pack(tmp_path: Path, academy: Academy) -> Path:
    manifest = {
        "format": "samen-course/1",
        "issued_at": "2026-11-24T12:00:00+00:00",
        "course": {
            "id": "c1",
            "version": 1,
            "title": "Samen leren",
            "language": "nl",
            "summary": "",
            "lesson_count": 1,
            "media_bytes": len(PNG),
        },
        "lessons": [
            {
                "id": "c1-1",
                "position": 1,
                "title": "Luisteren",
                "body_markdown": BODY,
                "exercises": [],
                "media": ["images/s.png"],
            }
        ],
        "media": [
            {
                "path": "images/s.png",
                "size": len(PNG),
                "sha256": hashlib.sha256(PNG).hexdigest(),
                "content_type": "image/png",
            }
        ],
    }
    signed = {
        "manifest": manifest,
        "signature": base64.b64encode(academy.private.sign(canonical(manifest))).decode(),
        "key_id": academy.key.key_id,
    }
    path = tmp_path / "c1.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(signed))
        archive.writestr("media/images/s.png", PNG)
    return path


def opened_urls(seen: list[str]) -> Callable[[QUrl], bool]:
    def record(url: QUrl) -> bool:
        seen.append(url.toString())
        return True

    return record


def test_read_a_lesson_offline(
    qtbot: QtBot, make_core: Callable[..., Core], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    academy = Academy()
    core = make_core()
    KeyRepo(core.store).remember("http://academy.test", academy.key)
    core.packs.import_pack(_pack(tmp_path, academy))
    opened: list[str] = []
    # No browser here: record what would be opened instead.
    monkeypatch.setattr(
        "desktop.ui.pages.lesson_page.QDesktopServices.openUrl",
        opened_urls(opened),
    )
    runner = TaskRunner()
    window = create_window(core, runner)
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    qtbot.waitUntil(lambda: window.library_page.model.rowCount() == 1, timeout=20_000)

    window.open_course("c1")
    view = window.lesson_view
    qtbot.waitUntil(lambda: "luisteren" in view.browser.toPlainText(), timeout=20_000)
    assert view.list.count() == 1
    assert window.tabs.currentWidget() is view
    html = view.browser.toHtml()
    assert "tracker.test" not in html  # the remote image was dropped, never requested
    image = (core.paths.media_dir / "c1" / "images" / "s.png").as_uri()
    assert image in html
    kind = QTextDocument.ResourceType.ImageResource.value
    assert view.browser.loadResource(kind, QUrl(image)) is not None
    assert view.browser.loadResource(kind, QUrl("file:///etc/hostname")) is None
    assert view.browser.loadResource(kind, QUrl("https://tracker.test/p.png")) is None

    assert opened == []  # nothing opened until the learner clicks
    view.browser.anchorClicked.emit(QUrl("https://academy.test/meer"))
    view.browser.anchorClicked.emit(QUrl("file:///etc/passwd"))
    assert opened == ["https://academy.test/meer"]
    assert "luisteren" in view.browser.toPlainText()  # the view did not navigate away
