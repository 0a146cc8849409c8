"""The Forum page: a course's (or lesson's) threads, a thread with its replies, writing,
editing and deleting one's own posts offline, reporting, and moderation. UI thread; reading,
rendering and writing run on the worker pool.

Posts are untrusted: they are shown as Markdown rendered by ForumService.render (no raw HTML,
no images), in a text view that never navigates or fetches; links open in the browser only
when the learner clicks one.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.forum import ForumPost, ForumThread, PostState
from desktop.services.forum import ForumService
from desktop.ui.tasks import TaskRunner

WEB_SCHEMES = {"http", "https", "mailto"}
MODERATION_LABELS = {
    "pin": "Pin", "unpin": "Unpin", "lock": "Lock", "unlock": "Unlock", "hide": "Hide",
    "unhide": "Unhide",
    "mark_answer": "Mark as answer", "unmark_answer": "Not the answer",
}  # fmt: skip
STATE_BADGE = {PostState.SENT: "", PostState.WAITING: " · not sent yet", PostState.REFUSED: ""}


@dataclass(frozen=True, slots=True)
class _ThreadPage:
    thread: ForumThread
    posts: list[tuple[ForumPost, str]]  # with the rendered HTML
    opening_html: str


class NewThreadDialog(QDialog):
    def __init__(self, about: str, moderator: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New thread")
        self.title = QLineEdit()
        self.title.setPlaceholderText("Title")
        self.title.setMaxLength(200)
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("What do you want to ask or share? (Markdown)")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.about = QLabel(f"About: {about}")
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.about)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)
        self.question = QCheckBox("A &discussion question for the learners (moderators)", self)
        self.question.setVisible(moderator)
        layout.addWidget(self.question)
        layout.addWidget(QLabel("It is sent at the next sync; until then you can change it."))
        layout.addWidget(buttons)


class ForumPage(QWidget):
    shown = Signal()  # the thread list is on screen (tests)
    thread_shown = Signal(str)  # thread id, once it is rendered
    changed = Signal()  # something was queued: the outbox changed
    link_opened = Signal(QUrl)

    def __init__(self, forum: ForumService, runner: TaskRunner) -> None:
        super().__init__()
        self._forum = forum
        self._runner = runner
        self.moderator = False
        self.course_id: str | None = None
        self.lesson_id: str | None = None
        self.page: _ThreadPage | None = None
        self._requests = 0  # the newest list request; older answers are dropped
        self.heading = QLabel("<h2>Forum</h2>")
        self.about = QComboBox()
        self.about.setAccessibleName("Threads about")
        self.about.setToolTip("Show the threads about one lesson, or all of the course's (Alt+A)")
        self.about.currentIndexChanged.connect(self._about_changed)
        about_label = QLabel("&About:")
        about_label.setBuddy(self.about)
        self._lesson_names: dict[str, str] = {}
        self.threads = QListWidget()
        self.threads.setAccessibleName("Threads")
        self.threads.setMaximumWidth(340)
        self.threads.currentItemChanged.connect(lambda *_: self._open_selected())
        self.new_button = QPushButton("&New thread…")
        self.new_button.setShortcut(QKeySequence("Ctrl+N"))
        self.new_button.setToolTip("Start a thread about what About shows (Ctrl+N)")
        self.new_button.clicked.connect(self.ask_new_thread)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.anchorClicked.connect(self._open_link)
        self.posts = QListWidget()
        self.posts.setAccessibleName("Posts")
        self.posts.setMaximumHeight(120)
        self.posts.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.clicked.connect(self._edit)
        self.delete_button = QPushButton("&Delete")
        self.delete_button.clicked.connect(self._delete)
        self.report_button = QPushButton("Re&port…")
        self.report_button.clicked.connect(self._report)
        self.moderation: dict[str, QPushButton] = {}
        self.reply = QPlainTextEdit()
        self.reply.setPlaceholderText("Write a reply (Markdown). Ctrl+Return sends it.")
        self.reply.setMaximumHeight(110)
        self.reply_button = QPushButton("Send &reply")
        self.reply_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.reply_button.clicked.connect(self._reply)
        self.notice = QLabel()
        self.notice.setWordWrap(True)

        actions = QHBoxLayout()
        for button in (self.edit_button, self.delete_button, self.report_button):
            actions.addWidget(button)
        for action, label in (("pin", "Pin"), ("lock", "Lock"), ("hide", "Hide"),
                              ("mark_answer", "Mark as answer")):  # fmt: skip
            button = QPushButton(label)
            button.setVisible(False)
            button.clicked.connect(lambda _c=False, a=action: self._moderate(a))
            self.moderation[action] = button
            actions.addWidget(button)
        actions.addStretch(1)
        left = QVBoxLayout()
        about_row = QHBoxLayout()
        about_row.addWidget(about_label)
        about_row.addWidget(self.about, 1)
        left.addLayout(about_row)
        left.addWidget(self.threads, 1)
        left.addWidget(self.new_button)
        self.reports_label = QLabel("<b>Reports</b> (moderators)")
        self.reports = QListWidget()
        self.reports.setAccessibleName("Reports")
        self.reports.setMaximumHeight(140)
        self.reports.itemActivated.connect(self._open_report)
        for widget in (self.reports_label, self.reports):
            widget.setVisible(False)
            left.addWidget(widget)
        right = QVBoxLayout()
        right.addWidget(self.view, 1)
        right.addWidget(self.posts)
        right.addLayout(actions)
        right.addWidget(self.reply)
        right.addWidget(self.reply_button, 0, Qt.AlignmentFlag.AlignRight)
        right.addWidget(self.notice)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(body, 1)
        self._update_buttons()

    def set_moderator(self, moderator: bool) -> None:
        """Show the moderation buttons and the reports to moderators (the academy checks
        again, and sends reports to moderators only)."""
        self.moderator = moderator
        for button in self.moderation.values():
            button.setVisible(moderator)
        self.reports_label.setVisible(moderator)
        self.reports.setVisible(moderator)
        if moderator:
            self._load_reports()

    def _load_reports(self) -> None:
        course_id = self.course_id
        self._runner.submit(lambda: self._forum.reports(course_id), self._show_reports)

    def _show_reports(self, reports: object) -> None:
        assert isinstance(reports, list)
        self.reports.clear()
        for report in reports:
            text = " ".join(str(report.get("body", "")).split())[:60]
            item = QListWidgetItem(f"“{report.get('reason', '')}” — {text}")
            item.setToolTip(str(report.get("body", "")))
            item.setData(Qt.ItemDataRole.UserRole, report.get("thread_id"))
            self.reports.addItem(item)
        if not self.reports.count():
            self.reports.addItem("No reports.")

    def _open_report(self, item: QListWidgetItem) -> None:
        thread_id = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(thread_id, str):
            self.select_thread(thread_id)

    # -- threads ---------------------------------------------------------------------------

    def show_course(
        self,
        course_id: str,
        title: str = "",
        lesson_id: str | None = None,
        lessons: list[tuple[str, str]] | None = None,
    ) -> None:
        """The course's threads, or with `lesson_id` those about that lesson; `lessons`
        (id, title) fill the About choice, where the learner can widen or change it."""
        self.course_id, self.lesson_id = course_id, lesson_id
        self._lesson_names = dict(lessons or [])
        if lesson_id is not None and lesson_id not in self._lesson_names:
            self._lesson_names[lesson_id] = lesson_id
        self.about.blockSignals(True)
        self.about.clear()
        self.about.addItem("The whole course (all threads)", None)
        for key, name in self._lesson_names.items():
            self.about.addItem(f"Lesson {name}", key)
        self.about.setCurrentIndex(max(0, self.about.findData(lesson_id)))
        self.about.blockSignals(False)
        self.heading.setText(f"<h2>Forum — {escape(title or course_id)}</h2>")
        self.reload()

    def _about_changed(self, _index: int) -> None:
        if self.course_id is None:
            return
        lesson_id = self.about.currentData()
        self.lesson_id = lesson_id if isinstance(lesson_id, str) else None
        self.threads.clear()
        self.posts.clear()
        self.view.clear()
        self.page = None
        self.reload()

    def clear(self) -> None:
        """Show nothing (after a logout, or another learner's login)."""
        self.course_id = self.lesson_id = None
        self.page = None
        self._requests += 1  # results still on their way are dropped
        self.threads.clear()
        self.posts.clear()
        self.view.clear()
        self.reply.clear()
        self.notice.clear()
        self.heading.setText("<h2>Forum</h2>")
        self.about.blockSignals(True)
        self.about.clear()
        self.about.blockSignals(False)
        self._lesson_names = {}
        self.reports.clear()
        self.set_moderator(False)

    def reload(self) -> None:
        course_id, lesson_id = self.course_id, self.lesson_id
        if course_id is None:
            return
        self._requests += 1
        request = self._requests
        if self.moderator:
            self._load_reports()
        self._runner.submit(
            lambda: (request, self._forum.threads(course_id, lesson_id)), self._show_threads
        )

    def _show_threads(self, result: object) -> None:
        assert isinstance(result, tuple)
        request, threads = result
        if request != self._requests:
            return  # a newer list was asked for meanwhile
        assert isinstance(threads, list)
        current = self.current_thread_id()
        self.threads.blockSignals(True)
        self.threads.clear()
        for thread in threads:
            assert isinstance(thread, ForumThread)
            marks = ("📌 " if thread.pinned else "") + ("🔒 " if thread.locked else "")
            marks += "❓ " if thread.is_question else ""
            unread = f", {thread.unread} new" if thread.unread else ""
            state = {PostState.WAITING: " (not sent yet)", PostState.REFUSED: " (refused)"}.get(
                thread.opening.state, ""
            ) + (" (hidden)" if thread.hidden else "")
            lesson = ""
            if self.lesson_id is None and thread.lesson_id:  # say which lesson, in the mix
                lesson = f" · lesson {self._lesson_names.get(thread.lesson_id, thread.lesson_id)}"
            item = QListWidgetItem(
                f"{marks}{thread.title}{state}\n{thread.opening.author} · "
                f"{thread.replies} replies{unread}{lesson}"
            )
            item.setData(Qt.ItemDataRole.UserRole, thread.id)
            self.threads.addItem(item)
            if thread.id == current:
                self.threads.setCurrentItem(item)
        self.threads.blockSignals(False)
        if not threads and self.lesson_id is not None:
            self.view.setHtml(
                "<p>No threads about this lesson yet. Start one with <b>New thread</b>, or "
                "choose <b>The whole course</b> under About to see all of them.</p>"
            )
        elif not threads:
            self.view.setHtml("<p>No threads yet. Start one with <b>New thread</b>.</p>")
        self.shown.emit()
        if self.current_thread_id():
            self._open_selected()

    def current_thread_id(self) -> str | None:
        item = self.threads.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def select_thread(self, thread_id: str) -> None:
        for row in range(self.threads.count()):
            if self.threads.item(row).data(Qt.ItemDataRole.UserRole) == thread_id:
                self.threads.setCurrentRow(row)
                return

    def _open_selected(self) -> None:
        thread_id = self.current_thread_id()
        course_id, lesson_id = self.course_id, self.lesson_id
        if thread_id is None or course_id is None:
            return

        def load() -> _ThreadPage | None:
            thread = next(
                (t for t in self._forum.threads(course_id, lesson_id) if t.id == thread_id), None
            )
            if thread is None:
                return None
            posts = [(p, self._forum.render(p.body)) for p in self._forum.posts(thread_id)]
            return _ThreadPage(thread, posts, self._forum.render(thread.opening.body))

        self._runner.submit(load, self._show_thread)

    def _show_thread(self, page: object) -> None:
        if not isinstance(page, _ThreadPage) or page.thread.id != self.current_thread_id():
            return
        self.page = page
        thread = page.thread
        parts = [f"<h2>{escape(thread.title)}</h2>", _post_html(thread.opening, page.opening_html)]
        self.posts.clear()
        opening_item = QListWidgetItem(f"{thread.opening.author}: (opening post)")
        opening_item.setData(Qt.ItemDataRole.UserRole, thread.opening)
        self.posts.addItem(opening_item)
        for post, html in page.posts:
            parts.append("<hr>" + _post_html(post, html))
            first = post.body.strip().splitlines()[0] if post.body.strip() else ""
            badge = STATE_BADGE[post.state] + (" · hidden" if post.hidden else "")
            item = QListWidgetItem(f"{post.author}: {first[:60]}{badge}")
            item.setData(Qt.ItemDataRole.UserRole, post)
            self.posts.addItem(item)
        if thread.locked:
            parts.append("<p><i>Locked by a moderator: replies are closed.</i></p>")
        self.view.setHtml("".join(parts))
        if thread.hidden:
            parts.append("<p><i>Hidden by a moderator: learners do not see it.</i></p>")
        open_for_replies = not thread.hidden and (not thread.locked or self.moderator)
        self.reply.setEnabled(open_for_replies)
        self.reply_button.setEnabled(open_for_replies)
        self._update_buttons()
        self.thread_shown.emit(thread.id)

    # -- writing ---------------------------------------------------------------------------

    def selected_post(self) -> ForumPost | None:
        item = self.posts.currentItem()
        post = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        return post if isinstance(post, ForumPost) else None

    def _update_buttons(self) -> None:
        post = self.selected_post()
        self.edit_button.setEnabled(post is not None and post.mine)
        self.delete_button.setEnabled(post is not None and post.mine)
        self.report_button.setEnabled(
            post is not None and not post.mine and post.state is PostState.SENT
        )
        thread = self.page.thread if self.page is not None else None
        is_reply = post is not None and post.id != post.thread_id
        for kind, button in self.moderation.items():
            action = self._action(kind, post)
            button.setText(MODERATION_LABELS[action])
            if kind == "hide":
                button.setEnabled(post is not None)
            elif kind == "mark_answer":
                button.setEnabled(is_reply)
            else:
                button.setEnabled(thread is not None)

    def _action(self, kind: str, post: ForumPost | None) -> str:
        """The moderation a button does now: Pin or Unpin, Lock or Unlock, and so on."""
        thread = self.page.thread if self.page is not None else None
        undo = {
            "pin": thread is not None and thread.pinned,
            "lock": thread is not None and thread.locked,
            "mark_answer": post is not None and post.is_answer,
            "hide": post is not None and post.hidden,
        }.get(kind, False)
        return f"un{kind}" if undo else kind

    def ask_new_thread(self) -> None:
        course_id = self.course_id
        if course_id is None:
            return
        about = "the whole course"
        if self.lesson_id is not None:
            about = f"lesson {self._lesson_names.get(self.lesson_id, self.lesson_id)}"
        dialog = NewThreadDialog(about, self.moderator, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            question = dialog.question.isChecked()
            self.new_thread(dialog.title.text(), dialog.body.toPlainText(), question=question)

    def new_thread(self, title: str, body: str, *, question: bool = False) -> None:
        course_id, lesson_id = self.course_id, self.lesson_id
        if course_id is None:
            return
        self._submit(
            lambda: self._forum.new_thread(
                course_id, title, body, lesson_id=lesson_id, question=question
            )
        )

    def _reply(self) -> None:
        thread_id, text = self.current_thread_id(), self.reply.toPlainText()
        if thread_id is None or not text.strip():
            return

        def sent(_post_id: object) -> None:
            self.reply.clear()
            self._queued()

        self._runner.submit(lambda: self._forum.reply(thread_id, text), sent, self._failed)

    def _edit(self) -> None:
        post = self.selected_post()
        if post is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, "Edit", "Your post (Markdown):", post.body)
        if ok:
            self._submit(lambda: self._forum.edit(post.id, text))

    def _delete(self) -> None:
        post = self.selected_post()
        if post is not None:
            self._submit(lambda: self._forum.delete(post.id))

    def _report(self) -> None:
        post = self.selected_post()
        if post is None:
            return
        reason, ok = QInputDialog.getText(self, "Report", "What is wrong with this post?")
        if ok and reason.strip():
            self._submit(lambda: self._forum.report(post.id, reason))

    def _moderate(self, kind: str) -> None:
        post = self.selected_post()
        thread = self.page.thread if self.page is not None else None
        action = self._action(kind, post)
        # Pin and lock act on the thread whatever post is selected; hide and answers on the post.
        target = thread.id if kind in ("pin", "lock") and thread is not None else None
        target = target or (post.id if post is not None else None)
        if target is not None:
            self._submit(lambda: self._forum.moderate(target, action))

    def _submit(self, work: object) -> None:
        assert callable(work)
        self._runner.submit(work, lambda _r: self._queued(), self._failed)

    def _queued(self) -> None:
        self.notice.setText("Saved on this computer; it is sent at the next sync.")
        self.changed.emit()
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        self.notice.setText(getattr(exc, "message", str(exc)))

    def _open_link(self, url: QUrl) -> None:
        if url.scheme() in WEB_SCHEMES:
            self.link_opened.emit(url)
            QDesktopServices.openUrl(url)


def _post_html(post: ForumPost, html: str) -> str:
    when = (post.created_at or "")[:16].replace("T", " ")
    notes = []
    if post.edited:
        notes.append("edited")
    if post.is_answer:
        notes.append("<b>answer</b>")
    if post.hidden:
        notes.append("<i>hidden from learners</i>")
    if post.state is PostState.WAITING:
        notes.append("<i>not sent yet</i>")
    if post.state is PostState.REFUSED:
        notes.append(f"<b>refused:</b> {escape(post.refusal)}")
    extra = f" · {' · '.join(notes)}" if notes else ""
    return f"<p><b>{escape(post.author)}</b> · {escape(when)}{extra}</p>{html}"
