"""The window in Dutch for a test: Samen's catalogue and locale and Qt's own words, as
`run_gui` installs them; English again afterwards. Python's collector runs on the UI thread
only, as in tests/ui (see desktop/ui/collector.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from desktop.language import catalogue, formats
from desktop.ui.collector import MainThreadCollector
from desktop.ui.qt_language import speak_in_window


@pytest.fixture
def dutch_window(qapp: QApplication) -> Iterator[None]:
    collector = MainThreadCollector()
    speak_in_window(qapp, "nl")
    assert catalogue.language() == "nl", "compile the catalogues: scripts/translations.sh compile"
    try:
        yield
    finally:
        speak_in_window(qapp, "en")
        catalogue.install("en")
        formats.use("en_GB")
        collector.close()
        gc.collect()
