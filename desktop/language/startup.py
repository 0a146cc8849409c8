"""Speaking the learner's language from the first word: chooses it (Settings, else the system)
and installs the catalogue and the locale. Main thread, once, before any window or worker."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from desktop.language import catalogue, formats
from desktop.language.choice import Speech, choose


def speak(
    setting: str,
    environ: Mapping[str, str] | None = None,
    ui_languages: Iterable[str] = (),
) -> Speech:
    """Install the language `setting` asks for ("" follows the system); returns what is used."""
    speech = choose(setting, os.environ if environ is None else environ, ui_languages)
    used = catalogue.install(speech.language)
    if used != speech.language:  # its catalogue is missing: English words, English dates
        speech = choose(used, {}, ())
    formats.use(speech.locale)
    return speech
