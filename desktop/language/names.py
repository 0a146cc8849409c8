"""Names of languages in the learner's own ("Nederlands", "Engels" / "Dutch", "English"), for
saying what a lesson or an episode is in. Any thread; reads the locale formats.use set.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from desktop.language import formats


def language_name(tag: str) -> str:
    """The language of a tag such as "nl", "en-gb" or "nl_BE", named in the learner's
    language (without the region); "" for an empty or unknown tag."""
    code = tag.strip().replace("-", "_")
    if not code:
        return ""
    try:
        language = Locale.parse(code)
        name = language.get_language_name(Locale.parse(formats.locale_name()))
    except (UnknownLocaleError, ValueError, TypeError):
        return ""
    return name or ""
