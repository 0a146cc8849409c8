"""The Forum page: a course's discussion (all its topics, or one lesson's), a topic with its
replies, writing, editing and deleting one's own posts offline, reporting, and moderation. UI
thread; reading, rendering and writing run on the worker pool.

Used as a page of its own (`show_course` with a lesson: that lesson's topics) and as the
Discussion section of the course page (`show_course(..., from_lesson=...)`: all the course's
topics, with the lesson one choice away and proposed for a new topic). What it says is built in
forum_text.

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
    QComboBox,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.forum import ForumPost, ForumThread, PostState
from desktop.language.catalogue import N_, _
from desktop.services.forum import ForumService
from desktop.ui.new_topic_dialog import NewTopicDialog
from desktop.ui.pages import forum_text
from desktop.ui.tasks import TaskRunner

WEB_SCHEMES = {"http", "https", "mailto"}
MODERATION_LABELS = {  # translated where shown
    "pin": N_("Pin"), "unpin": N_("Unpin"), "lock": N_("Lock"), "unlock": N_("Unlock"),
    "hide": N_("Hide"), "unhide": N_("Unhide"),
    "mark_answer": N_("Mark as answer"), "unmark_answer": N_("Not the answer"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _ThreadPage:
    thread: ForumThread
    posts: list[tuple[ForumPost, str]]  # with the rendered HTML
    opening_html: str


class ForumPage(QWidget):
    shown = Signal()  # the thread list is on screen (tests)
    thread_shown = Signal(str)  # thread id, once it is rendered
    changed = Signal()  # something was queued: the outbox changed
    link_opened = Signal(QUrl)

    def __init__(self, forum: ForumService, runner: TaskRunner) -> None:
        super().__init__()
        self._wanted_thread: str | None = None  # a topic to open once listed (Home)
        self._forum = forum
        self._runner = runner
        self.moderator = False
        self.course_id: str | None = None
        self.lesson_id: str | None = None  # the lesson whose topics are listed (None: all)
        self.from_lesson: str | None = None  # the lesson the learner came from, if any
        self.page: _ThreadPage | None = None
        self.new_topic_dialog: NewTopicDialog | None = None  # while it is open (tests)
        self._requests = 0  # the newest list request; older answers are dropped
        self.heading = QLabel(_heading(""))
        self.about = QComboBox()
        self.about.setAccessibleName(_("Threads about"))
        # Translators: the Alt key reaches the About choice by the letter marked in its label.
        self.about.setToolTip(_("Show the topics about one lesson, or all of the course's (Alt+A)"))
        self.about.currentIndexChanged.connect(self._about_changed)
        # Translators: the label of the choice of which topics are listed (a lesson's, or all).
        about_label = QLabel(_("&About:"))
        about_label.setBuddy(self.about)
        self._lesson_names: dict[str, str] = {}
        self.threads = QListWidget()
        self.threads.setAccessibleName(_("Topics"))
        self.threads.setMaximumWidth(340)
        self.threads.setWordWrap(True)  # a long title wraps instead of scrolling sideways
        self.threads.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.threads.setSpacing(3)
        self.threads.currentItemChanged.connect(lambda *_: self._open_selected())
        self.new_button = QPushButton(_("&New topic…"))
        self.new_button.setShortcut(QKeySequence("Ctrl+N"))
        self.new_button.setToolTip(
            _("Start a topic about the course or one of its lessons (Ctrl+N)")
        )
        self.new_button.setEnabled(False)
        self.new_button.clicked.connect(self.ask_new_thread)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.anchorClicked.connect(self._open_link)
        self.posts = QListWidget()
        self.posts.setAccessibleName(_("Posts"))
        self.posts.setMaximumHeight(96)  # the reading view above keeps the room
        self.posts.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.edit_button = QPushButton(_("&Edit…"))
        self.edit_button.clicked.connect(self._edit)
        self.delete_button = QPushButton(_("&Delete"))
        self.delete_button.clicked.connect(self._delete)
        self.report_button = QPushButton(_("Repor&t…"))
        self.report_button.clicked.connect(self._report)
        self.moderation: dict[str, QPushButton] = {}
        self.reply = QPlainTextEdit()
        # Tab moves on, as everywhere else; no one is trapped in a text box.
        self.reply.setTabChangesFocus(True)
        self.reply.setPlaceholderText(_("Write a reply. Ctrl+Return sends it."))
        self.reply.setAccessibleName(_("Your reply"))
        self.reply.setMaximumHeight(110)
        self.reply.setEnabled(False)  # until a topic is open
        self.reply_button = QPushButton(_("Send &reply"))
        self.reply_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.reply_button.clicked.connect(self._reply)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)

        actions = QHBoxLayout()
        for button in (self.edit_button, self.delete_button, self.report_button):
            actions.addWidget(button)
        for action in ("pin", "lock", "hide", "mark_answer"):
            button = QPushButton(_(MODERATION_LABELS[action]))
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
        self.reports_label = QLabel(_("<b>Reports</b> (for moderators)"))
        self.reports = QListWidget()
        self.reports.setAccessibleName(_("Reports"))
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
            reason, body = str(report.get("reason", "")), str(report.get("body", ""))
            item = QListWidgetItem(forum_text.report_label(reason, body))
            item.setToolTip(str(report.get("body", "")))
            item.setData(Qt.ItemDataRole.UserRole, report.get("thread_id"))
            self.reports.addItem(item)
        if not self.reports.count():
            self.reports.addItem(forum_text.no_reports())

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
        *,
        from_lesson: str | None = None,
    ) -> None:
        """The course's topics, or with `lesson_id` those about that lesson; `lessons`
        (id, "N. title") fill the About choice, where the learner can widen or change it.
        `from_lesson` (all topics listed) is the lesson the learner came from: one choice
        away under About, and what a new topic is about unless they choose otherwise."""
        if course_id != self.course_id:
            self.threads.clear()
            self.posts.clear()
            self.view.clear()
            self.page = None
            self.notice.clear()
        self.course_id, self.lesson_id = course_id, lesson_id
        self.from_lesson = from_lesson or lesson_id
        self._lesson_names = dict(lessons or [])
        self.about.blockSignals(True)
        self.about.clear()
        self.about.addItem(forum_text.whole_course(), None)
        for key, name in self._lesson_names.items():
            self.about.addItem(forum_text.lesson_choice(name), key)
        for extra in (lesson_id, self.from_lesson):  # a lesson not in the list: no id shown
            if extra is not None and self.about.findData(extra) < 0:
                self.about.addItem(forum_text.this_lesson(), extra)
        self.about.setCurrentIndex(max(0, self.about.findData(lesson_id)))
        self.about.blockSignals(False)
        self.heading.setText(_heading(title))
        self.new_button.setEnabled(True)
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
        self.reply.setEnabled(False)
        self._update_buttons()
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
        self.reply.setEnabled(False)
        self.notice.clear()
        self.from_lesson = None
        self.new_button.setEnabled(False)
        self.heading.setText(_heading(""))
        self.about.blockSignals(True)
        self.about.clear()
        self.about.blockSignals(False)
        self._lesson_names = {}
        self.reports.clear()
        self.set_moderator(False)
        self._update_buttons()

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
        current = self._wanted_thread or self.current_thread_id()
        self._wanted_thread = None
        self.threads.blockSignals(True)
        self.threads.clear()
        for thread in threads:
            assert isinstance(thread, ForumThread)
            lesson = None
            if self.lesson_id is None and thread.lesson_id:  # say which lesson, in the mix
                lesson = self._lesson_names.get(thread.lesson_id, "")
            item = QListWidgetItem(forum_text.thread_label(thread, lesson))
            item.setData(Qt.ItemDataRole.UserRole, thread.id)
            self.threads.addItem(item)
            if thread.id == current:
                self.threads.setCurrentItem(item)
        self.threads.blockSignals(False)
        if self.current_thread_id() is None:
            self.page = None
            self.posts.clear()
            self.reply.setEnabled(False)
            if not threads and self.lesson_id is not None:
                self.view.setHtml(forum_text.no_topics_about_lesson())
            elif not threads:
                self.view.setHtml(forum_text.no_topics())
            else:
                self.view.setHtml(forum_text.choose_topic())
            self._update_buttons()
        self.shown.emit()
        if self.current_thread_id():
            self._open_selected()

    def current_thread_id(self) -> str | None:
        item = self.threads.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def select_thread(self, thread_id: str) -> None:
        """Open a topic: now when it is listed, else when the list arrives (from Home)."""
        for row in range(self.threads.count()):
            if self.threads.item(row).data(Qt.ItemDataRole.UserRole) == thread_id:
                self.threads.setCurrentRow(row)
                return
        self._wanted_thread = thread_id

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
        opening = forum_text.post_html(thread.opening, page.opening_html)
        parts = [f"<h2>{escape(thread.title)}</h2>", opening]
        chosen = self.selected_post()
        self.posts.blockSignals(True)
        self.posts.clear()
        label = forum_text.post_label(thread.opening, page.opening_html, opening=True)
        opening_item = QListWidgetItem(label)
        opening_item.setData(Qt.ItemDataRole.UserRole, thread.opening)
        self.posts.addItem(opening_item)
        for post, html in page.posts:
            parts.append("<hr>" + forum_text.post_html(post, html))
            item = QListWidgetItem(forum_text.post_label(post, html))
            item.setData(Qt.ItemDataRole.UserRole, post)
            self.posts.addItem(item)
            if chosen is not None and post.id == chosen.id:
                self.posts.setCurrentItem(item)
        self.posts.blockSignals(False)
        if thread.locked:
            parts.append(forum_text.locked())
        if thread.hidden:
            parts.append(forum_text.hidden())
        self.view.setHtml("".join(parts))
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
        self.reply_button.setEnabled(self.page is not None and self.reply.isEnabled())
        self.edit_button.setEnabled(post is not None and post.mine)
        self.delete_button.setEnabled(post is not None and post.mine)
        self.report_button.setEnabled(
            post is not None and not post.mine and post.state is PostState.SENT
        )
        thread = self.page.thread if self.page is not None else None
        is_reply = post is not None and post.id != post.thread_id
        for kind, button in self.moderation.items():
            action = self._action(kind, post)
            button.setText(_(MODERATION_LABELS[action]))
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

    def new_topic_lesson(self) -> str | None:
        """What a new topic is about unless the learner changes it: the lesson listed, else
        the lesson they came from (None: the whole course)."""
        return self.lesson_id or self.from_lesson

    def ask_new_thread(self) -> None:
        if self.course_id is None:
            return
        lessons = list(self._lesson_names.items())
        dialog = NewTopicDialog(lessons, self.new_topic_lesson(), self.moderator, self)
        self.new_topic_dialog = dialog
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.new_topic_dialog = None
        if accepted:
            self.new_thread(
                dialog.title.text(),
                dialog.body.toPlainText(),
                question=dialog.question.isChecked(),
                about=dialog.chosen_lesson() or "",
            )

    def new_thread(
        self, title: str, body: str, *, question: bool = False, about: str | None = None
    ) -> None:
        """Queue a new topic about lesson `about` ("" the whole course; None: as
        new_topic_lesson says)."""
        course_id = self.course_id
        lesson_id = self.new_topic_lesson() if about is None else (about or None)
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
        text, ok = QInputDialog.getMultiLineText(
            self, _("Edit your post"), _("Your post:"), post.body
        )
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
        reason, ok = QInputDialog.getText(
            self, _("Report to the moderators"), _("What is wrong with this post?")
        )
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
        self.notice.setText(forum_text.queued())
        self.changed.emit()
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        self.notice.setText(getattr(exc, "message", str(exc)))

    def _open_link(self, url: QUrl) -> None:
        if url.scheme() in WEB_SCHEMES:
            self.link_opened.emit(url)
            QDesktopServices.openUrl(url)


def _heading(title: str) -> str:
    """The page's heading: "Forum", or "Forum — <course>"."""
    if not title:
        return "<h2>{}</h2>".format(escape(_("Forum")))
    # Translators: the Forum page's heading; {title} is the course's title.
    return "<h2>{}</h2>".format(escape(_("Forum — {title}").format(title=title)))
