"""Rows of a list a person reads: a picture, a title, a muted second line and a muted third
one (each elided to the row's width), as podcast apps show feeds and episodes. UI thread.

The texts live in the item's roles (DisplayRole, SUBTITLE_ROLE, DETAIL_ROLE, DecorationRole for
the picture), so a QListWidget stays the model; colours come from the palette (the muted tone
from the theme), highlighted rows use the highlight colours.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.ui import theme

SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 1
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex
_PAD = 6


class ListEntryDelegate(QStyledItemDelegate):
    def __init__(self, picture: int = 0, *, bold_title: bool = True) -> None:
        super().__init__()
        self.picture = picture  # the picture's side in pixels; 0: rows without one
        self.bold_title = bold_title

    def _title_font(self, option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setBold(self.bold_title)
        return font

    def _lines(self, index: _Index) -> list[str]:
        lines = [str(index.data(Qt.ItemDataRole.DisplayRole) or "")]
        for role in (SUBTITLE_ROLE, DETAIL_ROLE):
            text = index.data(role)
            if text:
                lines.append(str(text))
        return lines

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:  # noqa: N802
        spacing = QFontMetrics(option.font).lineSpacing()
        text_height = spacing * len(self._lines(index))
        # Narrow: the rows elide to the list's width rather than scroll sideways.
        return QSize(100, max(text_height, self.picture) + 2 * _PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        self.initStyleOption(option, index)
        rect: QRect = option.rect
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        option.text = ""
        option.icon = QIcon()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        main = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = main if selected else theme.muted_text(palette)
        left = rect.left() + _PAD
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if self.picture and isinstance(icon, QIcon):
            top = rect.top() + (rect.height() - self.picture) // 2
            icon.paint(painter, QRect(left, top, self.picture, self.picture))
            left += self.picture + _PAD + 2
        width = rect.right() - _PAD - left
        lines = self._lines(index)
        spacing = QFontMetrics(option.font).lineSpacing()
        top = rect.top() + (rect.height() - spacing * len(lines)) // 2
        painter.save()
        for number, text in enumerate(lines):
            font = self._title_font(option) if number == 0 else option.font
            painter.setFont(font)
            painter.setPen(main if number == 0 else muted)
            shown = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width)
            painter.drawText(
                QRect(left, top + number * spacing, width, spacing),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                shown,
            )
        painter.restore()
