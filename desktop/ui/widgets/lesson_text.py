"""A lesson's rendered text as part of a page that scrolls as a whole: as tall as its text, no
scroll bar of its own, images only from what the page loaded for it. UI thread.

The text never fetches anything: QTextBrowser itself does not go to the network, and
`loadResource` here only hands out the images the page read on a worker (`set_lesson`), so no disk
read happens on the UI thread either and no file outside the course's media can be shown. A
link opens in the learner's browser only when clicked (the page decides), never in place.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, QSizeF, Qt, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from desktop.language.catalogue import _
from desktop.language.formats import language_name


class LessonText(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)  # links go to anchorClicked, never navigate in place
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # The page's background, so the text reads as the page rather than a box in it.
        self.viewport().setAutoFillBackground(False)
        self.setAccessibleName(_("Lesson text"))
        self._images: dict[str, QImage] = {}
        self.document().setDocumentMargin(0)  # aligned with the title above it
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit(self.document().size())

    def set_lesson(
        self, html: str, images: dict[str, QImage] | None = None, *, language: str = ""
    ) -> None:
        """Show `html`, whose <img> sources are local files among `images` (by path, read on
        a worker); `language` is the tag of what it is written in ("nl"), which a screen
        reader hears in the description."""
        self._images = dict(images or {})
        name = language_name(language)
        self.setAccessibleDescription(
            # Translators: the accessible description of a lesson's text; {language} is "Dutch".
            _("Written in {language}").format(language=name) if name else ""
        )
        self.setHtml(html)

    def clear(self) -> None:
        self._images = {}
        super().clear()

    def image(self, url: QUrl) -> QImage:
        """The image the text shows for `url` (a null image if none)."""
        found = self.document().resource(QTextDocument.ResourceType.ImageResource.value, url)
        return found if isinstance(found, QImage) else QImage()

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802
        url = name if isinstance(name, QUrl) else QUrl(name)
        if kind != QTextDocument.ResourceType.ImageResource.value or not url.isLocalFile():
            return None
        return self._images.get(url.toLocalFile())

    def _fit(self, size: QSizeF) -> None:
        margins = self.contentsMargins()
        height = int(size.height() + 0.999) + margins.top() + margins.bottom()
        if height != self.height() or self.minimumHeight() != height:
            self.setFixedHeight(max(height, 1))

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(super().sizeHint().width(), self.height())

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        # The text re-wraps to the new width; its height follows through documentSizeChanged.
        self.document().setTextWidth(self.viewport().width())
