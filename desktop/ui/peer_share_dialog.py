"""The dialog that shares one's work on an exercise with peers for feedback: what is shared,
with whom, an optional recording, and an explicit consent that starts unchecked. UI thread;
the caller queues the submission through PeerService."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.language.catalogue import _

RECORDING_PATTERNS = "*.mp3 *.m4a *.ogg *.opus *.wav *.webm *.mp4 *.mov"


class PeerShareDialog(QDialog):
    def __init__(self, prompt: str, answer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Ask peers for feedback"))
        self.recording: Path | None = None
        explain = QLabel(
            _(
                "Two learners of this course who answered this exercise too will read your "
                "answer (and hear your recording) under your pseudonym, and answer a few "
                "questions about it. You review theirs in return. Nothing is shared unless you "
                "agree below."
            )
        )
        explain.setWordWrap(True)
        preview = QPlainTextEdit(f"{prompt}\n\n{answer}")
        preview.setReadOnly(True)
        preview.setAccessibleName(_("What your peers will read"))
        preview.setMaximumHeight(120)
        self.recording_label = QLabel(_("No recording added."))
        choose = QPushButton(_("Add a &recording…"))
        choose.setToolTip(_("An audio or video file you recorded, e.g. on your phone"))
        choose.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.recording_label, 1)
        row.addWidget(choose)
        self.consent = QCheckBox(_("I &agree to share this answer with two peers of this course"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("Share at the next sync"))
        self.ok.setEnabled(False)  # consent first
        self.consent.toggled.connect(self.ok.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(preview)
        layout.addLayout(row)
        layout.addWidget(self.consent)
        layout.addWidget(self.buttons, 0, Qt.AlignmentFlag.AlignRight)

    def _choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Add a recording"),
            str(Path.home()),
            # Translators: the file dialog's filter; {patterns} are the file name patterns.
            _("Recordings ({patterns})").format(patterns=RECORDING_PATTERNS),
        )
        if path:
            self.set_recording(Path(path))

    def set_recording(self, path: Path) -> None:
        self.recording = path
        # Translators: {name} is the name of the file the learner chose.
        self.recording_label.setText(_("Recording: {name}").format(name=path.name))
