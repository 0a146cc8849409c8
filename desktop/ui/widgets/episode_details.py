"""The selected episode on the Podcasts page: its title, date and length, one primary action
(Play, Resume at 3:20 or Download), a "More" menu (delete the download, keep it, stop a
download) and tabs for show notes, chapters and transcript; with nothing to show, a sentence
saying what to do. UI thread; the page fills it and connects its controls.

Keyboard: Tab reaches the primary button and More (Alt+M), whose menu opens with Enter or
Space; the menu also opens from the episode list with the menu key or Shift+F10.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.podcast import Chapter, Transcript
from desktop.language.catalogue import _
from desktop.language.formats import language_name
from desktop.ui import formatting, theme
from desktop.ui.icons import Icons
from desktop.ui.widgets import episode_words as words


def empty_note(sentence: str) -> QLabel:
    """A muted sentence in the middle of an empty pane, saying what to do."""
    note = QLabel(sentence)
    note.setAlignment(Qt.AlignmentFlag.AlignCenter)
    note.setWordWrap(True)
    note.setMargin(24)
    theme.tint(note, "muted")
    return note


class EpisodeDetails(QStackedWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty = empty_note(_(words.CHOOSE_EPISODE))

        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.title.setFont(font)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        theme.tint(self.facts, "muted")

        self.primary = QPushButton(_(words.PLAY))
        bold = QFont(self.primary.font())
        bold.setBold(True)  # as a course card's primary button
        self.primary.setFont(bold)
        self.primary.setMinimumWidth(120)
        self.primary.setAutoDefault(True)  # Enter on the focused button presses it
        self.menu = QMenu(self)
        self.delete_action = QAction(Icons.icon("delete"), _(words.DELETE), self)
        self.delete_action.setToolTip(_(words.DELETE_TIP))
        self.keep_action = QAction(Icons.icon("pin"), _(words.KEEP), self)
        self.keep_action.setCheckable(True)
        self.keep_action.setToolTip(_(words.KEEP_TIP))
        self.stop_action = QAction(Icons.icon("stop"), _(words.STOP), self)
        for action in (self.stop_action, self.keep_action, self.delete_action):
            self.menu.addAction(action)
        self.menu.setToolTipsVisible(True)
        self.more = QToolButton()
        self.more.setText(_(words.MORE))
        self.more.setIcon(Icons.icon("menu"))
        self.more.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setMenu(self.menu)
        self.more.setToolTip(_(words.MORE_TIP))
        self.more.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.notes = QTextBrowser()
        self.notes.setOpenLinks(False)  # show notes are text here, nothing is fetched
        self.notes.setAccessibleName(_("Show notes"))
        self.chapters = QListWidget()
        self.chapters.setAccessibleName(_("Chapters"))
        self.chapters_note = QLabel(_(words.NO_CHAPTERS))
        self.chapters_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chapters_note.setWordWrap(True)
        theme.tint(self.chapters_note, "muted")
        self.chapters_stack = QStackedWidget()
        self.chapters_stack.addWidget(self.chapters_note)
        self.chapters_stack.addWidget(self.chapters)
        self.transcript = QTextBrowser()
        self.transcript.setOpenLinks(False)
        self.transcript.setAccessibleName(_("Transcript"))
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.notes, _("Show notes"))
        self.tabs.addTab(self.chapters_stack, _("Chapters"))
        self.tabs.addTab(self.transcript, _("Transcript"))

        actions = QHBoxLayout()
        actions.addWidget(self.primary)
        actions.addWidget(self.more)
        actions.addStretch(1)
        shown = QWidget()
        layout = QVBoxLayout(shown)
        layout.setContentsMargins(8, 4, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        layout.addLayout(actions)
        layout.addWidget(self.tabs, 1)
        self.addWidget(self.empty)
        self.addWidget(shown)
        self._shown = shown

    def say(self, sentence: str) -> None:
        """Nothing to show: say what to do instead."""
        self.empty.setText(sentence)
        self.setCurrentWidget(self.empty)

    def show_episode(self, title: str, facts: str, notes_html: str) -> None:
        self.title.setText(title)
        self.facts.setText(facts)
        self.notes.setHtml(notes_html)
        self.setCurrentWidget(self._shown)

    def set_language(self, language: str) -> None:
        """Say what the episode is spoken in (a tag such as "nl", "" when unknown) to screen
        readers, on the details and on the transcript."""
        name = language_name(language)
        self.setAccessibleDescription(
            # Translators: the accessible description of an episode; {language} is "Dutch".
            _("Spoken in {language}").format(language=name) if name else ""
        )
        self.transcript.setAccessibleDescription(
            # Translators: the accessible description of a transcript; {language} is "Dutch".
            _("Transcript in {language}").format(language=name) if name else ""
        )

    def showing_episode(self) -> bool:
        return self.currentWidget() is self._shown

    def set_primary(self, label: str, icon: str, enabled: bool) -> None:
        self.primary.setText(label)
        self.primary.setIcon(Icons.icon(icon))
        self.primary.setEnabled(enabled)

    def chapters_say(self, note: str) -> None:
        self.chapters_note.setText(note)
        self.chapters_stack.setCurrentWidget(self.chapters_note)

    def show_extras(
        self, chapters: tuple[Chapter, ...], transcript: Transcript | None, problem: str
    ) -> None:
        """The chapters and transcript, read on a worker; `problem` says why one is missing."""
        self.chapters.clear()
        for chapter in chapters:
            item = QListWidgetItem(f"{formatting.clock_time(chapter.start_ms)}  {chapter.title}")
            item.setData(Qt.ItemDataRole.UserRole, chapter.start_ms)
            self.chapters.addItem(item)
        if chapters:
            self.chapters_stack.setCurrentWidget(self.chapters)
        else:
            self.chapters_say(problem or _(words.NO_CHAPTERS))
        if transcript is not None:
            lines = [
                (f"[{formatting.clock_time(start)}] " if start is not None else "") + text
                for start, text in transcript.lines
            ]
            self.transcript.setPlainText("\n".join(lines))
        else:
            self.transcript.setPlainText(problem or _(words.NO_TRANSCRIPT))
