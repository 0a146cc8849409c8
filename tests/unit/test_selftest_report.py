"""`run_selftest`: a check that raises is reported as a failure and the others still run."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop import selftest
from desktop.paths import resolve_paths


def test_a_check_that_raises_fails_with_its_error_and_the_rest_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> selftest.Check:
        raise ImportError("libQt6Multimedia.so.6: cannot open shared object file")

    monkeypatch.setattr(selftest, "_certificates", broken)
    monkeypatch.setattr(selftest, "_keyring", lambda: selftest.Check("keyring", True, "stub"))
    monkeypatch.setattr(selftest, "_audio", lambda: selftest.Check("audio", True, "stub"))
    lines: list[str] = []
    assert selftest.run_selftest(resolve_paths(tmp_path), lines.append) == 1
    assert lines[1].startswith("ok    store: ")
    assert lines[3] == (
        "FAIL  https: ImportError: libQt6Multimedia.so.6: cannot open shared object file"
    )
    assert lines[4:] == ["ok    keyring: stub", "ok    audio: stub", "1 check(s) failed."]
