"""No sentence reaches a person without the catalogue: a text literal passed straight to a Qt
setter, a widget, a message box or the CLI's `print` (instead of through `_()`) fails, wherever
it is. The Dutch walk (test_window_dutch.py) sees what is on screen; this sees what is not shown
in a walk: message boxes, error states, rare branches."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from tests.i18n.catalogue_check import ROOT

# Calls whose text arguments a person reads.
_SHOWN = frozenset(
    {
        "setText",
        "setToolTip",
        "setWindowTitle",
        "setPlaceholderText",
        "setAccessibleName",
        "setAccessibleDescription",
        "setStatusTip",
        "setWhatsThis",
        "addAction",
        "addItem",
        "addItems",
        "addTab",
        "insertTab",
        "setTabText",
        "setTabToolTip",
        "showMessage",
        "setTitle",
        "setHeaderLabels",
        "setHorizontalHeaderLabels",
        "setLabelText",
        "setInformativeText",
        "setDetailedText",
        "information",
        "warning",
        "critical",
        "question",
        "about",
        "getOpenFileName",
        "getSaveFileName",
        "getExistingDirectory",
        "addRow",
        "addButton",
        "setFormat",
        "setSuffix",
        "setPrefix",
        "setSpecialValueText",
        "QLabel",
        "QPushButton",
        "QAction",
        "QGroupBox",
        "QCheckBox",
        "QRadioButton",
        "QToolButton",
        "QMenu",
        "QCommandLinkButton",
        "QMessageBox",
        "print",
    }
)
_WORDS = re.compile(r"[A-Za-z]{2,}")
_CODE = re.compile(r"[a-z][a-z0-9_]*")  # "not_a_pack", "tampered": a code, not a sentence
# Not words a translator changes: markup, web addresses, key names, the program's own name.
_NOT_WORDS = re.compile(
    r"<[^>]*>|https?://\S+|\b(?:Ctrl|Alt|Shift|PgUp|PgDown|Return|Enter|Space|Esc|Tab)\b|^samen:"
)
_LOGGERS = frozenset({"_log", "log", "logger", "_logger", "logging"})
# Text that is the same in every language.
_SAME = frozenset({"Samen", "Nederlands", "English", "OK"})
_FILES = ("desktop/**/*.py",)


@cache
def _samen_errors() -> frozenset[str]:
    """Samen's own errors (desktop/domain/errors.py): their message is shown to a person."""
    tree = ast.parse((ROOT / "desktop" / "domain" / "errors.py").read_text(encoding="utf-8"))
    return frozenset(node.name for node in tree.body if isinstance(node, ast.ClassDef))


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _bare_words(node: ast.expr) -> str | None:
    """The literal words of `node` when it is text written in place (not through `_()`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    else:
        return None
    text = text.replace("&", "").strip()
    if not _WORDS.search(_NOT_WORDS.sub("", text)) or text in _SAME or _CODE.fullmatch(text):
        return None
    return text


def bare_texts(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or _name(call) not in _SHOWN | _samen_errors():
            continue
        func = call.func  # a logger's .warning(...) is for a developer, in English
        owner = func.value if isinstance(func, ast.Attribute) else None
        if isinstance(owner, ast.Name) and owner.id in _LOGGERS:
            continue
        # A `code=` is for programs (stable, English); `file=` is where print writes.
        arguments = [*call.args, *(k.value for k in call.keywords if k.arg not in {"file", "code"})]
        for argument in arguments:
            if (words := _bare_words(argument)) is not None:
                found.append(f"{path.relative_to(ROOT)}:{argument.lineno}: {words!r}")
    return found


def test_the_check_finds_bare_text(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'label.setText("Download this course")\n'
        'label.setText(_("Download this course"))\n'
        'print(f"{n} courses here")\n'
        'label.setText("·")\n'
        'QMessageBox.warning(self, "Samen", _("Nope"))\n',
        encoding="utf-8",
    )
    sample = sample.rename(ROOT / "tests" / "i18n" / "_bare_sample.py")
    try:
        assert [line.split(": ", 1)[1] for line in bare_texts(sample)] == [
            "'Download this course'",
            "'courses here'",
        ]
    finally:
        sample.unlink()


def test_no_text_reaches_a_person_without_the_catalogue() -> None:
    found = [
        line
        for pattern in _FILES
        for path in sorted(ROOT.glob(pattern))
        for line in bare_texts(path)
    ]
    assert not found, f"{len(found)} texts not through _():\n" + "\n".join(found)
