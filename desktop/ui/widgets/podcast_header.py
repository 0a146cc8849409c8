"""The top of the Podcasts page: the podcast's artwork next to its title, who it is from, how
many episodes, when it was checked and its description; with the podcast's own settings
(how many episodes to keep downloaded) and actions (check for new episodes, unsubscribe).
For all podcasts at once it shows the podcasts icon and a count. UI thread; the page fills it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.language.catalogue import _, counted
from desktop.ui import theme
from desktop.ui.widgets.elided_label import ElidedLabel
from desktop.ui.widgets.podcast_artwork import ArtworkView

ARTWORK_SIDE = 112


class KeepSpinBox(QSpinBox):
    """How many of a podcast's newest unplayed episodes to keep downloaded, in words:
    "Download only when I ask" (0), "Keep the newest episode" (1), "Keep the newest 3
    episodes". Changed with the arrow keys or the wheel (typing a sentence makes no sense)."""

    def __init__(self) -> None:
        super().__init__()
        self.setRange(0, 50)
        self.lineEdit().setReadOnly(True)
        self.setAccessibleName(_("Downloads by itself"))

    def sentence_width(self) -> int:
        """Room for the longest sentence and the arrows (Qt's size hint cuts at 18 letters)."""
        longest = max((self.textFromValue(v) for v in (0, 1, 50)), key=len)
        return self.fontMetrics().horizontalAdvance(longest) + 48

    def textFromValue(self, value: int) -> str:  # noqa: N802
        if value == 0:
            return _("Download only when I ask")
        return counted("Keep the newest episode", "Keep the newest {n} episodes", value)

    def valueFromText(self, text: str) -> int:  # noqa: N802
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits:
            return int(digits)
        return 0 if text == _("Download only when I ask") else 1


class PodcastHeader(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.artwork = ArtworkView(ARTWORK_SIDE)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.5)
        self.title.setFont(font)
        self.about = QLabel()
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setWordWrap(True)
        theme.tint(self.about, "muted")
        self.description = ElidedLabel(lines=2)
        self.keep = KeepSpinBox()
        self.keep.setToolTip(_("How many of the newest unplayed episodes to download by itself"))
        self.keep.setMinimumWidth(self.keep.sentence_width())  # its sentence is never cut
        self.refresh_button = QPushButton(_("Check for &new episodes"))
        self.remove_button = QPushButton(_("&Unsubscribe…"))

        controls = QHBoxLayout()
        controls.addWidget(self.keep)
        controls.addWidget(self.refresh_button)
        controls.addWidget(self.remove_button)
        controls.addStretch(1)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.title)
        text.addWidget(self.about)
        text.addWidget(self.description)
        text.addStretch(1)
        text.addLayout(controls)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.artwork, 0, Qt.AlignmentFlag.AlignTop)
        layout.addSpacing(8)
        layout.addLayout(text, 1)

    def show_podcast(
        self,
        key: str,
        title: str,
        about: str,
        description: str,
        picture: QPixmap | None,
        glyph: QIcon | None = None,
    ) -> None:
        self.artwork.set_podcast(key, title, picture, glyph)
        self.artwork.setVisible(glyph is None)  # all podcasts at once: a title is enough
        self.title.setText(title)
        self.about.setText(about)
        self.description.set_full_text(description)
        self.description.setVisible(bool(description.strip()))
