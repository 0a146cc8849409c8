"""argparse speaks the learner's language through Samen's catalogue (desktop/cli_words.py):
the sentences marked there are the running Python's argparse's own, and a usage error and the
help read Dutch once Dutch is installed."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Iterator

import pytest

from desktop.cli_parser import build_parser
from desktop.cli_words import ARGPARSE_MESSAGES, speak_for_argparse
from desktop.language import catalogue


@pytest.fixture
def dutch() -> Iterator[None]:
    catalogue.install("nl")
    speak_for_argparse()
    try:
        yield
    finally:
        catalogue.install("en")


def test_the_marked_sentences_are_argparses_own() -> None:
    source = inspect.getsource(argparse)
    missing = [m for m in ARGPARSE_MESSAGES if repr(m) not in source and f'"{m}"' not in source]
    assert not missing, f"argparse no longer says: {missing}"


def test_a_usage_error_and_the_help_are_dutch(
    dutch: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["poll", "vote", "p1"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "gebruik: samen poll vote [-h] PEILING OPTIE" in error
    assert "samen poll vote: fout: deze argumenten zijn verplicht: OPTIE" in error
    help_text = build_parser().format_help()
    assert "positionele argumenten:" in help_text and "deze hulptekst tonen en stoppen" in help_text
