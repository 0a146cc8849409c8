"""argparse's own words ("usage:", "positional arguments", "the following arguments are
required: %s") in the learner's language. Main thread, once, before the parser is built.

argparse looks its sentences up through its module-level `_` and `ngettext` (GNU gettext's,
domain "messages") each time it shows one. `speak_for_argparse` points those two names at
Samen's catalogue instead, so `samen --help` and a usage error read like the rest of the
command. The sentences below are argparse's, word for word (as CPython 3.11 says them; a test
checks the running Python still does), marked so that `scripts/translations.sh extract` puts
them in the catalogue; argparse's messages for the programmer (a malformed parser) are left
out: a learner never sees them.
"""

from __future__ import annotations

import argparse

from desktop.language import catalogue
from desktop.language.catalogue import N_

# Translators: argparse's words for `samen --help` and usage errors. Keep every %s, %r and
# %(name)s exactly as it is; "usage: " ends with a space.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
)


def _plural_marks() -> None:
    """Never called: marks argparse's one counted sentence the learner can meet for
    extraction (pybabel finds plurals only in `ngettext` calls)."""
    catalogue.ngettext("expected %s argument", "expected %s arguments", 2)


def speak_for_argparse() -> None:
    """From now on argparse speaks the language `desktop.language.catalogue` has installed."""
    # argparse reads these module globals at call time (`_('usage: ')`), so rebinding them
    # is enough; nothing of gettext's global state changes.
    argparse._ = catalogue._  # type: ignore[attr-defined]
    argparse.ngettext = catalogue.ngettext  # type: ignore[attr-defined]
