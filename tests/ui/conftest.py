"""UI tests: Python's garbage collector runs on the UI thread only, as in the app."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop.ui.collector import MainThreadCollector


@pytest.fixture(autouse=True)
def main_thread_gc(qtbot: QtBot) -> Iterator[None]:
    # Without this, a collection triggered on a worker thread can destroy a previous test's
    # widgets there and crash the process (see desktop/ui/collector.py).
    collector = MainThreadCollector()
    yield
    collector.close()
    gc.collect()
