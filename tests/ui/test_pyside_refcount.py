"""Guard against a PySide6 release that corrupts reference counts on signal delivery.

PySide6 6.12.0 drops a reference to a shared object each time a signal reaches a callable that
takes *args (pytest-qt's waitSignal does); after a few thousand deliveries the interpreter aborts
with "bool_dealloc: deallocating True or False". pyproject pins PySide6 below 6.12; this test
fails if an upgrade brings such a bug back.
"""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

app = QApplication([])


class Source(QObject):
    flag = Signal(bool)
    number = Signal(int)


source = Source()
source.flag.connect(lambda *args: None)
source.number.connect(lambda *args: None)
for _ in range(5000):
    source.flag.emit(False)
    source.number.emit(7)
print("survived")
"""


def test_signals_to_varargs_callables_do_not_corrupt_refcounts() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "survived"
