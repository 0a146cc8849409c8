"""Garbage is collected on the UI thread's timer, never by the automatic collector."""

from __future__ import annotations

import gc
import weakref

from pytestqt.qtbot import QtBot

from desktop.ui.collector import MainThreadCollector


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle only the cyclic collector can free


def test_automatic_collection_is_off_and_the_timer_collects(qtbot: QtBot) -> None:
    was_enabled = gc.isenabled()
    collector = MainThreadCollector(interval_ms=10)
    assert not gc.isenabled()
    node = _Node()
    alive = weakref.ref(node)
    del node
    threshold = gc.get_threshold()[0]
    junk: list[list[int]] = [
        [] for _ in range(threshold + 10)
    ]  # push generation 0 past its threshold
    qtbot.waitUntil(lambda: alive() is None, timeout=5000)
    assert len(junk) > threshold
    collector.close()
    assert gc.isenabled() == was_enabled
