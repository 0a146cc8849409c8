"""A place for video in a page, whose QVideoWidget is made when a video first plays. UI thread.

Making a QVideoWidget starts QtMultimedia's FFmpeg backend (about 13 MB, and disk reads at
start-up); most sessions read lessons and hear podcasts without ever showing a video.

Before a video plays, and after it ends, the slot shows a poster instead of the (then black)
video widget: the last frame seen, or a caption on the palette's dark colour; clicking it asks
for the video to play (`poster_clicked`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPalette, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget


class _Poster(QLabel):
    clicked = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Dark)
        self.setForegroundRole(QPalette.ColorRole.BrightText)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.frame = QImage()

    def show_frame(self, frame: QImage, caption: str) -> None:
        self.frame = frame
        if frame.isNull():
            self.setText(caption)  # (setText also drops the pixmap)
        else:
            self._scale()

    def _scale(self) -> None:
        if self.frame.isNull():
            return
        size = self.size()
        pixmap = QPixmap.fromImage(self.frame).scaled(
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.setPixmap(pixmap)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._scale()

    def mouseReleaseEvent(self, event: Any) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class VideoSlot(QWidget):
    poster_clicked = Signal()

    def __init__(self, min_height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(min_height)
        # Show and hide rather than a QStackedLayout: raising the video widget's native
        # window is not supported everywhere (and warns).
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.poster = _Poster(self)
        self.poster.clicked.connect(self.poster_clicked)
        self._layout.addWidget(self.poster)
        self._output: QWidget | None = None
        self._last: Any = None  # the newest valid QVideoFrame (a shared buffer, no copy)

    def output(self) -> QWidget:
        """The QVideoWidget to give the player, made on the first call; it is shown."""
        if self._output is None:
            from PySide6.QtMultimediaWidgets import QVideoWidget

            widget = QVideoWidget(self)
            widget.videoSink().videoFrameChanged.connect(self._keep)
            self._layout.addWidget(widget)
            self._output = widget
        self.poster.hide()
        self._output.show()
        return self._output

    def showing_video(self) -> bool:
        return self._output is not None and not self._output.isHidden()

    def show_poster(self, caption: str, *, last_frame: bool = False) -> None:
        """The poster instead of the video: its last frame (if asked and one was seen) or the
        caption."""
        frame = QImage()
        if last_frame and self._last is not None:
            frame = self._last.toImage()
        self.poster.show_frame(frame, caption)
        self.poster.setAccessibleName(caption)
        if self._output is not None:
            self._output.hide()
        self.poster.show()

    def forget_frame(self) -> None:
        self._last = None

    def _keep(self, frame: Any) -> None:
        if frame.isValid():
            self._last = frame
