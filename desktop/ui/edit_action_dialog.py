"""Edit a refused action's words before sending it again. UI thread.

Only what the learner wrote or chose can be changed, each with its own label in words (a title,
a text, a supporter's name and address, a reason; a vote's choice among the poll's options);
ids, numbers and flags are kept as they are and never shown. An action with nothing of that kind
is sent again as it is.
"""

from __future__ import annotations

from typing import Any

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

from desktop.domain.sync import OutboxItem
from desktop.language.catalogue import N_, _

# The arguments a learner wrote, with the words their field gets (translated where shown); a
# long text gets a box.
WRITTEN = {
    "title": (N_("&Title"), False),
    "body": (N_("&Text"), True),
    "text": (N_("Your &answer"), True),
    "answer": (N_("Your &answer"), True),
    "supporter_name": (N_("Supporter's &name"), False),
    "supporter_email": (N_("Supporter's &e-mail address"), False),
    "message": (N_("Your &message"), True),
    "reason": (N_("&Reason"), True),
}
NOTHING_TO_EDIT = N_(
    "There is nothing in this one you wrote yourself; it can be sent again as it is, or discarded."
)


class EditActionDialog(QDialog):
    def __init__(
        self,
        item: OutboxItem,
        title: str,
        parent: QWidget | None = None,
        *,
        choices: list[tuple[str, str]] | None = None,
    ) -> None:
        """`choices`: for a vote, the poll's options as (id, words), to choose again."""
        super().__init__(parent)
        self.setWindowTitle(_("Edit and send again"))
        self._item = item
        self._inputs: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.choice: QComboBox | None = None
        form = QFormLayout()
        if choices:
            self.choice = QComboBox()
            self.choice.setObjectName("option_id")
            for option_id, words in choices:
                self.choice.addItem(words, option_id)
            chosen = self.choice.findData(str(item.args.get("option_id")))
            self.choice.setCurrentIndex(max(chosen, 0))
            label = QLabel(_("Your &choice"))
            label.setBuddy(self.choice)
            form.addRow(label, self.choice)
        for key, value in item.args.items():
            if key not in WRITTEN or not isinstance(value, str):
                continue
            words, long = WRITTEN[key]
            editor: QLineEdit | QPlainTextEdit
            if long:
                editor = QPlainTextEdit(value)
                editor.setTabChangesFocus(True)
            else:
                editor = QLineEdit(value)
            editor.setObjectName(key)
            self._inputs[key] = editor
            label = QLabel(_(words))
            label.setBuddy(editor)
            form.addRow(label, editor)
        reason = QLabel()
        reason.setTextFormat(Qt.TextFormat.PlainText)
        # Translators: under the action's own sentence, the academy's reason for refusing it.
        said = _("The academy said: {reason}").format(reason=item.message or item.code)
        reason.setText(f"{title}\n{said}")
        reason.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Send again"))
        # Said by Samen's catalogue, not left to Qt's own (which may be missing).
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(reason)
        if self._inputs or self.choice is not None:
            layout.addLayout(form)
        else:
            nothing = QLabel(_(NOTHING_TO_EDIT))
            nothing.setWordWrap(True)
            layout.addWidget(nothing)
        layout.addWidget(buttons)

    def args(self) -> dict[str, Any]:
        """The action's arguments with the learner's changes (everything else as it was)."""
        result = dict(self._item.args)
        if self.choice is not None:
            result["option_id"] = self.choice.currentData()
        for key, editor in self._inputs.items():
            if isinstance(editor, QPlainTextEdit):
                result[key] = editor.toPlainText()
            else:
                result[key] = editor.text()
        return result
