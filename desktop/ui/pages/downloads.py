"""The Downloads page: the download queue (courses, and podcast episodes) with progress bars
(bytes, speed, time left), pause, resume, cancel, and the space each course takes on this
computer, with a way to free it.
UI thread; the queue itself runs on one worker of the task runner, progress comes by signal."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.transfer import JobState, JobStatus, TransferProgress
from desktop.language import formats
from desktop.language.catalogue import N_, _, counted, pgettext
from desktop.services.downloads import DownloadService
from desktop.ui.tasks import TaskRunner

STATUS_LABELS = {  # translated where shown
    JobStatus.QUEUED: N_("Waiting"),
    JobStatus.RUNNING: N_("Downloading"),
    JobStatus.PAUSED: N_("Paused"),
    JobStatus.DONE: N_("On this computer"),
    JobStatus.FAILED: N_("Stopped"),
}
# The first column's words are said with their context (a column, not the button "Download").
COLUMNS = (
    "Download",
    N_("Status"),
    N_("Progress"),
    N_("Speed"),
    N_("Time left"),
    N_("On disk"),
)
UNNAMED_COURSE = N_("A course")  # until the catalogue has given its title; never its id


def eta_text(seconds: float | None) -> str:
    """How long a download still takes, in the locale's words ("3 min"); "" when unknown."""
    if seconds is None:
        return ""
    return formats.length(int(max(seconds, 0) * 1000))


