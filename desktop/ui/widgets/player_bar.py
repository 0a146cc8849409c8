"""The now-playing bar at the bottom of the window: one player for lessons and podcasts.
UI thread.

Its actions carry the keyboard shortcuts and are added to the main window, so they work on
every page: Ctrl+Space play/pause, Ctrl+Left back 10 s, Ctrl+Right forward 30 s, Ctrl+[ and
Ctrl+] slower/faster, Ctrl+Up/Down volume, plus the keyboard's media keys.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtMultimedia import QMediaDevices
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSlider,
    QToolButton,
    QWidget,
)

from desktop.language import formats
from desktop.language.catalogue import _, counted
from desktop.media.player import SLEEP_AT_END, Player
from desktop.ui.formatting import clock_time

RATES = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
SLEEP_CHOICES = (0, 5, 15, 30, 60, SLEEP_AT_END)  # minutes


def sleep_label(minutes: int) -> str:
    """A sleep timer's choice in words: "Off", "15 minutes", "1 hour", "End of this episode"."""
    if minutes == 0:
        # Translators: the sleep timer is off.
        return _("Off")
    if minutes == SLEEP_AT_END:
        return _("End of this episode")
    if minutes % 60 == 0:
        return counted("{n} hour", "{n} hours", minutes // 60)
    return counted("{n} minute", "{n} minutes", minutes)


def rate_label(rate: float) -> str:
    """A playback speed: "1.25×" ("1,25×" in Dutch)."""
    # Translators: a playback speed, e.g. "1.5×" (times the normal speed).
    return _("{rate}×").format(rate=formats.number(rate))


class PlayerBar(QWidget):
    def __init__(self, player: Player) -> None:
        super().__init__()
        self.player = player
        self._dragging = False
        self.title = QLabel(_("Nothing playing"))
        self.title.setMinimumWidth(160)
        # Translators: the player's skip buttons (back 10 seconds, forward 30 seconds).
        self.back = self._button(_("−10 s"), _("Back 10 seconds (Ctrl+Left)"))
        self.play = self._button(_("Play"), _("Play or pause (Ctrl+Space)"))
        self.forward = self._button(_("+30 s"), _("Forward 30 seconds (Ctrl+Right)"))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName(_("Position"))
        self.slider.sliderPressed.connect(self._drag_started)
        self.slider.sliderReleased.connect(self._drag_ended)
        self.time = QLabel("0:00 / 0:00")
        self.speed = QComboBox()
        self.speed.setAccessibleName(_("Speed"))
        self.speed.setToolTip(_("Speed, pitch kept (Ctrl+[ slower, Ctrl+] faster)"))
        for rate in RATES:
            self.speed.addItem(rate_label(rate), rate)
        self.speed.setCurrentIndex(RATES.index(1.0))
        self.speed.currentIndexChanged.connect(self._speed_chosen)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setAccessibleName(_("Volume"))
        self.volume.setRange(0, 100)
        self.volume.setValue(round(player.volume() * 100))
        self.volume.setMaximumWidth(90)
        self.volume.valueChanged.connect(lambda value: player.set_volume(value / 100))
        self.sleep = self._button(_("Sleep"), _("Sleep timer: pause after a while"))
        self.sleep.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.sleep)
        for minutes in SLEEP_CHOICES:
            action = menu.addAction(sleep_label(minutes))
            action.triggered.connect(lambda _c=False, m=minutes: player.set_sleep_timer(m))
        self.sleep.setMenu(menu)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        left: list[QWidget] = [self.title, self.back, self.play, self.forward]
        right: list[QWidget] = [self.time, self.speed, self.volume, self.sleep, self.note]
        for widget in left:
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        for widget in right:
            layout.addWidget(widget)

        self.back.clicked.connect(player.skip_back)
        self.play.clicked.connect(player.toggle)
        self.forward.clicked.connect(player.skip_forward)
        player.position_changed.connect(self._show_position)
        player.duration_changed.connect(self._show_duration)
        player.playing_changed.connect(self._show_playing)
        player.rate_changed.connect(self._show_rate)
        player.loaded.connect(self._show_loaded)
        player.failed.connect(self._show_failure)
        player.sleep_changed.connect(self._show_sleep)
        self.actions_for_window = self._build_actions()
        self._set_enabled(False)

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        return button

    def _build_actions(self) -> list[QAction]:
        specs = (
            (_("Play/pause"), ("Ctrl+Space", "Media Play", "Media Pause",
             "Toggle Media Play/Pause"), self.player.toggle),
            (_("Back 10 seconds"), ("Ctrl+Left", "Media Previous"), self.player.skip_back),
            (_("Forward 30 seconds"), ("Ctrl+Right", "Media Next"), self.player.skip_forward),
            (_("Slower"), ("Ctrl+[",), lambda: self.step_speed(-1)),
            (_("Faster"), ("Ctrl+]",), lambda: self.step_speed(1)),
            (_("Louder"), ("Ctrl+Up",), lambda: self.volume.setValue(self.volume.value() + 10)),
            (_("Quieter"), ("Ctrl+Down",),
             lambda: self.volume.setValue(self.volume.value() - 10)),
        )  # fmt: skip
        actions = []
        for text, keys, slot in specs:
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(key) for key in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            actions.append(action)
        return actions

    def step_speed(self, steps: int) -> None:
        index = min(len(RATES) - 1, max(0, self.speed.currentIndex() + steps))
        self.speed.setCurrentIndex(index)

    # -- player -> widgets -----------------------------------------------------------------

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.back, self.play, self.forward, self.slider):
            widget.setEnabled(enabled)

    def _show_loaded(self, _key: str) -> None:
        # Asked only now: listing devices starts QtMultimedia's backend, which a start-up
        # without anything to play should not pay for.
        if not QMediaDevices.audioOutputs():
            self.note.setText(_("No sound device found: plug in headphones or speakers."))
            self.note.show()
        else:
            self.note.hide()
        self.title.setText(self.player.title)
        self.title.setToolTip(self.player.title)
        self._set_enabled(True)
        self._show_duration(self.player.duration())
        self._show_position(self.player.position())

    def _show_failure(self, message: str) -> None:
        self._set_enabled(False)
        self.title.setText(_("Cannot play"))
        self.title.setToolTip(message)

    def _show_position(self, position: int) -> None:
        if not self._dragging:
            self.slider.setValue(int(position // 1000))
        self.time.setText(f"{clock_time(position)} / {clock_time(self.player.duration())}")

    def _show_duration(self, duration: int) -> None:
        self.slider.setRange(0, max(0, int(duration // 1000)))

    def _show_playing(self, playing: bool) -> None:
        self.play.setText(_("Pause") if playing else _("Play"))

    def _show_rate(self, rate: float) -> None:
        index = self.speed.findData(rate)
        if index >= 0 and index != self.speed.currentIndex():
            self.speed.setCurrentIndex(index)

    def _show_sleep(self, minutes: int) -> None:
        if minutes == 0:
            self.sleep.setText(_("Sleep"))
        else:
            # Translators: the sleep timer's button while it runs, e.g. "Sleep: 15 minutes".
            self.sleep.setText(_("Sleep: {choice}").format(choice=sleep_label(minutes)))

    # -- widgets -> player -----------------------------------------------------------------

    def _speed_chosen(self, index: int) -> None:
        self.player.set_rate(float(self.speed.itemData(index)))

    def _drag_started(self) -> None:
        self._dragging = True

    def _drag_ended(self) -> None:
        self._dragging = False
        self.player.seek(self.slider.value() * 1000)
