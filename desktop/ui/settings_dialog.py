"""The Settings window: language, colours, downloads, podcast space and clean-up, and where
Samen keeps its data. UI thread; the settings file is written on the task runner's pool.

The theme applies as soon as it is chosen (Cancel puts the previous one back); everything else
applies when saved. A number that cannot be used is said in a sentence under the form, its
field gets the focus, and nothing typed is lost.

Signals: `theme_changed(str)` with "system", "light" or "dark" each time the shown theme
changes (it is already applied to the application); `settings_changed()` after the new
settings were saved, so anything that shows a setting can update (the downloads read the
live settings, so they follow at once).
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.language import formats
from desktop.language.catalogue import N_, _
from desktop.paths import ENV_DATA_DIR
from desktop.settings import LANGUAGES, THEMES, Settings
from desktop.ui import theme
from desktop.ui.tasks import TaskRunner
from desktop.ui.theme import Theme

# A language is named in itself, as is customary, so a learner finds theirs whatever the window
# speaks now; only "Follow the system" is translated (where shown).
LANGUAGE_NAMES = {"": N_("Follow the system"), "en": "English", "nl": "Nederlands"}
TRANSLATED_LANGUAGE_NAMES = frozenset({""})
THEME_NAMES = {"system": N_("Follow the system"), "light": N_("Light"), "dark": N_("Dark")}
MB_PER_GB = 1024
MAX_BUDGET_GB = 10_000.0
MAX_KEEP_HOURS = 24 * 365


def _number(text: str) -> float | None:
    """A number typed the English or the Dutch way ("0.5" or "0,5"); None if it is not one."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _reason(exc: BaseException) -> str:
    """Why the file could not be written, in words (a full disk's error has its own)."""
    message = getattr(exc, "message", None)
    if isinstance(message, str) and message:
        return message
    if isinstance(exc, PermissionError):
        return _("Samen is not allowed to write in its settings folder.")
    return _("The disk could not be written to; try again, or free some space first.")


def _shown(value: float) -> str:
    """`value` for a field, as the learner would type it: no grouping, the locale's decimal
    sign ("0,5" in Dutch); `_number` reads it back either way."""
    return formats.as_typed(value)


