"""A banner across the top of the window for a problem that stops every action (a full disk).
UI thread.

It stands out by the palette's own colours (the tooltip's, which themes keep readable in light
and dark) and the warning icon, so it reads as a notice rather than page text.
"""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle, QWidget

from desktop.language.catalogue import _
from desktop.ui.icons import Icons


class WarningBanner(QFrame):
    """Hidden until `say`; `label` holds the sentence (screen readers read it as one text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.setForegroundRole(QPalette.ColorRole.ToolTipText)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        Icons.show_on(icon, "warning", size, tone="warning")
        icon.setAccessibleName(_("Warning"))
        row.addWidget(icon)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setForegroundRole(QPalette.ColorRole.ToolTipText)
        row.addWidget(self.label, 1)
        self.hide()

    def say(self, sentence: str) -> None:
        self.label.setText(sentence)
        self.setAccessibleDescription(sentence)
        self.show()
