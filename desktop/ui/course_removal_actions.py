"""Asking before a course leaves this computer, then doing it on a worker. UI thread.

`CourseRemovalActions(removal, runner, parent)` answers the Courses page's
free_space_requested / remove_requested: `free_space(course_id, title)` and
`remove(course_id, title)` ask the learner first (in words that say what stays), run the
service on the runner and report with `finished(message)` (one sentence for the status bar)
and `changed()` (the library should be read again).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.language.catalogue import _
from desktop.services.course_removal import CourseRemovalService, RemovalResult
from desktop.ui.tasks import TaskRunner


class RemovalText:
    """Every sentence of these actions, in one place, in the learner's language."""

    @staticmethod
    def free_title() -> str:
        return _("Free space")

    @staticmethod
    def remove_title() -> str:
        return _("Remove from this device")

    @staticmethod
    def ask_free(title: str) -> str:
        return _(
            "Delete the videos, audio and images of “{title}” from this computer? The lesson "
            "texts, your progress and your work stay. Download the course again to have "
            "everything back."
        ).format(title=title)

    @staticmethod
    def ask_remove(title: str) -> str:
        return _(
            "Remove “{title}” from this computer? Your progress and your work stay, and "
            "the course stays in the academy's list: download it again at any time."
        ).format(title=title)

    @staticmethod
    def freed(title: str) -> str:
        return _(
            "Freed the space of “{title}”; its lesson texts and your progress are kept."
        ).format(title=title)

    @staticmethod
    def removed(title: str) -> str:
        return _("Removed “{title}” from this computer; your progress is kept.").format(title=title)

    @staticmethod
    def downloading(title: str) -> str:
        return _(
            "“{title}” was downloading: the download is stopped and its files are deleted. "
            "Try again in a moment."
        ).format(title=title)

    @staticmethod
    def failed(title: str, reason: str) -> str:
        # Translators: {reason} is a sentence saying what went wrong.
        return _("Could not change “{title}” on this computer: {reason}").format(
            title=title, reason=reason
        )


def _ask(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


class CourseRemovalActions(QObject):
    finished = Signal(str)  # one sentence saying what happened
    changed = Signal()  # the library changed: read it again

    def __init__(self, removal: CourseRemovalService, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self._removal = removal
        self._runner = runner
        self._window = parent
        # Replaceable (tests): asks the learner, True to go on.
        self.confirm: Callable[[QWidget, str, str], bool] = _ask

    def free_space(self, course_id: str, title: str) -> None:
        if self.confirm(self._window, RemovalText.free_title(), RemovalText.ask_free(title)):
            self._run(lambda: self._removal.free_space(course_id), title, RemovalText.freed)

    def remove(self, course_id: str, title: str) -> None:
        if self.confirm(self._window, RemovalText.remove_title(), RemovalText.ask_remove(title)):
            self._run(lambda: self._removal.remove(course_id), title, RemovalText.removed)

    def _run(
        self, work: Callable[[], RemovalResult], title: str, done: Callable[[str], str]
    ) -> None:
        def finished(result: object) -> None:
            ok = result is RemovalResult.DONE
            self.finished.emit(done(title) if ok else RemovalText.downloading(title))
            self.changed.emit()

        def failed(exc: BaseException) -> None:
            self.finished.emit(RemovalText.failed(title, getattr(exc, "message", str(exc))))
            self.changed.emit()

        self._runner.submit(work, finished, failed)