class DownloadsPage(QWidget):
    finished = Signal()  # the queue ran dry: the library may have changed
    # (course id, a short state for course lists, "" when there is nothing to say)
    course_label = Signal(str, str)
    # Emitted on a worker thread; Qt queues it to this page's thread.
    _progress = Signal(object)

    def __init__(self, downloads: DownloadService, runner: TaskRunner) -> None:
        super().__init__()
        self._downloads = downloads
        self._runner = runner
        self._running = False
        self._rows: dict[str, int] = {}
        self._episodes: set[str] = set()  # rows that are not courses (their space: Podcasts)
        self._used: dict[str, int] = {}
        # Course titles by id, kept current by the window (a download begun before this page
        # existed, or resumed after a restart, has no title of its own).
        self.titles: dict[str, str] = {}
        self.last_progress: dict[str, TransferProgress] = {}

        self.table = QTableWidget(0, len(COLUMNS))
        # Translators: the downloads table's first column: what is downloaded.
        headers = [pgettext("column", "Download"), *(_(column) for column in COLUMNS[1:])]
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.pause_button = QPushButton(_("&Pause"))
        self.resume_button = QPushButton(_("&Resume"))
        # Translators: stops a download; its letter must differ from the menu bar's (in Dutch
        # &Samen, &Beeld, &Afspelen, &Help) and this page's other buttons.
        self.cancel_button = QPushButton(pgettext("download", "&Cancel"))
        self.remove_button = QPushButton(_("&Free space…"))
        self.remove_button.setToolTip(
            _("Delete this course's media from this computer. Progress and unsent work stay.")
        )
        self.pause_button.clicked.connect(lambda: self._act(self._downloads.pause))
        self.resume_button.clicked.connect(self._resume)
        self.cancel_button.clicked.connect(self._cancel)
        self.remove_button.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (
            self.pause_button,
            self.resume_button,
            self.cancel_button,
            self.remove_button,
        ):
            buttons.addWidget(button)

        self.summary = QLabel()
        layout = QVBoxLayout(self)
        # Hidden where a page around it names the section already (Sync & storage).
        self.heading = QLabel("<h2>{}</h2>".format(_("Downloads")))
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._progress.connect(self._on_progress)

        # Downloads started elsewhere (a podcast episode) report here too; the queue's own
        # runs use the same callable, so the queue tells this page once.
        def watch(progress: TransferProgress) -> None:  # any thread
            if shiboken6.isValid(self):
                self._progress.emit(progress)

        self._watch = watch
        downloads.watchers.append(watch)
        self._update_buttons()

    # -- queue ------------------------------------------------------------------------------

    def enqueue(self, course_id: str, title: str = "") -> None:
        self._downloads.enqueue(course_id)  # a short lock: fine on the UI thread
        if title:
            self.titles.setdefault(course_id, title)
        self._row(course_id, title or self.titles.get(course_id) or _(UNNAMED_COURSE))
        self._render_states()
        self._run()

    def _run(self) -> None:
        if self._running:
            return  # the running worker picks up what was queued meanwhile
        self._running = True
        self._runner.submit(lambda: self._downloads.run_all(self._watch), self._done, self._failed)

    def _done(self, _ran: object) -> None:
        self._running = False
        self.reload()
        self.finished.emit()

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.reload()
        QMessageBox.warning(self, _("Downloads"), str(exc))

    def reload(self) -> None:
        """Re-read states (cheap) and the space used (a database read, on a worker)."""
        self._render_states()
        self._runner.submit(self._downloads.storage_used, self._show_used)

    # -- rendering --------------------------------------------------------------------------

    def _row(self, course_id: str, title: str) -> int:
        if course_id in self._rows:
            return self._rows[course_id]
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QTableWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, course_id)
        self.table.setItem(row, 0, item)
        for column in (1, 3, 4, 5):
            self.table.setItem(row, column, QTableWidgetItem(""))
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setTextVisible(True)
        bar.setFormat("")
        self.table.setCellWidget(row, 2, bar)
        self._rows[course_id] = row
        return row

    def bar(self, course_id: str) -> QProgressBar:
        widget = self.table.cellWidget(self._rows[course_id], 2)
        assert isinstance(widget, QProgressBar)
        return widget

    def _render_states(self) -> None:
        states = self._downloads.states()
        for course_id, state in states.items():
            name = state.label or self.titles.get(course_id) or _(UNNAMED_COURSE)
            row = self._row(course_id, name)
            self._set(row, 0, name)
            if not state.is_course:
                self._episodes.add(course_id)
            self._set(row, 1, self._status_text(state))
            self.course_label.emit(course_id, self._short_label(course_id, state))
            if state.status is JobStatus.DONE:
                self.bar(course_id).setValue(1000)
                self._set(row, 3, "")
                self._set(row, 4, "")
        active = sum(
            1 for s in states.values() if s.status in (JobStatus.QUEUED, JobStatus.RUNNING)
        )
        self.summary.setText(
            counted("{n} download running or waiting.", "{n} downloads running or waiting.", active)
            if active
            else _(
                "Downloads continue where they stopped, also after a restart or a lost connection."
            )
        )
        self._update_buttons()

    def _short_label(self, course_id: str, state: JobState) -> str:
        seen = self.last_progress.get(course_id)
        share = formats.percent(seen.fraction) if seen is not None else ""
        if state.status is JobStatus.PAUSED:
            return _("Paused at {percent}").format(percent=share) if share else _("Paused")
        if state.status is JobStatus.FAILED:
            return _("Stopped at {percent}").format(percent=share) if share else _("Stopped")
        if state.status is JobStatus.QUEUED:
            return _("Waiting to download")
        if state.status is JobStatus.RUNNING:
            if share:
                return _("Downloading at {percent}").format(percent=share)
            return _("Downloading")
        return ""  # done: the list's own "Saved" says it

    @staticmethod
    def _status_text(state: JobState) -> str:
        label = _(STATUS_LABELS[state.status])
        if not state.message:
            return label
        # Translators: a download's state and why: "Stopped: the academy cannot be reached".
        return _("{status}: {reason}").format(status=label, reason=state.message)

    def _set(self, row: int, column: int, text: str) -> None:
        item = self.table.item(row, column)
        if item is not None:
            item.setText(text)

    def _on_progress(self, progress: object) -> None:
        assert isinstance(progress, TransferProgress)
        self.last_progress[progress.course_id] = progress
        state = self._downloads.states().get(progress.course_id)  # a short lock
        name = (
            (state.label if state else "")
            or self.titles.get(progress.course_id)
            or _(UNNAMED_COURSE)
        )
        row = self._row(progress.course_id, name)
        bar = self.bar(progress.course_id)
        bar.setValue(int(progress.fraction * 1000))
        bar.setFormat(
            _("{done} of {total}").format(
                done=formats.size(progress.done_bytes), total=formats.size(progress.total_bytes)
            )
        )
        self._set(row, 1, _(STATUS_LABELS[JobStatus.RUNNING]))
        # Translators: a download's speed, "1,2 MB/s".
        self._set(row, 3, _("{size}/s").format(size=formats.size(int(progress.bytes_per_s))))
        left = eta_text(progress.eta_s)
        self._set(row, 4, left)
        share = formats.percent(progress.fraction)
        self.course_label.emit(
            progress.course_id,
            _("Downloading… {percent}, {time} left").format(percent=share, time=left)
            if left
            else _("Downloading… {percent}").format(percent=share),
        )

    def _show_used(self, used: object) -> None:
        assert isinstance(used, dict)
        self._used = used
        for course_id, row in self._rows.items():
            if course_id not in self._episodes:
                self._set(row, 5, formats.size(used.get(course_id, 0)))

    # -- buttons ----------------------------------------------------------------------------

    def selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _update_buttons(self) -> None:
        course_id = self.selected()
        state = self._downloads.states().get(course_id) if course_id else None
        status = state.status if state else None
        self.pause_button.setEnabled(status in (JobStatus.QUEUED, JobStatus.RUNNING))
        self.resume_button.setEnabled(status in (JobStatus.PAUSED, JobStatus.FAILED))
        self.cancel_button.setEnabled(
            status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED)
        )
        # Free space is for courses; an episode's file is deleted in the Podcasts tab.
        self.remove_button.setEnabled(course_id is not None and (state is None or state.is_course))

    def _act(self, action: Callable[[str], bool]) -> None:
        course_id = self.selected()
        if course_id is not None:
            action(course_id)
        self._render_states()

    def _resume(self) -> None:
        self._act(self._downloads.resume)
        self._run()

    def _cancel(self) -> None:
        course_id = self.selected()
        if course_id is None:
            return
        # Deleting parts is disk work: on the worker pool.
        self._runner.submit(lambda: self._downloads.cancel(course_id), lambda _r: self.reload())

    def _remove(self) -> None:
        course_id = self.selected()
        if course_id is None:
            return
        answer = QMessageBox.question(
            self,
            _("Free space"),
            _(
                "Delete the media of this course ({size}) from this computer? Your progress "
                "and unsent work stay; you can download it again."
            ).format(size=formats.size(self._used.get(course_id, 0))),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._runner.submit(
                lambda: self._downloads.remove_course_media(course_id), self._removed
            )

    def _removed(self, _result: object) -> None:
        course_id = self.selected()
        if course_id is not None:
            self.bar(course_id).setValue(0)
            self.bar(course_id).setFormat("")
        self.reload()
