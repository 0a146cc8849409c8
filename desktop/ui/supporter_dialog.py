"""The dialog that asks a supporter for feedback: their name, e-mail address, a personal
message and the language they read (the learner's own by default), with the answer they will
read shown as it will be shared. UI thread; the caller queues the request through
SupporterService."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
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

from desktop.domain.supporter import MAX_MESSAGE, MAX_NAME, SUPPORTER_LANGUAGES, valid_address
from desktop.language import catalogue
from desktop.language.catalogue import _
from desktop.language.formats import number
from desktop.ui import theme


class SupporterDialog(QDialog):
    def __init__(self, prompt: str, answer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Ask a supporter for feedback"))
        self.name = QLineEdit()
        self.name.setMaxLength(MAX_NAME)
        self.name.setPlaceholderText(_("e.g. your manager or a friend"))
        self.email = QLineEdit()
        # Translators: an example e-mail address; "naam@voorbeeld.nl" reads naturally in Dutch.
        self.email.setPlaceholderText(_("name@example.org"))
        self.message = QPlainTextEdit()
        # Tab moves on, as everywhere else; no one is trapped in a text box.
        self.message.setTabChangesFocus(True)
        self.message.setPlaceholderText(_("A personal note: what would you like them to look at?"))
        self.message.setMaximumHeight(100)
        # The e-mail and the page are in the supporter's language: the learner's own unless
        # they choose the other.
        self.language = QComboBox()
        for code, name in SUPPORTER_LANGUAGES.items():
            self.language.addItem(name, code)
        mine = self.language.findData(catalogue.language())
        self.language.setCurrentIndex(max(mine, 0))
        self.language.setAccessibleName(_("The language your supporter reads"))
        shared = QLabel(
            _(
                "They will read <b>only</b> this exercise and your answer, on a page reached "
                "by a link in the e-mail. The link works once, expires, and you can withdraw it."
            )
        )
        shared.setWordWrap(True)
        preview = QPlainTextEdit(f"{prompt}\n\n{answer}")
        preview.setReadOnly(True)
        preview.setAccessibleName(_("What your supporter will read"))
        preview.setMaximumHeight(120)
        self.problem = QLabel()
        theme.tint(self.problem, "error")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Ask at the next sync"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("&Name:"), self.name)
        form.addRow(_("&E-mail:"), self.email)
        form.addRow(_("&Message:"), self.message)
        # Translators: the language of the e-mail and page the supporter gets.
        form.addRow(_("&Their language:"), self.language)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(shared)
        layout.addWidget(preview)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons, 0, Qt.AlignmentFlag.AlignRight)

    def chosen_language(self) -> str:
        """The language chosen for the supporter: "nl" or "en"."""
        return str(self.language.currentData())

    def _accept(self) -> None:
        """Say what is wrong in the dialog itself; the service checks again."""
        if not self.name.text().strip():
            self.problem.setText(_("Give your supporter's name, so the e-mail can greet them."))
        elif not valid_address(self.email.text().strip()):
            self.problem.setText(_("Give one e-mail address, like name@example.org."))
        elif len(self.message.toPlainText().strip()) > MAX_MESSAGE:
            self.problem.setText(
                _("The message is longer than {limit} characters.").format(
                    limit=number(MAX_MESSAGE)
                )
            )
        else:
            self.accept()
