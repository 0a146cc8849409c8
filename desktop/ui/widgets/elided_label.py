"""A label that wraps its plain text to at most N lines and ends the last one with "…". UI thread.

Qt's QLabel either wraps everything or elides one line; a card's description needs both.
The text is laid out again whenever the width changes; the whole text stays the tooltip and
the accessible description, so nothing is lost to the ellipsis.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent, QTextLayout
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    def __init__(self, lines: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._lines = lines
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 2)

    def set_full_text(self, text: str) -> None:
        self._full = " ".join(text.split())
        self.setToolTip(self._full)
        self.setAccessibleDescription(self._full)
        self._relayout()

    def full_text(self) -> str:
        return self._full

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(120, self.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        width = max(40, self.width())
        metrics = self.fontMetrics()
        layout = QTextLayout(self._full, self.font())
        layout.beginLayout()
        shown: list[str] = []
        while len(shown) < self._lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            start, length = line.textStart(), line.textLength()
            if len(shown) == self._lines - 1:
                rest = self._full[start:]
                shown.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
            else:
                shown.append(self._full[start : start + length].rstrip())
        layout.endLayout()
        self.setText("\n".join(shown))
