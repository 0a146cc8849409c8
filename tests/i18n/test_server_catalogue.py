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
from tests.i18n.catalogue_check import ROOT, Source, catalog, placeholders, source_messages

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
    po = _catalog(lang)
    problems: list[str] = []
    for source in sources:
        message = po.get(source.key, context=source.context)
        if message is None:
            problems.append(f"missing: {source.key!r} ({source.where})")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(strings):
            problems.append(f"untranslated: {source.key!r} ({source.where})")
            continue
        wanted = placeholders(source.id if isinstance(source.id, str) else source.id[1])
        for string in strings:
            if placeholders(str(string)) != wanted:
                problems.append(f"placeholders differ: {source.key!r} -> {string!r}")
    assert not problems, f"{len(problems)} in {lang}:\n" + "\n".join(problems[:60])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_server_catalogue_holds_nothing_the_code_no_longer_says(
    lang: str, sources: list[Source]
) -> None:
    said = {(source.key, source.context) for source in sources}
    stale = [
        m.id
        for m in _catalog(lang)
        if m.id and (m.id if isinstance(m.id, str) else m.id[0], m.context) not in said
    ]
    assert not stale, f"{lang} keeps sentences the server no longer has: {stale[:20]}"


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
