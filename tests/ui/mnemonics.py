"""Alt+letter clashes in what a learner sees at once. Test helper.

A mnemonic is the letter after a single "&" in a text ("&Save" is Alt+S; "&&" is a plain "&").
Two visible things with the same letter make Alt+letter ambiguous: Qt then only cycles the
focus between them, so neither is reached in one keystroke.

`clashes(root)` looks at what is visible together in `root` (a window or a dialog): the menu
bar's titles, the buttons (check boxes, radio buttons, tool buttons, the dialog's buttons),
labels with a buddy, group box titles and tab titles of the current page. Hidden pages of a
stack or a tab widget are not visible, so each page is judged with what is on screen with it.
`menu_clashes(menu)` does the same for the items of one open menu.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMainWindow,
    QMenu,
    QTabBar,
    QWidget,
)


def mnemonic(text: str) -> str | None:
    """The lower-case letter Alt reaches in `text`, or None."""
    index = 0
    while index < len(text) - 1:
        if text[index] == "&":
            following = text[index + 1]
            if following != "&":
                return following.lower()
            index += 2
            continue
        index += 1
    return None


def _shown(widget: QWidget, root: QWidget) -> bool:
    return widget.isVisible() if root.isVisible() else widget.isVisibleTo(root)


def texts(root: QWidget) -> list[tuple[str, str]]:
    """(what, text) for every visible thing in `root` whose text may hold a mnemonic."""
    found: list[tuple[str, str]] = []
    if isinstance(root, QMainWindow) and root.menuBar().isVisibleTo(root):
        found += [("menu", a.text()) for a in root.menuBar().actions() if a.isVisible()]
    for button in root.findChildren(QAbstractButton):
        if _shown(button, root):
            found.append((type(button).__name__, button.text()))
    for label in root.findChildren(QLabel):
        if label.buddy() is not None and _shown(label, root):
            found.append(("label", label.text()))
    for box in root.findChildren(QGroupBox):
        if _shown(box, root):
            found.append(("group", box.title()))
    for bar in root.findChildren(QTabBar):
        if _shown(bar, root):
            found += [("tab", bar.tabText(i)) for i in range(bar.count()) if bar.isTabVisible(i)]
    return found


def _group(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    by_letter: dict[str, list[str]] = defaultdict(list)
    for what, text in items:
        letter = mnemonic(text)
        if letter is not None:
            by_letter[letter].append(f"{what} {text!r}")
    return {letter: where for letter, where in sorted(by_letter.items()) if len(where) > 1}


def clashes(root: QWidget) -> dict[str, list[str]]:
    """Letters used more than once among the visible texts, with where each is used."""
    return _group(texts(root))


def menu_clashes(menu: QMenu) -> dict[str, list[str]]:
    """Letters used more than once among one menu's visible items."""
    return _group([("item", a.text()) for a in menu.actions() if a.isVisible()])


def missing(root: QWidget) -> list[str]:
    """Visible buttons and buddied labels with text but no mnemonic (unreachable by Alt)."""
    return [
        f"{what} {text!r}"
        for what, text in texts(root)
        if what not in ("menu", "tab", "group") and text and mnemonic(text) is None
    ]
