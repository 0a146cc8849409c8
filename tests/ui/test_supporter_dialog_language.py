"""The supporter dialog in Dutch: its words are Dutch, and the supporter's language defaults
to the learner's own (Dutch here, English in an English Samen) and can be changed."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QLabel
from pytestqt.qtbot import QtBot

from desktop.ui.supporter_dialog import SupporterDialog


def test_the_dialog_speaks_dutch_and_asks_in_dutch_by_default(dutch: None, qtbot: QtBot) -> None:
    dialog = SupporterDialog("Leg één idee uit.", "Uitleggen ordent.")
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Een supporter om feedback vragen"
    assert dialog.chosen_language() == "nl"
    assert dialog.language.currentText() == "Nederlands"
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert {"&Naam:", "&E-mail:", "&Bericht:", "&Taal van de supporter:"} <= labels
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Vragen bij de volgende synchronisatie"
    ok.click()
    assert dialog.problem.text() == (
        "Vul de naam van je supporter in, zodat de e-mail die kan begroeten."
    )
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    assert dialog.chosen_language() == "en" and dialog.language.currentText() == "English"


def test_in_english_the_supporter_reads_english_by_default(qtbot: QtBot) -> None:
    dialog = SupporterDialog("Explain one idea.", "Explaining orders thoughts.")
    qtbot.addWidget(dialog)
    assert dialog.chosen_language() == "en" and dialog.language.currentText() == "English"
