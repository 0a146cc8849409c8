"""Render the app icon (resources/icons/samen.svg) into the Windows .ico and the macOS .icns.

A build-time script, run by hand when the SVG changes (the outputs are committed, so Windows and
macOS builds need no extra tools); single-threaded, on the main thread of its own process:

    python installers/make_icons.py [--svg FILE] [--out-dir DIR]

writes DIR/windows/samen.ico and DIR/macos/samen.icns (DIR defaults to installers/).

Both containers are written here with `struct`, holding PNG images: Qt's ICO and ICNS writers
store one image per file, and an icon needs every size so that the OS does not blur a scaled
one. Windows reads PNG entries in an ICO since Vista; macOS reads PNG entries in an ICNS since
10.7, and the spec asks for macOS 13.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "samen.svg"
ICO_SIZES = (16, 24, 32, 48, 64, 256)
# OSType and pixel size: 1x 128/256/512, then 512@2x, 16@2x, 32@2x, 128@2x, 256@2x.
ICNS_TYPES = (
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn on a transparent size x size square, as PNG bytes (needs a QGuiApplication)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not an SVG that Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # QImageWriter, not QImage.save: PySide6's stubs and its runtime disagree on save's format.
    writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise RuntimeError(f"{size} px icon as PNG: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: Sequence[tuple[int, bytes]]) -> bytes:
    """An ICO file: ICONDIR, one 16-byte ICONDIRENTRY per image, then the PNGs (little-endian)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(pngs)
    entries, payloads = [], []
    for size, png in pngs:
        side = 0 if size >= 256 else size  # one byte per side: 0 means 256
        # width, height, palette colours, reserved, colour planes, bits per pixel, size, offset
        entries.append(struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset))
        payloads.append(png)
        offset += len(png)
    return header + b"".join(entries) + b"".join(payloads)


def icns_bytes(images: Sequence[tuple[bytes, bytes]]) -> bytes:
    """An ICNS file: 'icns' and the file length, then (OSType, length with header, data) each,
    big-endian."""
    body = b"".join(struct.pack(">4sI", kind, 8 + len(png)) + png for kind, png in images)
    return struct.pack(">4sI", b"icns", 8 + len(body)) + body


def make_icons(svg: Path, out_dir: Path) -> tuple[Path, Path]:
    """Write out_dir/windows/samen.ico and out_dir/macos/samen.icns; return their paths."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed to draw an SVG
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(["make_icons"])
    cache: dict[int, bytes] = {}

    def png(size: int) -> bytes:
        if size not in cache:
            cache[size] = render_png(svg, size)
        return cache[size]

    ico = out_dir / "windows" / "samen.ico"
    icns = out_dir / "macos" / "samen.icns"
    ico.parent.mkdir(parents=True, exist_ok=True)
    icns.parent.mkdir(parents=True, exist_ok=True)
    ico.write_bytes(ico_bytes([(size, png(size)) for size in ICO_SIZES]))
    icns.write_bytes(icns_bytes([(kind, png(size)) for kind, size in ICNS_TYPES]))
    return ico, icns


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=SVG, help="the icon to draw")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "installers")
    args = parser.parse_args(argv)
    for path in make_icons(args.svg, args.out_dir):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
