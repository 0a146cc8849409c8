"""Reading the client's source and its catalogues the way pybabel does, for the catalogue tests:
every sentence the code marks, and what each language's .po says for it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "resources" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "counted": (1, 2)}
# {name} or {n}; "{{" is a literal brace.
_PLACEHOLDER = re.compile(r"(?<!\{)\{([a-zA-Z_][a-zA-Z0-9_]*)(?:[!:][^}]*)?\}")


@dataclass(frozen=True, slots=True)
class Source:
    """One sentence as the code marks it: its id (a tuple for a plural) and where it is."""

    id: str | tuple[str, str]
    context: str | None
    where: str

    @property
    def key(self) -> str | tuple[str, str]:
        return self.id if isinstance(self.id, str) else self.id[0]


def source_messages(package: str = "desktop") -> Iterator[Source]:
    method_map = [(f"{package}/**.py", "python")]
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            message = (message[0], message[1])
        yield Source(message, context, f"{filename}:{lineno}")


def catalog(language: str, domain: str = "samen", root: Path = TRANSLATIONS) -> Catalog:
    path = root / language / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=domain)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def problems(
    sources: list[Source], po: Catalog, *, unplaced: frozenset[str] = frozenset()
) -> list[str]:
    """Each source sentence missing from `po`, untranslated or fuzzy there, or translated with
    other placeholders than its own (`unplaced` may be left out, as `{n}` in "one reply")."""
    found: list[str] = []
    for source in sources:
        message = po.get(source.key, context=source.context)
        if message is None:
            found.append(f"missing: {source.key!r} ({source.where})")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(strings):
            found.append(f"untranslated: {source.key!r} ({source.where})")
            continue
        wanted = placeholders(source.id if isinstance(source.id, str) else source.id[1])
        for string in strings:
            said = placeholders(str(string))
            if said - wanted - unplaced or (wanted - unplaced) - said:
                found.append(f"placeholders differ: {source.key!r} -> {string!r}")
    return found


def stale(sources: list[Source], po: Catalog) -> list[object]:
    """The ids `po` holds that no source sentence says any more."""
    said = {(source.key, source.context) for source in sources}
    return [
        m.id
        for m in po
        if m.id and (m.id if isinstance(m.id, str) else m.id[0], m.context) not in said
    ]
