"""The media player: one QMediaPlayer for lesson audio/video and podcast episodes. UI thread
(QtMultimedia objects live on the thread that made them; this never touches disk or network).

What it adds to QMediaPlayer:
- resume: a start position asked for before the medium is loaded is applied once it is;
- skip back 10 s / forward 30 s, clamped to the medium;
- speed 0.5x-3x with the pitch kept where the backend can (Qt >= 6.10);
- `save_due(key, position_ms, duration_ms)` every few seconds of playing, on pause, when
  another medium is loaded, on stop and at the end, so a crash loses a few seconds at most;
  the UI stores it through the task runner;
- a sleep timer that pauses after some minutes or at the end of the current medium.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

from desktop.language.catalogue import _

SKIP_BACK_MS = 10_000
SKIP_FORWARD_MS = 30_000
MIN_RATE, MAX_RATE = 0.5, 3.0
SAVE_EVERY_MS = 5_000
SLEEP_AT_END = -1  # a sleep timer that stops at the end of the current medium

_LOADED = (
    QMediaPlayer.MediaStatus.LoadedMedia,
    QMediaPlayer.MediaStatus.BufferingMedia,
    QMediaPlayer.MediaStatus.BufferedMedia,
)


class Player(QObject):
    # qint64 as Qt names it, so QMediaPlayer's signals connect straight through.
    position_changed = Signal("qlonglong")  # type: ignore[arg-type]
    duration_changed = Signal("qlonglong")  # type: ignore[arg-type]
    playing_changed = Signal(bool)
    rate_changed = Signal(float)
    loaded = Signal(str)  # media key, once the medium is ready (and the resume seek applied)
    save_due = Signal(str, int, int)  # media key, position ms, duration ms
    finished = Signal(str)  # media key, at the end of the medium
    failed = Signal(str)  # a message for the learner
    sleep_changed = Signal(int)  # minutes left (0: off, SLEEP_AT_END: at the end)

    def __init__(self, parent: QObject | None = None, *, save_every_ms: int = SAVE_EVERY_MS):
        super().__init__(parent)
        # QMediaPlayer is made on the first load(): making it loads the FFmpeg backend and
        # opens the audio device, about 13 MB and some disk reads that a learner who only
        # reads lessons never needs (and a start-up should not wait for).
        self._player: QMediaPlayer | None = None
        self._audio: QAudioOutput | None = None
        self._rate = 1.0
        self._volume = 1.0
        self._key = ""
        self._title = ""
        self._pending_seek: int | None = None
        self._is_loaded = False
        self._save_timer = QTimer(self)
        self._save_timer.setInterval(save_every_ms)
        self._save_timer.timeout.connect(self._save)
        self._sleep_timer = QTimer(self)
        self._sleep_timer.setSingleShot(True)
        self._sleep_timer.timeout.connect(self._fall_asleep)
        self._sleep_at_end = False
        self._video_output: QObject | None = None

    def _media(self) -> QMediaPlayer:
        if self._player is None:
            player = QMediaPlayer(self)
            self._audio = QAudioOutput(self)
            self._audio.setVolume(self._volume)
            player.setAudioOutput(self._audio)
            if hasattr(player, "setPitchCompensation"):
                player.setPitchCompensation(True)
            player.setPlaybackRate(self._rate)
            player.positionChanged.connect(self.position_changed)
            player.durationChanged.connect(self.duration_changed)
            player.playbackStateChanged.connect(self._on_state)
            player.mediaStatusChanged.connect(self._on_status)
            player.errorOccurred.connect(self._on_error)
            self._player = player
        return self._player

    @property
    def pitch_kept(self) -> bool:
        """Whether other speeds keep the voice's pitch (Qt >= 6.10 with the FFmpeg backend)."""
        player = self._media()
        return hasattr(player, "pitchCompensation") and bool(player.pitchCompensation())

    # -- what is playing -------------------------------------------------------------------

    @property
    def media_key(self) -> str:
        return self._key

    @property
    def title(self) -> str:
        return self._title

    def load(
        self,
        path: Path,
        media_key: str,
        *,
        title: str = "",
        resume_ms: int = 0,
        video_output: QObject | None = None,
    ) -> None:
        """Open a local file, shown in `video_output` if it is a video; playback starts at
        `resume_ms` once the file is loaded."""
        player = self._media()
        if self._key:
            player.pause()  # the previous medium stops here, whatever comes next
            self._save()
        self._save_timer.stop()
        self._key, self._is_loaded = "", False  # taking the old medium down saves nothing
        if video_output is not self._video_output:
            # Only with no medium open: swapping the video sink under an open medium can
            # deadlock QtMultimedia's FFmpeg backend against the main thread.
            player.setSource(QUrl())
            player.setVideoOutput(video_output)  # type: ignore[arg-type]  # None detaches
            self._video_output = video_output
        self._key = media_key
        self._title = title or path.name
        self._is_loaded = False
        self._pending_seek = resume_ms if resume_ms > 0 else None
        if not path.is_file():
            self._key = ""
            player.setSource(QUrl())
            self.failed.emit(
                _("{title} is not on this computer (any more).").format(title=self._title)
            )
            return
        player.setSource(QUrl.fromLocalFile(str(path)))

    def unload(self) -> None:
        """Stop and forget the medium (saving where the learner was)."""
        if self._player is None:
            return  # nothing was ever loaded
        if self._key:
            self._player.pause()
            self._save()
        self._save_timer.stop()
        self._key = ""
        self._player.setSource(QUrl())

    def has_video(self) -> bool:
        return self._player is not None and bool(self._player.hasVideo())

    # -- controls --------------------------------------------------------------------------

    def play(self) -> None:
        if self._key:
            self._media().play()

    def pause(self) -> None:
        if self._player is not None:
            self._player.pause()

    def toggle(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def is_playing(self) -> bool:
        return (
            self._player is not None
            and self._player.playbackState() is QMediaPlayer.PlaybackState.PlayingState
        )

    def position(self) -> int:
        if self._pending_seek is not None:
            return self._pending_seek
        return 0 if self._player is None else int(self._player.position())

    def duration(self) -> int:
        return 0 if self._player is None else int(self._player.duration())

    def seek(self, position_ms: int) -> None:
        duration = self.duration()
        position_ms = max(0, position_ms if duration <= 0 else min(position_ms, duration))
        if not self._is_loaded or self._player is None:
            self._pending_seek = position_ms
            return
        self._player.setPosition(position_ms)

    def skip(self, delta_ms: int) -> None:
        self.seek(self.position() + delta_ms)

    def skip_back(self) -> None:
        self.skip(-SKIP_BACK_MS)

    def skip_forward(self) -> None:
        self.skip(SKIP_FORWARD_MS)

    def rate(self) -> float:
        return self._rate

    def set_rate(self, rate: float) -> None:
        self._rate = round(min(MAX_RATE, max(MIN_RATE, rate)), 2)
        if self._player is not None:
            self._player.setPlaybackRate(self._rate)
        self.rate_changed.emit(self._rate)

    def volume(self) -> float:
        return self._volume

    def set_volume(self, volume: float) -> None:
        self._volume = min(1.0, max(0.0, volume))
        if self._audio is not None:
            self._audio.setVolume(self._volume)

    # -- sleep timer -----------------------------------------------------------------------

    def set_sleep_timer(self, minutes: int) -> None:
        """Pause after `minutes` (0: off; SLEEP_AT_END: at the end of this medium)."""
        self._sleep_timer.stop()
        self._sleep_at_end = minutes == SLEEP_AT_END
        if minutes > 0:
            self._sleep_timer.start(minutes * 60_000)
        self.sleep_changed.emit(minutes)

    def sleep_remaining_ms(self) -> int:
        return self._sleep_timer.remainingTime() if self._sleep_timer.isActive() else 0

    def _fall_asleep(self) -> None:
        self._sleep_at_end = False
        self.pause()
        self.sleep_changed.emit(0)

    # -- Qt's side -------------------------------------------------------------------------

    def _save(self) -> None:
        if self._key and self._is_loaded and self._player is not None:
            self.save_due.emit(self._key, int(self._player.position()), self.duration())

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state is QMediaPlayer.PlaybackState.PlayingState
        if playing:
            self._save_timer.start()
        else:
            self._save_timer.stop()
            self._save()
        self.playing_changed.emit(playing)

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in _LOADED and not self._is_loaded and self._key:
            self._is_loaded = True
            if self._pending_seek is not None and self._player is not None:
                self._player.setPosition(min(self._pending_seek, max(0, self.duration())))
                self._pending_seek = None
            self.loaded.emit(self._key)
        elif status is QMediaPlayer.MediaStatus.EndOfMedia and self._key:
            self.save_due.emit(self._key, self.duration(), self.duration())
            self.finished.emit(self._key)
            if self._sleep_at_end:
                self._sleep_at_end = False
                self.sleep_changed.emit(0)
        elif status is QMediaPlayer.MediaStatus.InvalidMedia and self._key:
            self._fail(
                _(
                    "{title} cannot be played: the file is damaged or in a format this "
                    "computer cannot decode."
                ).format(title=self._title)
            )

    def _on_error(self, error: QMediaPlayer.Error, detail: str) -> None:
        if error is not QMediaPlayer.Error.NoError and self._key:
            self._fail(
                _("{title} cannot be played ({reason}).").format(
                    title=self._title, reason=detail or error.name
                )
            )

    def _fail(self, message: str) -> None:
        self._key = ""  # nothing to save for a medium that never played
        self._save_timer.stop()
        self.failed.emit(message)
