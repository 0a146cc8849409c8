"""Sync & storage: one place for what waits to be sent (and what the academy refused), the
downloads, and the room Samen takes on this computer. Reached from the status indicator.
UI thread; every read goes through the task runner.

Sections (`show_section(name)`): "waiting" (OutboxPage, each action in words), "downloads"
(DownloadsPage), "storage" (sizes of courses, podcast episodes, recordings and Samen's records,
the disk's free space, the folder where it is all kept).

Signals:
- `changed()`: the learner resent or discarded an action (sync soon, recount the indicator);
- `sync_wanted()`: the learner pressed Sync now here (the window runs its sync);
The sub-pages stay reachable as `outbox` and `downloads` for their own signals
(`downloads.finished`, `downloads.course_label`) and `downloads.enqueue`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.language import formats
from desktop.language.catalogue import _, counted
from desktop.services.downloads import DownloadService
from desktop.services.queue import QueueService
from desktop.services.storage import StorageReport, StorageService
from desktop.ui.pages.downloads import DownloadsPage
from desktop.ui.pages.outbox import OutboxPage
from desktop.ui.tasks import TaskRunner

SECTIONS = ("waiting", "downloads", "storage")


class StorageSection(QWidget):
    """Sizes as last read; `reload()` reads them again on a worker."""

    def __init__(self, storage: StorageService, runner: TaskRunner) -> None:
        super().__init__()
        self._storage = storage
        self._runner = runner
        self.report: StorageReport | None = None
        self.courses = QLabel("…")
        self.podcasts = QLabel("…")
        self.recordings = QLabel("…")
        self.database = QLabel("…")
        self.free = QLabel("…")
        self.folder = QLabel("…")
        self.folder.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Downloaded courses"), self.courses)
        form.addRow(_("Podcast episodes"), self.podcasts)
        form.addRow(_("Recordings"), self.recordings)
        form.addRow(_("Your progress and work"), self.database)
        form.addRow(_("Free on this disk"), self.free)
        form.addRow(_("Kept in"), self.folder)
        self.hint = QLabel(
            _(
                "To make room, choose a course under Downloads and press Free space…; your "
                "progress and unsent work stay. Played podcast episodes are cleaned up by "
                "themselves."
            )
        )
        self.hint.setWordWrap(True)
        self.open_button = QPushButton(_("Show in file &manager"))
        self.open_button.clicked.connect(self._open_folder)
        self.open_button.setEnabled(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        layout.addLayout(row)

    def reload(self) -> None:
        self._runner.submit(self._storage.report, self._show)

    def _show(self, report: object) -> None:
        assert isinstance(report, StorageReport)
        self.report = report
        count = len([n for n in report.courses_by_id.values() if n])
        self.courses.setText(
            counted(
                "{size} ({n} course)",
                "{size} ({n} courses)",
                count,
                size=formats.size(report.courses),
            )
            if count
            else _("None yet: download a course to study it offline.")
        )
        self.podcasts.setText(formats.size(report.podcasts))
        self.recordings.setText(formats.size(report.recordings))
        self.database.setText(formats.size(report.database))
        self.free.setText(_("Unknown") if report.free is None else formats.size(report.free))
        self.folder.setText(report.data_dir)
        self.open_button.setEnabled(True)

    def _open_folder(self) -> None:
        if self.report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.report.data_dir))


class SyncStoragePage(QWidget):
    changed = Signal()
    sync_wanted = Signal()

    def __init__(
        self,
        queue: QueueService,
        downloads: DownloadService,
        storage: StorageService,
        runner: TaskRunner,
    ) -> None:
        super().__init__()
        self.outbox = OutboxPage(queue, runner)
        self.downloads = DownloadsPage(downloads, runner)
        self.storage = StorageSection(storage, runner)
        for page in (self.outbox, self.downloads):
            page.heading.hide()  # the tab names the section
        self.outbox.changed.connect(self.changed)
        self.downloads.finished.connect(self.storage.reload)

        self.sections = QTabWidget()
        self.sections.addTab(self.outbox, _("&Waiting to send"))
        self.sections.addTab(self.downloads, _("D&ownloads"))
        self.sections.addTab(self.storage, _("S&torage"))
        self.sections.currentChanged.connect(self._section_shown)

        self.sync_button = QPushButton(_("Sync &now"))
        self.sync_button.setToolTip(_("Send what waits and fetch what is new (Ctrl+R)"))
        self.sync_button.clicked.connect(self.sync_wanted)
        top = QHBoxLayout()
        top.addWidget(QLabel("<h2>{}</h2>".format(html.escape(_("Sync & storage")))), 1)
        top.addWidget(self.sync_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.sections, 1)

    def reload(self) -> None:
        """Read the queue, the downloads and the sizes again (each on a worker)."""
        self.outbox.reload()
        self.downloads.reload()
        self.storage.reload()

    def show_section(self, name: str) -> None:
        """Bring one section forward: "waiting", "downloads" or "storage"."""
        if name not in SECTIONS:
            raise ValueError(f"no section {name!r}; one of {', '.join(SECTIONS)}")
        self.sections.setCurrentIndex(SECTIONS.index(name))

    def section(self) -> str:
        return SECTIONS[self.sections.currentIndex()]

    def _section_shown(self, index: int) -> None:
        # What is looked at is read fresh (sizes change as downloads and clean-ups run).
        (self.outbox.reload, self.downloads.reload, self.storage.reload)[index]()
