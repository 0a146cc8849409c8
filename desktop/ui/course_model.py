"""Table model of library entries (catalogue or downloaded courses). UI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop.domain.course import LibraryEntry
from desktop.domain.learning import Standing
from desktop.ui import formatting
from desktop.ui.table_model import Index, ListTableModel

LANGUAGES = {"nl": "Nederlands", "en": "English"}


class CourseTableModel(ListTableModel[LibraryEntry]):
    HEADERS = ("Course", "Language", "Lessons", "Your progress", "Media", "On this device")
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self) -> None:
        super().__init__()
        self._downloading: dict[str, str] = {}
        self._standings: dict[str, Standing] = {}

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

    def set_standings(self, standings: dict[str, Standing]) -> None:
        """Lessons done and points per course (the "Your progress" column)."""
        self._standings = dict(standings)
        if self.rows:
            column = self.HEADERS.index("Your progress")
            self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))

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
            standing = self._standings.get(course.id)
            if standing is None or (standing.done == 0 and standing.points == 0):
                return "—"
            return f"{standing.done} of {course.lesson_count} done · ★ {standing.points}"
        if column == 4:
            return formatting.size(course.media_bytes)
        if course.id in self._downloading:
            return self._downloading[course.id]
        if not entry.downloaded:
            return "—"
        if entry.local_version is not None and entry.local_version < course.version:
            return "Update available"
        return "Saved"
