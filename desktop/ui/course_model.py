"""Table model of library entries (catalogue or downloaded courses). UI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.domain.course import LibraryEntry
from desktop.ui import formatting

LANGUAGES = {"nl": "Nederlands", "en": "English"}
_Index = QModelIndex | QPersistentModelIndex


class CourseTableModel(QAbstractTableModel):
    HEADERS = ("Course", "Language", "Lessons", "Media", "On this device")
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[LibraryEntry] = []

    def set_entries(self, entries: list[LibraryEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    @property
    def entries(self) -> list[LibraryEntry]:
        return list(self._entries)

    def entry(self, row: int) -> LibraryEntry:
        return self._entries[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._entries[index.row()]
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
        if not entry.downloaded:
            return "—"
        if entry.local_version is not None and entry.local_version < course.version:
            return "Update available"
        return "Saved"
