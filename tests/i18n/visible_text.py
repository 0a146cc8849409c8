"""Every text a person can read in a window or dialog as it is shown: labels, buttons, titles,
tooltips, accessible names, placeholders, combo-box items, tabs, group titles, menu actions and
the rows and headers of item views. Test helper (UI thread)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTextBrowser,
    QTextEdit,
    QWidget,
)

_MNEMONIC = re.compile(r"&(?!&)")


def plain(text: str) -> str:
    """`text` as read: rich text to its words, '&' mnemonics gone, spaces normalised."""
    if "<" in text and ">" in text:
        document = QTextDocument()
        document.setHtml(text)
        text = document.toPlainText()
    text = _MNEMONIC.sub("", text).replace("&&", "&")
    return " ".join(text.replace("\u00a0", " ").split())


def _model_texts(model: QAbstractItemModel, parent: QModelIndex, depth: int = 0) -> Iterator[str]:
    if depth > 3:
        return
    # A list model's columnCount and hasChildren are private in PySide6: one column, no tree.
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(parent)
    for row in range(min(model.rowCount(parent), 200)):
        for column in range(columns):
            index = model.index(row, column, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(index, role)
                if isinstance(value, str):
                    yield value
            if column == 0 and columns > 1 and model.rowCount(index) > 0:
                yield from _model_texts(model, index, depth + 1)
    for column in range(columns):
        header = model.headerData(column, Qt.Orientation.Horizontal)
        if isinstance(header, str) and not parent.isValid():
            yield header


def widget_texts(widget: QWidget) -> Iterator[str]:
    """The texts `widget` itself shows or says to a screen reader."""
    yield widget.toolTip()
    yield widget.accessibleName()
    yield widget.accessibleDescription()
    if widget.isWindow():
        yield widget.windowTitle()
    if isinstance(widget, QLabel | QAbstractButton):
        yield widget.text()
    elif isinstance(widget, QLineEdit):
        yield widget.placeholderText()
    elif isinstance(widget, QTextBrowser):
        yield widget.toPlainText()
    elif isinstance(widget, QTextEdit | QPlainTextEdit):
        yield widget.placeholderText()
    elif isinstance(widget, QComboBox):
        yield from (widget.itemText(i) for i in range(widget.count()))
    elif isinstance(widget, QGroupBox):
        yield widget.title()
    elif isinstance(widget, QTabBar):
        yield from (widget.tabText(i) for i in range(widget.count()))
        yield from (widget.tabToolTip(i) for i in range(widget.count()))
    elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
        yield from _model_texts(widget.model(), QModelIndex())
    for action in widget.actions():
        yield action.text()
        yield action.toolTip() if action.toolTip() != plain(action.text()) else ""


def visible_texts(top: QWidget) -> dict[str, str]:
    """Each distinct text shown in `top` (and in its visible children), read as a person reads
    it, mapped to the class of a widget that shows it."""
    found: dict[str, str] = {}
    widgets = [top, *top.findChildren(QWidget)]
    for widget in widgets:
        if widget is not top and not widget.isVisibleTo(top) and not isinstance(widget, QMenu):
            continue
        for text in widget_texts(widget):
            if text and (words := plain(text)):
                found.setdefault(words, type(widget).__name__)
    return found
