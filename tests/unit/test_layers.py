"""The architecture's import rules: import-linter contracts, and what they cannot express."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lint_imports() -> str:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    done = subprocess.run(
        [exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_import_linter_contracts_are_kept() -> None:
    out = _lint_imports()
    assert "0 broken" in out
    # Guard against a config that silently checks nothing.
    for contract in (
        "desktop layers",
        "do not import each other",
        "PySide6 never appears",
        "desktop and server never import each other",
    ):
        assert contract in out


def _imports(package: Path) -> list[tuple[Path, str]]:
    found = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(path, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.append((path, node.module))
    return found


def test_media_uses_only_qtcore_and_qtmultimedia() -> None:
    allowed = {"PySide6.QtCore", "PySide6.QtMultimedia"}
    bad = [
        (str(p.relative_to(ROOT)), name)
        for p, name in _imports(ROOT / "desktop" / "media")
        if name.startswith("PySide6") and name not in allowed
    ]
    assert bad == []


def test_every_module_starts_with_a_docstring() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for package in ("desktop", "server")
        for path in (ROOT / package).rglob("*.py")
        if "migrations/versions" not in path.as_posix()
        and path.stat().st_size
        and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []
