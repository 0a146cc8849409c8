"""The command's progress line redraws itself in place on a terminal, with sizes and the time
left in the learner's locale, and stays silent when the output is a file."""

from __future__ import annotations

import io

from desktop.cli_progress import ProgressBar
from desktop.language import catalogue, formats


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_line_is_redrawn_in_dutch() -> None:
    catalogue.install("nl")
    formats.use("nl_NL")
    try:
        screen = Terminal()
        bar = ProgressBar("Importeren", stream=screen, width=4)
        bar.update(2_500_000, 10_000_000)
        bar.finish()
    finally:
        catalogue.install("en")
        formats.use("en_GB")
    written = screen.getvalue()
    assert written.startswith("\rImporteren [#...] 2,5\u00a0MB van 10,0\u00a0MB, ")
    assert "/s, nog " in written and written.endswith("\n")
    assert "\\r" not in written  # a carriage return, not a backslash and an r


def test_into_a_file_nothing_is_drawn() -> None:
    log = io.StringIO()
    bar = ProgressBar("Episodes", stream=log)
    bar.update(5, 10)
    bar.finish()
    assert log.getvalue() == ""
