"""Edit a refused action's fields before sending it again. UI thread.

Generic on purpose: each field of the action's arguments gets an input of its own type, so any
kind of action can be corrected (kind-specific editors, like a forum post editor, come later).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.sync import OutboxItem


class EditActionDialog(QDialog):
    def __init__(self, item: OutboxItem, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit and send again")
        self._item = item
        self._inputs: dict[str, QWidget] = {}
        form = QFormLayout()
        for key, value in item.args.items():
            editor: QWidget
            if isinstance(value, bool):
                box = QCheckBox()
                box.setChecked(value)
                editor = box
            elif isinstance(value, int):
                spin = QSpinBox()
                spin.setRange(0, 2**31 - 1)
                spin.setValue(value)
                editor = spin
            else:
                editor = QLineEdit(str(value))
            editor.setObjectName(key)
            self._inputs[key] = editor
            form.addRow(key.replace("_", " ").capitalize(), editor)
        reason = QLabel(f"<b>{title}</b><br>The academy said: {item.message or item.code}")
        reason.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Send again")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(reason)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def args(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, editor in self._inputs.items():
            if isinstance(editor, QCheckBox):
                result[key] = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                result[key] = editor.value()
            elif isinstance(editor, QLineEdit):
                result[key] = editor.text()
        return result
