"""The dialog that asks a supporter for feedback: their name, e-mail address and a personal
message, with the answer they will read shown as it will be shared. UI thread; the caller
queues the request through SupporterService."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.supporter import MAX_MESSAGE, MAX_NAME, valid_address
from desktop.ui import theme


class SupporterDialog(QDialog):
    def __init__(self, prompt: str, answer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ask a supporter for feedback")
        self.name = QLineEdit()
        self.name.setMaxLength(MAX_NAME)
        self.name.setPlaceholderText("e.g. your manager or a friend")
        self.email = QLineEdit()
        self.email.setPlaceholderText("name@example.org")
        self.message = QPlainTextEdit()
        # Tab moves on, as everywhere else; no one is trapped in a text box.
        self.message.setTabChangesFocus(True)
        self.message.setPlaceholderText("A personal note: what would you like them to look at?")
        self.message.setMaximumHeight(100)
        shared = QLabel(
            "They will read <b>only</b> this exercise and your answer, on a page reached by a "
            "link in the e-mail. The link works once, expires, and you can withdraw it."
        )
        shared.setWordWrap(True)
        preview = QPlainTextEdit(f"{prompt}\n\n{answer}")
        preview.setReadOnly(True)
        preview.setAccessibleName("What your supporter will read")
        preview.setMaximumHeight(120)
        self.problem = QLabel()
        theme.tint(self.problem, "error")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Ask at the next sync")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&E-mail:", self.email)
        form.addRow("&Message:", self.message)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(shared)
        layout.addWidget(preview)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons, 0, Qt.AlignmentFlag.AlignRight)

    def _accept(self) -> None:
        """Say what is wrong in the dialog itself; the service checks again."""
        if not self.name.text().strip():
            self.problem.setText("Give your supporter's name, so the e-mail can greet them.")
        elif not valid_address(self.email.text().strip()):
            self.problem.setText("Give one e-mail address, like name@example.org.")
        elif len(self.message.toPlainText().strip()) > MAX_MESSAGE:
            self.problem.setText(f"The message is longer than {MAX_MESSAGE:,} characters.")
        else:
            self.accept()
