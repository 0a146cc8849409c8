"""Table model of library entries (catalogue or downloaded courses). UI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop.domain.course import LibraryEntry
from desktop.ui import formatting
from desktop.ui.table_model import Index, ListTableModel

LANGUAGES = {"nl": "Nederlands", "en": "English"}


class CourseTableModel(ListTableModel[LibraryEntry]):
    HEADERS = ("Course", "Language", "Lessons", "Media", "On this device")
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self) -> None:
        super().__init__()
        self._downloading: dict[str, str] = {}

    def set_entries(self, entries: list[LibraryEntry]) -> None:
        self.set_rows(entries)

    def show_download(self, course_id: str, text: str | None) -> None:
        """Live download state in the last column ("Downloading 45% …"); None clears it."""
        if text is None:
            self._downloading.pop(course_id, None)
        else:
            self._downloading[course_id] = text
        for row, entry in enumerate(self.rows):
            if entry.course.id == course_id:
                cell = self.index(row, len(self.HEADERS) - 1)
                self.dataChanged.emit(cell, cell)

    @property
    def entries(self) -> list[LibraryEntry]:
        return list(self.rows)

    def entry(self, row: int) -> LibraryEntry:
        return self.rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.rows[index.row()]
        course = entry.course
        if role == self.EntryRole:
            return entry
        if role == Qt.ItemDataRole.ToolTipRole:
            return course.summary
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return course.title
        if column == 1:
            return LANGUAGES.get(course.language, course.language)
        if column == 2:
            return str(course.lesson_count)
        if column == 3:
            return formatting.size(course.media_bytes)
        if course.id in self._downloading:
            return self._downloading[course.id]
        if not entry.downloaded:
            return "—"
        if entry.local_version is not None and entry.local_version < course.version:
            return "Update available"
        return "Saved"
