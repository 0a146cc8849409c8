"""What counts as English a Dutch learner must not see: each source sentence the catalogue has
a different Dutch sentence for, and every other English-looking text literal in the client's
code (one never marked for translation). Test helper."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache

from PySide6.QtWidgets import QWidget

from tests.i18n.catalogue_check import ROOT, catalog
from tests.i18n.visible_text import plain, visible_texts

# Names and words the same in Dutch: the app, the languages' own names, brands and formats.
ALLOWED = frozenset(
    {
        "Samen",
        "Nederlands",
        "English",
        "Podcasts",
        "Podcast",
        "Forum",
        "Feedback",
        "Online",
        "Offline",
        "Help",
        "OK",
        "Home",
        "Status",
        "Download",
        "Downloads",
        "Supporters",
        "Supporter",
        "Transcript",
        "Moderator",
        "Trainer",
        "Samen — demo academy",
    }
)
_WORD = re.compile(r"[A-Za-z]{2,}")
_PLACEHOLDER = re.compile(r"\{[a-zA-Z_][a-zA-Z0-9_]*(?:[!:][^}]*)?\}")


def _pattern(template: str) -> re.Pattern[str] | None:
    """A sentence with placeholders as a pattern; None when too little of it is fixed text to
    recognise it reliably ("{n} min")."""
    fixed = _PLACEHOLDER.sub(" ", template)
    if len(_WORD.findall(fixed)) < 3:
        return None
    parts = _PLACEHOLDER.split(plain(template))
    return re.compile("^" + ".+".join(re.escape(p) for p in parts) + "$", re.DOTALL)


@dataclass
class EnglishSources:
    exact: dict[str, str] = field(default_factory=dict)  # text -> where it comes from
    patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def english(self, text: str) -> str | None:
        """Where `text` comes from when it is English source text; None when it is not."""
        if text in ALLOWED or not _WORD.search(text):
            return None
        if text in self.exact:
            return self.exact[text]
        return next((where for pattern, where in self.patterns if pattern.match(text)), None)


def _literals() -> dict[str, str]:
    """Every English-looking string constant in desktop/ (docstrings excepted)."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "desktop").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in docstrings or " " not in node.value.strip():
                    continue  # single words are keys, codes and names far more often than text
                words = plain(node.value)
                if _WORD.search(words):
                    found.setdefault(words, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@cache
def english_sources() -> EnglishSources:
    dutch = catalog("nl")
    same = set()
    sources = EnglishSources()
    for message in dutch:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or ())
        )
        for source in ids:
            if source in strings:
                same.add(plain(source))  # Dutch says it the same way ("Podcasts")
                continue
            sources.exact[plain(source)] = "catalogue"
            if (pattern := _pattern(source)) is not None:
                sources.patterns.append((pattern, f"catalogue: {source!r}"))
    for text, where in _literals().items():
        if text not in same:
            sources.exact.setdefault(text, where)
    return sources


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def english_in(widget: QWidget, seen: set[str] | None = None) -> list[str]:
    """The English (and ISO dates) a Dutch learner would read in `widget`, each with the widget
    class showing it and where the text comes from; texts in `seen` (reported elsewhere
    already) are skipped, and added to it."""
    sources = english_sources()
    found = []
    for text, shown_by in visible_texts(widget).items():
        if seen is not None:
            if text in seen:
                continue
            seen.add(text)
        if (where := sources.english(text)) is not None:
            found.append(f"{shown_by}: {text!r} ({where})")
        elif ISO_DATE.search(text):
            found.append(f"{shown_by}: {text!r} (an ISO date)")
    return found
