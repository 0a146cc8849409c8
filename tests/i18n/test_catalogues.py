"""The client's catalogues are complete: every sentence the code marks is in `nl` and `en`,
translated, not fuzzy, with the same placeholders and both plural forms; and they compile."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo

from desktop.language import catalogue
from tests.i18n import catalogue_check
from tests.i18n.catalogue_check import Source, catalog, problems, source_messages, stale

LANGUAGES = ("nl", "en")


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    found = list(source_messages())
    assert len(found) > 1  # the extraction itself works
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_source_sentence_is_translated(language: str, sources: list[Source]) -> None:
    found = problems(sources, catalog(language), unplaced=frozenset({"n"}))
    assert not found, f"{len(found)} in {language}:\n" + "\n".join(found[:60])


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_holds_nothing_the_code_no_longer_says(
    language: str, sources: list[Source]
) -> None:
    """A sentence removed from the code leaves the catalogue (`translations.sh update`)."""
    left = stale(sources, catalog(language))
    assert not left, f"{language} keeps sentences the code no longer has: {left[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_compiles_with_its_plural_forms(language: str) -> None:
    po = catalog(language)
    assert po.num_plurals == 2  # one and other, in Dutch as in English
    errors = [(m.id, e) for m, errs in po.check() for e in errs]
    assert not errors
    compiled = io.BytesIO()
    write_mo(compiled, po)
    compiled.seek(0)
    loaded = gettext.GNUTranslations(compiled)
    assert loaded.ngettext("x", "y", 1) == "x"  # an unknown message is the source's


def test_the_compiled_catalogues_load() -> None:
    """`scripts/setup.sh` compiles them; the client finds and installs them."""
    try:
        for language in LANGUAGES:
            assert catalogue.loaded(language)
            assert catalogue.install(language) == language
    finally:
        catalogue.install("en")


@pytest.mark.parametrize(
    ("domain", "root"),
    [
        ("samen", catalogue_check.TRANSLATIONS),
        ("academy", catalogue_check.ROOT / "server" / "translations"),
    ],
)
def test_the_english_catalogues_say_each_sentence_as_the_code_does(domain: str, root: Path) -> None:
    """English is the source: a sentence there that differs from its source is a guess of
    pybabel's from a neighbouring sentence ("The exercise" said as "The text is empty.")."""
    differ = []
    for message in catalog("en", domain, root):
        if not message.id:
            continue
        source = tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)
        said = (
            tuple(message.string) if isinstance(message.string, tuple | list) else (message.string,)
        )
        if said != source:
            differ.append(f"{source[0]!r} -> {said[0]!r}")
    assert not differ, "\n".join(differ)
