"""The academy's own catalogues (domain academy, server/translations) are complete: every
sentence the server marks is in `nl` and `en`, translated, not fuzzy, with the same
placeholders and both plural forms; they compile and the server finds them."""

from __future__ import annotations

import ast
import gettext
import io

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from server import language
from tests.i18n.catalogue_check import ROOT, Source, catalog, problems, source_messages, stale

LANGUAGES = ("nl", "en")
SERVER_TRANSLATIONS = ROOT / "server" / "translations"


def _catalog(lang: str) -> Catalog:
    return catalog(lang, domain="academy", root=SERVER_TRANSLATIONS)


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    found = list(source_messages("server"))
    assert len(found) > 100  # the extraction itself works
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_server_sentence_is_translated(lang: str, sources: list[Source]) -> None:
    found = problems(sources, _catalog(lang))
    assert not found, f"{len(found)} in {lang}:\n" + "\n".join(found[:60])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_server_catalogue_holds_nothing_the_code_no_longer_says(
    lang: str, sources: list[Source]
) -> None:
    left = stale(sources, _catalog(lang))
    assert not left, f"{lang} keeps sentences the server no longer has: {left[:20]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_server_catalogue_compiles_with_its_plural_forms(lang: str) -> None:
    po = _catalog(lang)
    assert po.num_plurals == 2
    assert not [(m.id, e) for m, errs in po.check() for e in errs]
    compiled = io.BytesIO()
    write_mo(compiled, po)
    compiled.seek(0)
    assert gettext.GNUTranslations(compiled).gettext("x") == "x"


def test_the_server_finds_its_compiled_catalogues() -> None:
    """`scripts/setup.sh` compiles them next to the server package (its package data)."""
    for lang in LANGUAGES:
        assert language.loaded(lang)
    with language.use("nl"):
        assert language._("Not found.") == "Niet gevonden."
    assert language._("Not found.") == "Not found."


def test_no_sentence_hides_inside_an_f_string() -> None:
    """pybabel does not read the expressions of an f-string: a `_(...)` there would be shown
    translated by nobody, and the completeness test above would not see it."""
    hidden: list[str] = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id in ("_", "ngettext", "N_")
                ):
                    hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not hidden, hidden
