"""A place for video in a page, whose QVideoWidget is made when a video first plays. UI thread.

Making a QVideoWidget starts QtMultimedia's FFmpeg backend (about 13 MB, and disk reads at
start-up); most sessions read lessons and hear podcasts without ever showing a video.
"""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget


class VideoSlot(QWidget):
    def __init__(self, min_height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(min_height)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._output: QWidget | None = None

    def output(self) -> QWidget:
        """The QVideoWidget to give the player, made on the first call."""
        if self._output is None:
            from PySide6.QtMultimediaWidgets import QVideoWidget

            self._output = QVideoWidget(self)
            self._layout.addWidget(self._output)
        return self._output
