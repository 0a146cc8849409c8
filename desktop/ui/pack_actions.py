"""Menu actions for course packs: import from a USB stick, export for a colleague. UI thread;
the import and export themselves run on the worker pool, with a progress dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from desktop.domain.course_version import ImportOutcome, PackImport
from desktop.language.catalogue import _
from desktop.services.packs import PackService
from desktop.ui.tasks import TaskRunner


class PackActions(QObject):
    imported = Signal(str)  # course id
    # Worker-thread progress, delivered to the dialog on the UI thread (queued connection).
    _progress = Signal(int, int)

    def __init__(self, packs: PackService, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self._packs = packs
        self._runner = runner
        self._window = parent
        self._dialog: QProgressDialog | None = None
        self.import_action = QAction(_("&Import course pack…"), parent)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self.ask_import)
        self.import_folder_action = QAction(_("Import course pack &folder…"), parent)
        self.import_folder_action.triggered.connect(self.ask_import_folder)
        self._progress.connect(self._show_progress)

    def ask_import(self) -> None:
        path, _chosen_filter = QFileDialog.getOpenFileName(
            self._window,
            _("Import a course pack"),
            str(Path.home()),
            # Translators: the file dialog's filter; keep "(*.zip)" as it is.
            _("Course packs (*.zip)"),
        )
        if path:
            self.import_pack(Path(path))

    def ask_import_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self._window, _("Import a course pack folder"))
        if path:
            self.import_pack(Path(path))

    def import_pack(self, path: Path) -> None:
        self._dialog = QProgressDialog(
            _("Checking and importing the course…"), "", 0, 100, self._window
        )
        self._dialog.setCancelButton(None)  # files land only after every check passed
        self._dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self._dialog.setMinimumDuration(300)
        self._runner.submit(
            lambda: self._packs.import_pack(path, on_progress=self._progress.emit),
            self._imported,
            self._failed,
        )

    def export_course(self, course_id: str) -> None:
        folder = QFileDialog.getExistingDirectory(
            self._window, _("Where should the course pack go? (e.g. a USB stick)")
        )
        if not folder:
            return
        self._runner.submit(
            lambda: self._packs.export(course_id, Path(folder)), self._exported, self._failed
        )

    def _show_progress(self, done: int, total: int) -> None:
        if self._dialog is not None and total:
            self._dialog.setValue(int(done * 100 / total))

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None

    def _imported(self, result: object) -> None:
        assert isinstance(result, PackImport)
        self._close_dialog()
        if result.outcome is ImportOutcome.UP_TO_DATE:
            QMessageBox.information(self._window, _("Course up to date"), result.sentence)
            return
        QMessageBox.information(self._window, _("Course imported"), result.sentence)
        self.imported.emit(result.course.id)

    def _exported(self, path: object) -> None:
        assert isinstance(path, Path)
        QMessageBox.information(
            self._window,
            _("Course pack ready"),
            _("The course pack was written to\n{folder}").format(folder=path),
        )

    def _failed(self, exc: BaseException) -> None:
        self._close_dialog()
        QMessageBox.warning(
            self._window, _("Course pack"), getattr(exc, "message", None) or str(exc)
        )
