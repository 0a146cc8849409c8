"""The window speaks the learner's language: the catalogue and locale chosen before the first
widget, and Qt's own words (standard buttons, file dialogs, context menus) from Qt's shipped
translations. Main thread, once, right after the QApplication exists."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from desktop.language.catalogue import SOURCE_LANGUAGE
from desktop.language.choice import Speech
from desktop.language.startup import speak

# Qt's own catalogues Samen's window uses: widgets and dialogs, and the media errors.
_QT_CATALOGUES = ("qtbase", "qtmultimedia")
_installed: list[QTranslator] = []


def speak_in_window(app: QApplication, setting: str) -> Speech:
    """Install the language `setting` asks for ("" follows the system) for Samen and for Qt."""
    # Windows and macOS keep the learner's choice outside the environment; Qt reads it there.
    ui_languages = QLocale.system().uiLanguages() if sys.platform != "linux" else []
    speech = speak(setting, os.environ, ui_languages)
    QLocale.setDefault(QLocale(speech.locale))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    while _installed:  # a second call (the screenshots, the tests) replaces the first's
        app.removeTranslator(_installed.pop())
    # Qt speaks English by itself: its English catalogues are loaded for no word.
    for name in _QT_CATALOGUES if speech.language != SOURCE_LANGUAGE else ():
        translator = QTranslator(app)  # parented: lives as long as the application
        if translator.load(QLocale(speech.locale), name, "_", folder):
            app.installTranslator(translator)
            _installed.append(translator)
    return speech
