"""A podcast's artwork as a square: its own picture, cropped to fill, or until there is one
(not fetched yet, offline, none published) the podcast's initials on a palette colour picked
from its address, the same every time. UI thread.

`artwork_pixmap` makes the square for list thumbnails; `ArtworkView` shows it large in the
page's header. Pictures are decoded on a worker (desktop.ui.cover_images) before they get here.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QIcon, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.language.catalogue import _
from desktop.ui.widgets.course_card import initials, placeholder_color


def _paint(
    painter: QPainter,
    area: QRect,
    key: str,
    title: str,
    palette: QPalette,
    picture: QPixmap | None,
    glyph: QIcon | None,
) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    rounded = QPainterPath()
    radius = max(3.0, area.width() / 12)
    rounded.addRoundedRect(QRectF(area), radius, radius)
    painter.setClipPath(rounded)
    painter.fillRect(area, placeholder_color(palette, key))
    if picture is not None and not picture.isNull():
        # Artwork is square by the podcast directories' rules. A wide one is shown whole when
        # large (its words would be lost), on the palette's dark tone; a thumbnail is cropped.
        wide = abs(picture.width() - picture.height()) > max(picture.width() // 10, 1)
        mode = Qt.AspectRatioMode.IgnoreAspectRatio
        if wide and area.width() >= 64:
            mode = Qt.AspectRatioMode.KeepAspectRatio
            painter.fillRect(area, palette.color(QPalette.ColorRole.Dark))
        elif wide:
            mode = Qt.AspectRatioMode.KeepAspectRatioByExpanding
        scaled = picture.scaled(area.size() * picture.devicePixelRatio(), mode,
                                Qt.TransformationMode.SmoothTransformation)  # fmt: skip
        scaled.setDevicePixelRatio(picture.devicePixelRatio())
        size = scaled.deviceIndependentSize().toSize()
        x = area.left() + (area.width() - size.width()) // 2
        y = area.top() + (area.height() - size.height()) // 2
        painter.drawPixmap(QRect(x, y, size.width(), size.height()), scaled)  # clipped
        return
    if glyph is not None:
        side = area.width() // 2
        glyph.paint(
            painter,
            QRect(area.center().x() - side // 2, area.center().y() - side // 2, side, side),
            mode=QIcon.Mode.Selected,  # drawn in the highlighted text colour
        )
        return
    font = QFont()
    font.setPixelSize(max(8, area.height() * 2 // 5))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
    painter.drawText(area, Qt.AlignmentFlag.AlignCenter, initials(title))


def artwork_pixmap(
    key: str,
    title: str,
    side: int,
    palette: QPalette,
    picture: QPixmap | None,
    ratio: float,
    glyph: QIcon | None = None,
) -> QPixmap:
    """The square of `side` logical pixels, sharp on a screen of device pixel `ratio`."""
    pixmap = QPixmap(QSize(round(side * ratio), round(side * ratio)))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    _paint(painter, QRect(0, 0, side, side), key, title, palette, picture, glyph)
    painter.end()
    return pixmap


class ArtworkView(QWidget):
    def __init__(self, side: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key = ""
        self._title = ""
        self._picture: QPixmap | None = None
        self._glyph: QIcon | None = None
        self.setFixedSize(side, side)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_podcast(
        self, key: str, title: str, picture: QPixmap | None, glyph: QIcon | None = None
    ) -> None:
        """Show `picture`, else `glyph` (the podcasts icon, for all podcasts at once), else the
        initials of `title`; the colour behind comes from `key`."""
        self._key, self._title, self._glyph = key, title, glyph
        self._picture = picture if picture is not None and not picture.isNull() else None
        self.setAccessibleName(_("Artwork of {title}").format(title=title) if title else "")
        self.update()

    def has_artwork(self) -> bool:
        return self._picture is not None

    def picture(self) -> QPixmap | None:
        return self._picture

    def paintEvent(self, event: object) -> None:  # noqa: N802
        painter = QPainter(self)
        _paint(
            painter, self.rect(), self._key, self._title, self.palette(), self._picture, self._glyph
        )
