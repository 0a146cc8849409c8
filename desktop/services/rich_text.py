"""Untrusted Markdown (forum posts, lessons) to HTML that is safe to show. Any thread (CPU).

Raw HTML in the Markdown is not rendered, the result is cleaned with an allow-list
(nh3/ammonia), and links keep only http(s)/mailto targets (opened in the browser only when the
learner clicks). Images are the caller's choice: forum posts show none (a remote image would
tell a stranger when the learner reads), lessons show their own course's files.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from desktop.language.catalogue import _

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
LINK_SCHEMES = {"http", "https", "mailto"}
ImageRule = Callable[[Any, Sequence["Token"], int, Any, dict[str, Any]], str]


def _no_image(
    renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    alt = renderer.renderInlineAsText(tokens[idx].children or [], options, env) or _("image")
    # Translators: in place of an image in a forum post; {alt} is the image's description.
    return "<em>{}</em>".format(escape(_("[{alt}: images are not shown here]").format(alt=alt)))


class RichText:
    """Markdown to safe HTML. markdown-it and nh3 load on the first render, not at start-up
    (about 5 MB that a session without lessons or forum posts never needs)."""

    def __init__(self, image_rule: ImageRule = _no_image) -> None:
        self._image_rule = image_rule
        self._parser: MarkdownIt | None = None
        self._lock = threading.Lock()

    def _markdown(self) -> MarkdownIt:
        with self._lock:  # two worker threads may render the first text at once
            if self._parser is None:
                from markdown_it import MarkdownIt

                parser = MarkdownIt("commonmark", {"html": False}).enable("table")
                parser.add_render_rule("image", self._image_rule)
                self._parser = parser
            return self._parser

    def html(
        self,
        markdown: str,
        env: dict[str, Any] | None = None,
        *,
        keep_image: Callable[[str], bool] = lambda _src: False,
    ) -> str:
        def keep(tag: str, attribute: str, value: str) -> str | None:
            if tag == "img" and attribute == "src":
                # Belt and braces: only what the image rule produced and allows gets through.
                return value if keep_image(value) else None
            if tag == "a" and attribute == "href":
                return value if urlsplit(value).scheme in LINK_SCHEMES else None
            return value

        import nh3

        return nh3.clean(
            self._markdown().render(markdown, env if env is not None else {}),
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes={*LINK_SCHEMES, "file"},
            attribute_filter=keep,
            link_rel="noopener noreferrer",
        )
