"""A lesson's video and audio at the top of the lesson page: a video screen (a poster before it
plays and after it ends, never a black panel) and one button per recording. UI thread.

Media are named by what they are in the lesson ("Watch the video", "Listen to the lesson"),
never by their file names; the player's title is the lesson's title and the kind of medium.
The page plays them in the window's one player (`play_wanted`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.language import formats
from desktop.language.catalogue import _
from desktop.services.lessons import LessonMedium
from desktop.ui.widgets.video_slot import VideoSlot

MAX_VIDEO_HEIGHT = 300


def media_labels(media: list[LessonMedium]) -> list[str]:
    """What each medium's button says, in order (a mnemonic on the first of each kind)."""
    videos = [m for m in media if m.is_video]
    audios = [m for m in media if not m.is_video]
    labels = []
    for medium in media:
        if medium.is_video:
            n = videos.index(medium) + 1
            if len(videos) == 1:
                labels.append(_("▶ &Watch the video"))
            elif n == 1:
                labels.append(_("▶ &Watch video {n}").format(n=formats.number(n)))
            else:
                labels.append(_("▶ Watch video {n}").format(n=formats.number(n)))
        else:
            n = audios.index(medium) + 1
            if len(audios) == 1:
                labels.append(_("▶ L&isten to the lesson"))
            elif n == 1:
                labels.append(_("▶ L&isten to part {n}").format(n=formats.number(n)))
            else:
                labels.append(_("▶ Listen to part {n}").format(n=formats.number(n)))
    return labels


def media_title(lesson_title: str, media: list[LessonMedium], medium: LessonMedium) -> str:
    """The player's title for a medium: the lesson and the kind (and part) of medium."""
    same = [m for m in media if m.is_video == medium.is_video]
    if len(same) > 1:
        part = formats.number(same.index(medium) + 1)
        if medium.is_video:
            return _("{lesson} (video, part {n})").format(lesson=lesson_title, n=part)
        return _("{lesson} (audio, part {n})").format(lesson=lesson_title, n=part)
    if medium.is_video:
        return _("{lesson} (video)").format(lesson=lesson_title)
    return _("{lesson} (audio)").format(lesson=lesson_title)


class LessonMedia(QWidget):
    play_wanted = Signal(object)  # the LessonMedium to play

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.video = VideoSlot(0, self)
        self.video.poster_clicked.connect(self._play_first_video)
        self.video.hide()
        self.buttons: list[QPushButton] = []
        self.media: list[LessonMedium] = []
        self.lesson_title = ""
        self._max_video_height = MAX_VIDEO_HEIGHT
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video)
        layout.addLayout(self._row)
        self.hide()

    def show_media(self, lesson_title: str, media: list[LessonMedium]) -> None:
        for button in self.buttons:
            self._row.removeWidget(button)
            button.deleteLater()
        self.lesson_title = lesson_title
        self.media = media
        self.buttons = []
        for index, (medium, label) in enumerate(zip(media, media_labels(media), strict=True)):
            button = QPushButton(label, self)
            button.setAccessibleDescription(media_title(lesson_title, media, medium))
            button.setEnabled(medium.available)
            if not medium.available:
                button.setToolTip(_("Not on this computer yet: download the course to play it"))
            button.clicked.connect(lambda _c=False, m=medium: self.play_wanted.emit(m))
            self._row.insertWidget(index, button)
            self.buttons.append(button)
        has_video = any(m.is_video for m in media)
        self.video.forget_frame()
        self.video.setVisible(has_video)
        if has_video:
            self.video.show_poster(self._caption(again=False))
        self.setVisible(bool(media))
        self._fit_video()

    def title(self, medium: LessonMedium) -> str:
        return media_title(self.lesson_title, self.media, medium)

    def video_output(self) -> QWidget:
        """Where the player shows this lesson's video (the screen turns to the video)."""
        self.video.show()
        return self.video.output()

    def playing(self, medium: LessonMedium) -> None:
        """The player has `medium` loaded: a video shows in the screen; audio keeps the poster."""
        if medium.is_video:
            self.video_output()
        elif self.video.showing_video():
            self.video.show_poster(self._caption(again=False))
        self._label(medium, again=False)

    def ended(self, media_key: str) -> None:
        """A medium of this lesson played to its end: a video leaves its last frame."""
        medium = next((m for m in self.media if m.media_key == media_key), None)
        if medium is None:
            return
        if medium.is_video:
            self.video.show_poster(self._caption(again=True), last_frame=True)
        self._label(medium, again=True)

    def stopped(self) -> None:
        """Another medium (a podcast) took the player: the screen shows the poster."""
        if self.video.showing_video():
            self.video.show_poster(self._caption(again=False), last_frame=True)

    def _label(self, medium: LessonMedium, *, again: bool) -> None:
        index = self.media.index(medium) if medium in self.media else -1
        if index < 0:
            return
        label = media_labels(self.media)[index]
        if again:
            # Translators: a play button's label after its medium played to the end, e.g.
            # "↻ Watch the video again"; {action} is the label without its "▶ ".
            label = _("↻ {action} again").format(action=label.removeprefix("▶ "))
        self.buttons[index].setText(label)

    def _caption(self, *, again: bool) -> str:
        if again:
            return _("▶  Video: {lesson}\n(click to watch it again)").format(
                lesson=self.lesson_title
            )
        return _("▶  Video: {lesson}\n(click to watch)").format(lesson=self.lesson_title)

    def _play_first_video(self) -> None:
        video = next((m for m in self.media if m.is_video and m.available), None)
        if video is not None:
            self.play_wanted.emit(video)

    @property
    def max_video_height(self) -> int:
        return self._max_video_height

    @max_video_height.setter
    def max_video_height(self, height: int) -> None:
        self._max_video_height = min(MAX_VIDEO_HEIGHT, height)
        self._fit_video()

    def _fit_video(self) -> None:
        self.video.setFixedHeight(min(self._max_video_height, max(120, self.width() * 9 // 16)))

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_video()
