"""The dialog that starts a forum topic: what it is about (the whole course or one lesson),
its title and its text. UI thread; the Forum page queues what it returns."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.forum import MAX_TITLE
from desktop.language.catalogue import _


class NewTopicDialog(QDialog):
    """`lessons` are (id, "N. title"); `about` is the lesson chosen at first (None: the whole
    course). `chosen_lesson()` is what the learner picked."""

    def __init__(
        self,
        lessons: list[tuple[str, str]],
        about: str | None,
        moderator: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("New topic"))
        self.about = QComboBox()
        self.about.addItem(_("The whole course"), "")
        for lesson_id, name in lessons:
            # Translators: {name} is the lesson's number and title, e.g. "2. Sharing the work".
            self.about.addItem(_("Lesson {name}").format(name=name), lesson_id)
        if about is not None and self.about.findData(about) < 0:
            # Translators: in the About choice, a lesson whose title is not known on this computer.
            self.about.addItem(_("This lesson"), about)  # a lesson not listed (yet)
        self.about.setCurrentIndex(max(0, self.about.findData(about or "")))
        self.title = QLineEdit()
        self.title.setPlaceholderText(_("What is it about, in a few words?"))
        self.title.setMaxLength(MAX_TITLE)
        self.body = QPlainTextEdit()
        # Tab moves on, as everywhere else; no one is trapped in a text box.
        self.body.setTabChangesFocus(True)
        self.body.setPlaceholderText(_("What do you want to ask or share?"))
        self.question = QCheckBox(_("A &discussion question for the learners (moderators)"), self)
        self.question.setVisible(moderator)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Start topic"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        # Translators: what a new topic is about: the whole course or one lesson.
        form.addRow(_("&About:"), self.about)
        form.addRow(_("&Title:"), self.title)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        text_label = QLabel(_("T&ext:"))
        text_label.setBuddy(self.body)
        layout.addWidget(text_label)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.question)
        note = QLabel(_("It is sent at the next sync; until then you can change or delete it."))
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(520, 420)
        self.title.setFocus()  # what it is about is chosen already, most of the time

    def chosen_lesson(self) -> str | None:
        data = self.about.currentData()
        return data if isinstance(data, str) and data else None