class SettingsDialog(QDialog):
    theme_changed = Signal(str)
    settings_changed = Signal()

    def __init__(
        self,
        settings: Settings,
        runner: TaskRunner,
        data_dir: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        self._settings = settings
        self._runner = runner
        self._data_dir = data_dir
        self._theme_at_open = str(settings.get("theme"))
        if self._theme_at_open not in THEMES:
            self._theme_at_open = "system"
        self._language_at_open = str(settings.get("language"))
        self.saving = False

        self.language = QComboBox()
        for code in LANGUAGES:
            name = LANGUAGE_NAMES[code]
            self.language.addItem(_(name) if code in TRANSLATED_LANGUAGE_NAMES else name, code)
        self._select(self.language, self._language_at_open)
        self.language_note = QLabel(_("Samen shows the new language after a restart."))
        self.language_note.setWordWrap(True)
        theme.tint(self.language_note, "muted")
        self.language_note.setVisible(False)
        self.language.currentIndexChanged.connect(self._language_chosen)

        self.theme = QComboBox()
        for code in THEMES:
            self.theme.addItem(_(THEME_NAMES[code]), code)
        self._select(self.theme, self._theme_at_open)
        self.theme.currentIndexChanged.connect(self._theme_chosen)

        looks = QFormLayout()
        looks.addRow(self._buddy(_("&Language"), self.language), self.language)
        looks.addRow("", self.language_note)
        looks.addRow(self._buddy(_("&Theme"), self.theme), self.theme)
        looks_box = QGroupBox(_("Language and colours"))
        looks_box.setLayout(looks)

        self.unmetered = QCheckBox(_("Download only on &unmetered connections"))
        self.unmetered.setChecked(bool(settings.get("download_unmetered_only")))
        unmetered_note = QLabel(
            _(
                "Courses and episodes wait while the connection is metered, such as a phone's "
                "hotspot, and download once you are on an unmetered one."
            )
        )
        unmetered_note.setWordWrap(True)
        theme.tint(unmetered_note, "muted")
        downloads = QVBoxLayout()
        downloads.addWidget(self.unmetered)
        downloads.addWidget(unmetered_note)
        downloads_box = QGroupBox(_("Downloads"))
        downloads_box.setLayout(downloads)

        self._budget_at_open = _shown(float(settings.get("podcast_budget_mb")) / MB_PER_GB)
        self.budget = QLineEdit(self._budget_at_open)
        self.budget.setAccessibleName(_("Space for podcast episodes, in gigabytes"))
        budget_row = QHBoxLayout()
        budget_row.addWidget(self.budget, 1)
        # Translators: the unit after the field for the podcasts' space (gigabytes).
        budget_row.addWidget(QLabel(_("GB")))
        self.clean_up = QCheckBox(_("&Delete played episodes automatically"))
        self.clean_up.setChecked(bool(settings.get("podcast_clean_up")))
        self._keep_at_open = _shown(float(settings.get("podcast_delete_played_after_h")))
        self.keep_hours = QLineEdit(self._keep_at_open)
        self.keep_hours.setAccessibleName(_("Hours to keep a played episode"))
        keep_row = QHBoxLayout()
        keep_row.addWidget(self.keep_hours, 1)
        keep_row.addWidget(QLabel(_("hours after playing")))
        self.clean_up.toggled.connect(self.keep_hours.setEnabled)
        self.keep_hours.setEnabled(self.clean_up.isChecked())
        podcasts = QFormLayout()
        podcasts.addRow(self._buddy(_("Space for &episodes"), self.budget), budget_row)
        podcasts.addRow(self.clean_up)
        podcasts.addRow(self._buddy(_("&Keep them for"), self.keep_hours), keep_row)
        podcast_note = QLabel(
            _(
                "New episodes download automatically while they fit in this space. "
                "Pinned episodes are never deleted."
            )
        )
        podcast_note.setWordWrap(True)
        theme.tint(podcast_note, "muted")
        podcasts.addRow(podcast_note)
        podcasts_box = QGroupBox(_("Podcasts"))
        podcasts_box.setLayout(podcasts)

        self.folder = QLineEdit(str(data_dir))
        self.folder.setReadOnly(True)
        self.folder.setAccessibleName(_("Folder where Samen keeps your data"))
        self.open_folder = QPushButton(_("&Open folder"))
        self.open_folder.clicked.connect(self._open_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.open_folder)
        move_note = QLabel(
            _(
                "Your courses, episodes and answers are kept in this folder. To keep them "
                "somewhere else, close Samen, move the folder, and start Samen with "
                "--data-dir and the new folder, or set {variable} to it."
            ).format(variable=ENV_DATA_DIR)
        )
        move_note.setWordWrap(True)
        move_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.tint(move_note, "muted")
        data = QVBoxLayout()
        data.addLayout(folder_row)
        data.addWidget(move_note)
        data_box = QGroupBox(_("Your data"))
        data_box.setLayout(data)

        self.problem = QLabel()
        self.problem.setObjectName("settingsProblem")
        self.problem.setWordWrap(True)
        theme.tint(self.problem, "error")
        self.problem.hide()

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            _("&Save"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(
            _("&Cancel"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        body = QWidget()
        column = QVBoxLayout(body)
        for box in (looks_box, downloads_box, podcasts_box, data_box):
            column.addWidget(box)
        column.addStretch(1)
        # On a small screen or at a large scale the form scrolls; the buttons stay in view.
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard goes to the fields
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.problem)
        outer.addWidget(self.buttons)
        self._fit(body)

    # -- building -------------------------------------------------------------------------------

    @staticmethod
    def _buddy(text: str, field: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(field)
        return label

    @staticmethod
    def _select(combo: QComboBox, code: str) -> None:
        index = combo.findData(code)
        combo.setCurrentIndex(max(index, 0))

    def _fit(self, body: QWidget) -> None:
        wanted = body.sizeHint()
        width, height = wanted.width() + 40, wanted.height() + 90
        screen = self.screen()
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, int(available.width() * 0.9))
            height = min(height, int(available.height() * 0.9))
        self.resize(width, height)

    # -- reacting -------------------------------------------------------------------------------

    def _language_chosen(self, _index: int) -> None:
        self.language_note.setVisible(self.language.currentData() != self._language_at_open)

    def _theme_chosen(self, _index: int) -> None:
        self._show_theme(str(self.theme.currentData()))

    def _show_theme(self, choice: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            Theme.apply(app, choice)
        self.theme_changed.emit(choice)

    def _open_folder(self) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._data_dir))):
            self._say(
                _("Samen could not open the folder. You find your data in {folder}.").format(
                    folder=self._data_dir
                )
            )

    def _say(self, sentence: str) -> None:
        self.problem.setText(sentence)
        self.problem.show()

    # -- saving ---------------------------------------------------------------------------------

    def problems(self) -> tuple[str, QLineEdit] | None:
        """The first value that cannot be used, as a sentence and its field; None if all can."""
        budget = _number(self.budget.text())
        if budget is None or budget < 0 or budget > MAX_BUDGET_GB:
            return (
                _(
                    "Space for episodes needs a number of gigabytes, such as 2 or 0.5 "
                    "(0 means episodes are not downloaded automatically)."
                ),
                self.budget,
            )
        if self.clean_up.isChecked():
            hours = _number(self.keep_hours.text())
            if hours is None or hours < 0 or hours > MAX_KEEP_HOURS:
                return (
                    _("Keep played episodes for a number of hours, such as 24 or 168 for a week."),
                    self.keep_hours,
                )
        return None

    def save(self) -> None:
        """Check the form, put the values in the settings, write them on a worker; the window
        closes once they are written."""
        if self.saving:
            return
        problem = self.problems()
        if problem is not None:
            sentence, field = problem
            self._say(sentence)
            field.setFocus()
            field.selectAll()
            return
        self.problem.hide()
        settings = self._settings
        settings.set("language", str(self.language.currentData()))
        settings.set("theme", str(self.theme.currentData()))
        settings.set("download_unmetered_only", self.unmetered.isChecked())
        settings.set("podcast_clean_up", self.clean_up.isChecked())
        # Only what the learner changed: re-reading a rounded "1.95" must not move 2000 MB.
        if self.budget.text().strip() != self._budget_at_open:
            budget = _number(self.budget.text())
            assert budget is not None  # checked by problems()
            settings.set("podcast_budget_mb", budget * MB_PER_GB)
        keep = _number(self.keep_hours.text())
        if self.keep_hours.text().strip() != self._keep_at_open and keep is not None:
            settings.set("podcast_delete_played_after_h", keep)
        self._set_saving(True)
        self._runner.submit(settings.save, self._saved, self._save_failed)

    def _set_saving(self, saving: bool) -> None:
        self.saving = saving
        self.save_button.setEnabled(not saving)
        self.save_button.setText(_("Saving…") if saving else _("&Save"))

    def _saved(self, _result: object) -> None:
        self._set_saving(False)
        self._theme_at_open = str(self.theme.currentData())
        self.settings_changed.emit()
        self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        self._theme_at_open = str(self.theme.currentData())  # it applies until Samen closes
        self._say(
            _(
                "Your settings could not be saved, so they last only until Samen closes. {reason}"
            ).format(reason=_reason(exc))
        )

    def reject(self) -> None:
        """Cancel: the theme shown when the window opened comes back."""
        if self.saving:
            return  # closing now would leave the learner not knowing whether it was saved
        if self.theme.currentData() != self._theme_at_open:
            self._show_theme(self._theme_at_open)
        super().reject()
