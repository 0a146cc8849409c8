"""A page listing courses: used for the catalogue and for the courses on this device. UI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.course import LibraryEntry
from desktop.ui.course_model import CourseTableModel


class CourseListPage(QWidget):
    action_requested = Signal(str)  # course id (the page's button)
    opened = Signal(str)  # course id (double-click or Enter)

    def __init__(self, heading: str, empty_text: str, action_label: str | None = None) -> None:
        super().__init__()
        self.model = CourseTableModel()
        self.heading = QLabel(f"<h2>{heading}</h2>")
        self.empty = QLabel(empty_text)
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setAlternatingRowColors(True)

        self.table.activated.connect(self._on_open)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.stack, 1)

        self.action: QPushButton | None = None
        if action_label is not None:
            self.action = QPushButton(action_label)
            self.action.setEnabled(False)
            self.action.clicked.connect(self._on_action)
            self.table.selectionModel().selectionChanged.connect(self._update_action)
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(self.action)
            layout.addLayout(row)

    def set_entries(self, entries: list[LibraryEntry]) -> None:
        self.model.set_entries(entries)
        self.stack.setCurrentWidget(self.table if entries else self.empty)
        self._update_action()

    def selected(self) -> LibraryEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.entry(rows[0].row()) if rows else None

    def set_busy(self, busy: bool) -> None:
        if self.action is not None:
            self.action.setEnabled(not busy and self.selected() is not None)

    def _update_action(self) -> None:
        if self.action is not None:
            self.action.setEnabled(self.selected() is not None)

    def _on_open(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.opened.emit(entry.course.id)

    def _on_action(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.action_requested.emit(entry.course.id)
