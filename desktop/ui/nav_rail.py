"""The navigation rail down the window's left side: Home, Courses, Podcasts, Sync & storage.
UI thread.

One checkable button per place, reached by Tab or by Ctrl+1…Ctrl+4 (the window's View menu holds
those shortcuts, so they work from any page). The rail says where the learner is; drill-down
pages (a course, a lesson) keep their rail place lit (Courses).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QButtonGroup, QFrame, QToolButton, QVBoxLayout, QWidget

from desktop.language.catalogue import _


class NavRail(QFrame):
    """Signal `place_requested(str)` when the learner picks a place; `light(name)` marks one."""

    place_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navRail")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(6, 8, 6, 8)
        self._column.setSpacing(4)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        self._column.addStretch(1)
        self._top = 0  # top places go before the stretch, bottom ones after it

    def add_place(
        self, name: str, text: str, shortcut: str, *, bottom: bool = False
    ) -> QToolButton:
        """`text` is the place's name as shown (translated by the caller)."""
        button = QToolButton()
        button.setObjectName(f"nav-{name}")
        button.setText(text.replace("&", "&&"))  # no mnemonic: Ctrl+1…4 reach the places
        # Translators: a place's tooltip in the navigation rail: "Courses (Ctrl+2)".
        button.setToolTip(_("{place} ({shortcut})").format(place=text, shortcut=shortcut))
        button.setAccessibleName(text)
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        button.setIconSize(QSize(24, 24))
        button.setMinimumWidth(92)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.clicked.connect(lambda _checked=False, n=name: self.place_requested.emit(n))
        self._group.addButton(button)
        if bottom:
            self._column.addWidget(button)
        else:
            self._column.insertWidget(self._top, button)
            self._top += 1
        self.buttons[name] = button
        return button

    def set_icon(self, name: str, icon: QIcon) -> None:
        self.buttons[name].setIcon(icon)

    def light(self, name: str) -> None:
        button = self.buttons.get(name)
        if button is not None:
            button.setChecked(True)

    def current(self) -> str:
        return next((n for n, b in self.buttons.items() if b.isChecked()), "")
