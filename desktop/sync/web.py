"""Plain HTTP(S) to anywhere on the web: podcast feeds, their chapters and transcripts, and
episode audio. Worker threads / CLI.

Unlike ApiClient this talks to hosts Samen does not control, so it is careful: only http(s),
a size limit on everything it reads into memory, conditional GET for feeds (ETag and
Last-Modified), and errors turned into sentences. No credentials are ever sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from desktop import __version__
from desktop.domain.errors import FeedError, OfflineError
from desktop.language import formats
from desktop.language.catalogue import N_, _

MAX_FEED_BYTES = 20 * 1024 * 1024  # a feed of 3,000 episodes with show notes is ~10 MB
MAX_SIDE_FILE_BYTES = 2 * 1024 * 1024  # chapters and transcripts
USER_AGENT = f"Samen/{__version__} (offline learning app; podcast client)"

if TYPE_CHECKING:
    import requests


@dataclass(frozen=True, slots=True)
class Fetched:
    """A body read into memory, or `not_modified` (HTTP 304) with no body."""

    url: str  # after redirects
    content: bytes
    content_type: str
    etag: str
    last_modified: str
    not_modified: bool = False


def check_web_url(url: str) -> str:
    """The URL, stripped, if it is an http(s) address with a host; FeedError otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError(
            _("{address} is not a web address (it should start with https://).").format(address=url)
            if url
            else _("That is not a web address (it should start with https://).")
        )
    return url


class WebClient:
    def __init__(self, timeout: float = 20.0, session: requests.Session | None = None) -> None:
        self.timeout = timeout
        self._http = session
        if session is not None:
            self._prepare(session)

    @staticmethod
    def _prepare(session: requests.Session) -> None:
        session.headers["User-Agent"] = USER_AGENT
        session.trust_env = False  # no proxy or .netrc credentials for strangers' hosts

    @property
    def _session(self) -> requests.Session:
        # Made at the first fetch: requests is loaded only when a feed is read (ApiClient).
        if self._http is None:
            import requests

            self._http = requests.Session()
            self._prepare(self._http)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def fetch(
        self,
        url: str,
        *,
        max_bytes: int = MAX_FEED_BYTES,
        etag: str = "",
        last_modified: str = "",
        what: str = "feed",
    ) -> Fetched:
        """GET `url` into memory (at most `max_bytes`); conditional when validators are given."""
        import requests

        url = check_web_url(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = self.stream(url, headers)
        try:
            final = response.url or url
            if response.status_code == 304:
                return Fetched(final, b"", "", etag, last_modified, not_modified=True)
            if response.status_code != 200:
                raise FeedError(_status_message(url, response.status_code, what))
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise FeedError(_too_big(url, what, max_bytes))
            body = bytearray()
            try:
                for chunk in response.iter_content(64 * 1024):
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise FeedError(_too_big(url, what, max_bytes))
            except (requests.RequestException, OSError) as exc:
                raise OfflineError(
                    _("The connection dropped while reading {address}.").format(address=url)
                ) from exc
            return Fetched(
                final,
                bytes(body),
                response.headers.get("Content-Type", ""),
                response.headers.get("ETag", ""),
                response.headers.get("Last-Modified", ""),
            )
        finally:
            response.close()

    def stream(self, url: str, headers: Mapping[str, str] | None = None) -> requests.Response:
        """GET with the body unread (the caller closes it); fits sync.transfer's MediaSource
        with absolute URLs, so episode downloads resume like course media."""
        import requests

        url = check_web_url(url)
        try:
            return self._session.get(
                url, headers=dict(headers or {}), stream=True, timeout=self.timeout
            )
        except requests.exceptions.InvalidURL as exc:
            raise FeedError(
                _("{address} is not a valid address ({problem}).").format(address=url, problem=exc)
            ) from exc
        except (requests.RequestException, OSError) as exc:
            host = urlsplit(url).hostname
            raise OfflineError(
                _(
                    "Could not reach {host}; the podcast is fetched again when you are online."
                ).format(host=host)
            ) from exc


# What went wrong with each kind of file `fetch` reads (its `what`), as whole sentences:
# gone, private, failed, too big. Marked here, translated where raised.
_SENTENCES = {
    "feed": (
        N_("The feed at {address} is gone (HTTP {status}); the podcast may have moved."),
        N_("The feed at {address} is private (HTTP {status}); Samen cannot log in to it."),
        N_("The feed at {address} could not be fetched (HTTP {status}); trying again later."),
        N_(
            "The feed at {address} is larger than {size}; Samen does not read it, so your "
            "library stays as it was."
        ),
    ),
    "artwork": (
        N_("The artwork at {address} is gone (HTTP {status}); the podcast may have moved."),
        N_("The artwork at {address} is private (HTTP {status}); Samen cannot log in to it."),
        N_("The artwork at {address} could not be fetched (HTTP {status}); trying again later."),
        N_(
            "The artwork at {address} is larger than {size}; Samen does not read it, so your "
            "library stays as it was."
        ),
    ),
    "side file": (
        N_("The file at {address} is gone (HTTP {status}); the podcast may have moved."),
        N_("The file at {address} is private (HTTP {status}); Samen cannot log in to it."),
        N_("The file at {address} could not be fetched (HTTP {status}); trying again later."),
        N_(
            "The file at {address} is larger than {size}; Samen does not read it, so your "
            "library stays as it was."
        ),
    ),
}


def _status_message(url: str, status: int, what: str) -> str:
    gone, private, failed, _too_large = _SENTENCES.get(what, _SENTENCES["side file"])
    if status in (404, 410):
        sentence = gone
    elif status in (401, 403):
        sentence = private
    else:
        sentence = failed
    return _(sentence).format(address=url, status=status)


def _too_big(url: str, what: str, max_bytes: int) -> str:
    too_large = _SENTENCES.get(what, _SENTENCES["side file"])[3]
    size = _("{n} MB").format(n=formats.number(max_bytes // (1024 * 1024)))
    return _(too_large).format(address=url, size=size)
