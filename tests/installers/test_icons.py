"""installers/make_icons.py writes a Windows .ico and a macOS .icns that hold every size, each a
PNG of the app icon; the committed icons are such files too. Main thread; the script runs in a
child process so its QGuiApplication does not meet pytest-qt's QApplication.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QColor, QImage, QImageWriter

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installers" / "make_icons.py"
ICO_SIZES = [16, 24, 32, 48, 64, 256]
ICNS_SIZES = {
    b"ic07": 128,
    b"ic08": 256,
    b"ic09": 512,
    b"ic10": 1024,
    b"ic11": 32,
    b"ic12": 64,
    b"ic13": 256,
    b"ic14": 512,
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEAL = QColor("#0b5a6b")  # the icon's background in resources/icons/samen.svg


def _png(data: bytes, size: int, where: str) -> None:
    """data is a PNG of the icon at size x size: transparent corners, teal background."""
    assert data.startswith(PNG_SIGNATURE), f"{where}: not a PNG"
    image = QImage.fromData(data)
    assert not image.isNull(), f"{where}: Qt cannot decode the PNG"
    assert (image.width(), image.height()) == (size, size), f"{where}: {image.size()}"
    assert image.hasAlphaChannel(), f"{where}: no alpha channel"
    # Rounded corners: the corner pixel is see-through, the top edge's middle is the background.
    assert image.pixelColor(0, 0).alpha() < 32, f"{where}: corner is not transparent"
    edge = image.pixelColor(size // 2, max(1, size // 32))
    assert edge.alpha() == 255, f"{where}: background not opaque"
    assert abs(edge.red() - TEAL.red()) + abs(edge.green() - TEAL.green()) < 24, where


def _check_ico(path: Path) -> None:
    data = path.read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind, count) == (0, 1, len(ICO_SIZES))
    sizes = []
    for index in range(count):
        width, height, colours, zero, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        size = width or 256  # a byte per side: 0 stands for 256
        assert (height or 256, colours, zero, planes, bits) == (size, 0, 0, 1, 32)
        assert offset >= 6 + 16 * count and offset + length <= len(data)
        _png(data[offset : offset + length], size, f"{path.name} entry {index}")
        sizes.append(size)
    assert sizes == ICO_SIZES


def _check_icns(path: Path) -> None:
    data = path.read_bytes()
    magic, total = struct.unpack_from(">4sI", data, 0)
    assert magic == b"icns" and total == len(data)
    seen: dict[bytes, int] = {}
    at = 8
    while at < len(data):
        kind, length = struct.unpack_from(">4sI", data, at)
        assert length > 8 and at + length <= len(data), f"{kind!r} overruns the file"
        assert kind in ICNS_SIZES, f"unexpected icon type {kind!r}"
        _png(data[at + 8 : at + length], ICNS_SIZES[kind], f"{path.name} {kind.decode()}")
        seen[kind] = length
        at += length
    assert at == len(data)
    assert set(seen) == set(ICNS_SIZES)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("icons")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out-dir", str(out)],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_generated_ico_holds_every_size_as_png(generated: Path) -> None:
    _check_ico(generated / "windows" / "samen.ico")


def test_generated_icns_holds_every_size_as_png(generated: Path) -> None:
    _check_icns(generated / "macos" / "samen.icns")


def test_committed_icons_are_valid() -> None:
    # The spec and the Inno Setup script use these; a stale or broken one fails here.
    _check_ico(ROOT / "installers" / "windows" / "samen.ico")
    _check_icns(ROOT / "installers" / "macos" / "samen.icns")


def test_a_file_that_is_not_an_icon_fails_the_checks(tmp_path: Path) -> None:
    # The checks above can fail: a one-image ICO, as Qt's own ICO writer makes, is refused.
    single = tmp_path / "single.ico"
    image = QImage(32, 32, QImage.Format.Format_ARGB32)
    image.fill(TEAL)
    assert QImageWriter(str(single), QByteArray(b"ico")).write(image)
    with pytest.raises(AssertionError):
        _check_ico(single)
