"""The window's pages, built when first shown, and the way back. UI thread.

A page is registered with a factory and built the first time it is shown, so a learner who
never opens the podcasts does not pay for them (memory, start-up). Each page belongs to a rail
place (a course and a lesson belong to Courses); `back()` returns to the previous page shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

HISTORY = 30


@dataclass(slots=True)
class _Entry:
    factory: Callable[[], QWidget]
    place: str
    page: QWidget | None = None


class PageStack(QStackedWidget):
    """Signal `shown(str name, QWidget page)` after a page comes to the front."""

    shown = Signal(str, QWidget)
    built_page = Signal(str, QWidget)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: dict[str, _Entry] = {}
        self._history: list[str] = []
        self.current_name = ""

    def register(self, name: str, factory: Callable[[], QWidget], *, place: str = "") -> None:
        self._entries[name] = _Entry(factory, place or name)

    def add(self, name: str, page: QWidget, *, place: str = "") -> None:
        """A page built already (the Home page is part of the shell)."""
        self._entries[name] = _Entry(lambda: page, place or name, page)
        self.addWidget(page)

    def page(self, name: str) -> QWidget:
        """The page, built now if it was not yet."""
        entry = self._entries[name]
        if entry.page is None:
            entry.page = entry.factory()
            self.addWidget(entry.page)
            self.built_page.emit(name, entry.page)
        return entry.page

    def built(self, name: str) -> QWidget | None:
        """The page if it exists, without building it (refreshes skip pages never shown)."""
        entry = self._entries.get(name)
        return entry.page if entry else None

    def place_of(self, name: str) -> str:
        entry = self._entries.get(name)
        return entry.place if entry else ""

    def show_page(self, name: str, *, remember: bool = True) -> QWidget:
        page = self.page(name)
        if remember and self.current_name and self.current_name != name:
            self._history.append(self.current_name)
            del self._history[:-HISTORY]
        self.current_name = name
        self.setCurrentWidget(page)
        self.shown.emit(name, page)
        return page

    def can_go_back(self) -> bool:
        return bool(self._history)

    def back(self) -> str:
        """Show the previous page; the name shown, or "" when there is none."""
        while self._history:
            name = self._history.pop()
            if name in self._entries:
                self.show_page(name, remember=False)
                return name
        return ""
