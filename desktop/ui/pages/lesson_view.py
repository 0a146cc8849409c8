"""Reading a downloaded course offline: the lesson list and the lesson text. UI thread;
rendering runs on the worker pool.

The text browser never fetches anything from the network (QTextBrowser does not, and
`loadResource` here also refuses files outside the course's media folder); a link opens in the
learner's browser only when clicked, never inside the app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.course import Lesson
from desktop.services.lessons import LessonService, RenderedLesson
from desktop.ui.tasks import TaskRunner

WEB_SCHEMES = {"http", "https", "mailto"}


class LessonBrowser(QTextBrowser):
    """A text view that loads local course media only."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed_root: Path | None = None
        self.setOpenLinks(False)  # links go to anchorClicked, never navigate in place

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802
        url = name if isinstance(name, QUrl) else QUrl(name)
        if not url.isLocalFile() or self.allowed_root is None:
            return None
        path = Path(url.toLocalFile()).resolve()
        if not path.is_relative_to(self.allowed_root.resolve()):
            return None
        return super().loadResource(kind, url)


class LessonView(QWidget):
    link_opened = Signal(QUrl)  # for tests and logs: a link the learner chose to open

    def __init__(self, lessons: LessonService, runner: TaskRunner, media_root: Path) -> None:
        super().__init__()
        self._lessons = lessons
        self._runner = runner
        self._media_root = media_root
        self.course_id: str | None = None
        self.heading = QLabel()
        self.list = QListWidget()
        self.list.setMaximumWidth(280)
        self.list.currentItemChanged.connect(self._show_selected)
        self.browser = LessonBrowser()
        self.browser.anchorClicked.connect(self.open_link)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.hide()
        right = QVBoxLayout()
        right.addWidget(self.browser, 1)
        right.addWidget(self.notice)
        body = QHBoxLayout()
        body.addWidget(self.list)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(body, 1)

    def open_course(self, course_id: str, title: str) -> None:
        self.course_id = course_id
        self.heading.setText(f"<h2>{title}</h2>")
        self.browser.allowed_root = self._media_root / course_id
        self.list.clear()
        self.browser.clear()
        self._runner.submit(lambda: self._lessons.lessons(course_id), self._show_lessons)

    def _show_lessons(self, lessons: object) -> None:
        assert isinstance(lessons, list)
        for lesson in lessons:
            item = QListWidgetItem(f"{lesson.position}. {lesson.title}")
            item.setData(Qt.ItemDataRole.UserRole, lesson)
            self.list.addItem(item)
        if lessons:
            self.list.setCurrentRow(0)
        else:
            self.browser.setHtml("<p>This course has no lessons on this computer yet.</p>")

    def _show_selected(self, item: QListWidgetItem | None) -> None:
        if item is None or self.course_id is None:
            return
        lesson = item.data(Qt.ItemDataRole.UserRole)
        assert isinstance(lesson, Lesson)
        course_id = self.course_id
        self._runner.submit(lambda: self._lessons.render(course_id, lesson), self._show_lesson)

    def _show_lesson(self, rendered: object) -> None:
        assert isinstance(rendered, RenderedLesson)
        self.browser.setHtml(f"<h1>{_escape(rendered.lesson.title)}</h1>{rendered.html}")
        if rendered.missing_media:
            self.notice.setText(
                f"{len(rendered.missing_media)} images of this lesson are not on this "
                "computer yet; download the course to see them."
            )
            self.notice.show()
        else:
            self.notice.hide()

    def open_link(self, url: QUrl) -> None:
        """Only web and mail links, only because the learner clicked one."""
        if url.scheme() in WEB_SCHEMES:
            self.link_opened.emit(url)
            QDesktopServices.openUrl(url)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
