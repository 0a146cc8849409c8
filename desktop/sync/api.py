"""HTTP client for the academy's /v1 API (requests). Worker threads / CLI; never the UI thread.

Every network failure becomes a domain error with a learner-facing message: OfflineError when
nothing answered, CaptivePortalError when something other than the academy answered, AuthError on
401, ProtocolError on a reply that breaks the contract, ServerError otherwise. Redirects are never
followed: the academy does not redirect, a captive portal does.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote, urljoin, urlsplit

from desktop import __version__
from desktop.domain.account import LoginResult, User
from desktop.domain.course import CourseDetail, CourseSummary
from desktop.domain.errors import (
    AuthError,
    BatchTooLargeError,
    CaptivePortalError,
    OfflineError,
    ProtocolError,
    ServerBusyError,
    ServerError,
)
from desktop.domain.sync import OutboxItem, PullPage, PushReply
from desktop.language import catalogue
from desktop.language.catalogue import _
from desktop.sync import wire
from desktop.sync.backoff import Backoff

if TYPE_CHECKING:
    import requests

TokenSource = Callable[[], str | None]


# A frozen academy (it accepts the connection, then never answers) must not hold a sync for
# the full read timeout: connecting and the health probe get short bounds of their own. The
# read timeout (15 s) covers the academy's longest wait for a worker (--queue-wait, 5 s by
# default: after that it answers 503 busy at once) plus a full batch's work.
CONNECT_TIMEOUT_S = 5.0
HEALTH_TIMEOUT_S = 5.0
MAX_RETRY_AFTER_S = 3600.0  # a server asking for more is treated as asking for an hour
# A class logging in at 9:00 meets an academy at capacity (503 busy): the learner's click waits
# and tries again, up to this many times and this long in all, before it says so.
LOGIN_TRIES = 4
LOGIN_WAIT_S = 30.0


BUSY = "The academy is busy; Samen will try again shortly."
SERVER_FAILED = "The academy ran into a problem and could not answer. Samen will try again later."
# The academy's own 400s name fields and limits, for its log, not for a learner.
UNREADABLE_REQUEST = "The academy could not read what Samen sent. Samen will try again later."
_UNREADABLE_CODES = frozenset({"invalid_request", "too_deep"})


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - datetime.now(UTC)).total_seconds()), MAX_RETRY_AFTER_S)


def _shed(response: requests.Response) -> bool:
    """The academy turned the request away before running it (server.admission): 503 busy."""
    if response.status_code != 503:
        return False
    try:
        envelope = wire.error_envelope(wire.body(response.content))
    except ValueError:
        return False
    return envelope is not None and envelope[0] == "busy"


def normalize_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            _(
                "{address} is not a server address (expected e.g. https://academy.example.org)"
            ).format(address=repr(url))
        )
    return url


class ApiClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: TokenSource | None = None,
        timeout: float = 15.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = normalize_url(base_url)
        self._sleep = sleep
        self._token = token or (lambda: None)
        self._timeout = timeout
        self._http = session
        if session is not None:
            session.headers["User-Agent"] = f"Samen/{__version__}"
            session.headers["Accept-Language"] = catalogue.language()

    @property
    def _session(self) -> requests.Session:
        # requests (with urllib3, ssl, charset detection: about 13 MB) is loaded by the first
        # request, not with the app: offline for days in the field, Samen never needs it.
        if self._http is None:
            import requests

            self._http = requests.Session()
            self._http.headers["User-Agent"] = f"Samen/{__version__}"
            # The academy answers (refusals, errors) in the learner's language.
            self._http.headers["Accept-Language"] = catalogue.language()
        return self._http

    def _offline_at_once(self) -> None:
        """Raise OfflineError when nothing listens at the academy's address, told by one TCP
        connect and without loading the HTTP stack (see `_session`). Only where requests
        would connect directly too: on Linux with no proxy set in the environment (requests
        reads proxies from there; elsewhere the system's settings may name one)."""
        if not sys.platform.startswith("linux") or any(
            key.lower().endswith("_proxy") and value for key, value in os.environ.items()
        ):
            return
        parts = urlsplit(self.base_url)
        if not parts.hostname:
            return
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection(
                (parts.hostname, port), timeout=min(CONNECT_TIMEOUT_S, self._timeout)
            ):
                pass
        except OSError as exc:
            raise OfflineError(self._offline_words()) from exc

    def _offline_words(self) -> str:
        return _(
            "Cannot reach the academy at {address}. You are offline; your work is kept "
            "and continues when the connection is back."
        ).format(address=self.base_url)

    def _failed_words(self, exc: Exception) -> str:
        return _("Talking to {address} failed: {problem}").format(
            address=self.base_url, problem=exc
        )

    # -- transport -----------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        data: bytes | IO[bytes] | None = None,
        read_timeout: float | None = None,
    ) -> requests.Response:
        import requests

        sent = {"Accept": "application/json", **(headers or {})}
        if auth:
            token = self._token()
            if not token:
                raise AuthError(_("You are not logged in. Please log in to the academy."))
            sent["Authorization"] = f"Bearer {token}"
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                headers=sent,
                json=json,
                data=data,
                timeout=(
                    min(CONNECT_TIMEOUT_S, self._timeout),
                    self._timeout if read_timeout is None else read_timeout,
                ),
                allow_redirects=False,
                stream=stream,
            )
        except requests.exceptions.SSLError as exc:
            raise CaptivePortalError(
                _(
                    "The connection to {address} is not secure (certificate problem). "
                    "You may be behind a network login page."
                ).format(address=self.base_url)
            ) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise OfflineError(self._offline_words()) from exc
        except requests.RequestException as exc:
            raise OfflineError(self._failed_words(exc)) from exc
        if 300 <= response.status_code < 400:
            response.close()
            where = response.headers.get("Location")
            raise CaptivePortalError(
                _(
                    "{address} redirected to {page}; you may need to log in to this network first."
                ).format(address=self.base_url, page=where)
                if where
                else _(
                    "{address} redirected to another page; you may need to log in to this "
                    "network first."
                ).format(address=self.base_url)
            )
        return response

    def stream(self, path: str, headers: Mapping[str, str] | None = None) -> requests.Response:
        """GET `path` with the body left unread (stream=True), for large media files.

        Bearer auth, no redirects, errors mapped like every other call; on success the caller
        owns the response and must close it. Only the status and headers have been read here,
        so an error while reading the body surfaces as requests' own exception."""
        import requests

        response = self._request("GET", path, headers=headers, stream=True)
        if response.status_code < 300:
            return response
        try:
            try:
                self._checked(response)  # reads the (small) error body and raises
            except requests.RequestException as exc:
                raise OfflineError(self._failed_words(exc)) from exc
            raise ProtocolError(
                _("Unexpected HTTP {status} for {path}.").format(
                    status=response.status_code, path=path
                )
            )
        finally:
            response.close()

    def upload_request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes | IO[bytes] | None = None,
        *,
        auth: bool = True,
    ) -> requests.Response:
        """One tus request (desktop/sync/uploads.py): bearer auth, no redirects, network
        failures mapped as for every call. The reply is returned whatever its status, because
        tus answers with statuses the caller acts on (404, 409, 410, 423, 460); hand any other
        failure to `raise_for`. A file-like `body` is streamed, never read whole."""
        return self._request(method, path, auth=auth, headers=headers, data=body)

    def raise_for(self, response: requests.Response) -> NoReturn:
        """Raise the domain error for a failed reply, exactly as every other call does."""
        import requests

        try:
            self._checked(response)
        except requests.RequestException as exc:
            raise OfflineError(self._failed_words(exc)) from exc
        finally:
            response.close()
        raise ProtocolError(
            _("Unexpected HTTP {status} from the academy.").format(status=response.status_code)
        )

    @staticmethod
    def peer_recording_path(submission_id: str) -> str:
        """The URL path of a peer submission's recording (its author and reviewers only)."""
        return f"/v1/peer/submissions/{quote(submission_id, safe='')}/recording"

    @staticmethod
    def media_path(course_id: str, path: str) -> str:
        """The URL path of one course media file (its manifest path keeps its slashes)."""
        return f"/v1/courses/{quote(course_id, safe='')}/media/{quote(path, safe='/')}"

    def _json(self, response: requests.Response) -> Any:
        try:
            return wire.body(response.content)
        except ValueError:
            raise ProtocolError(
                _("The server answered with something that is not JSON (HTTP {status}).").format(
                    status=response.status_code
                )
            ) from None

    def _checked(self, response: requests.Response) -> Any:
        if response.status_code < 400:
            return self._json(response) if response.content else None
        try:
            body = wire.body(response.content)
        except ValueError:
            body = None
        envelope = wire.error_envelope(body)
        code, message = envelope or ("http_" + str(response.status_code), response.reason or "")
        if response.status_code == 401:
            raise AuthError(message or "Your login is no longer valid. Please log in again.")
        if response.status_code in (429, 503) or code == "push_in_progress":
            # A wait, never a refusal: the academy sheds load with 503 busy + Retry-After (a
            # proxy's bare 503 says "Service Unavailable", no sentence for a learner).
            raise ServerBusyError(
                message if envelope is not None and message else BUSY,
                retry_after=retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code == 413:
            raise BatchTooLargeError(message or "The academy refused a batch as too large.")
        if envelope is None and response.status_code >= 500:
            # A bare crash page ("Internal Server Error") is no sentence for a learner.
            message = SERVER_FAILED
        if response.status_code == 400 and code in _UNREADABLE_CODES:
            message = UNREADABLE_REQUEST
        raise ServerError(
            message or f"The server reported an error (HTTP {response.status_code}).",
            code=code,
            status=response.status_code,
        )

    # -- endpoints -----------------------------------------------------------------------------

    def health(self) -> None:
        """Raise unless the academy itself answers (no redirect, the expected JSON)."""
        self._offline_at_once()
        response = self._request(
            "GET", "/v1/health", auth=False, read_timeout=min(HEALTH_TIMEOUT_S, self._timeout)
        )
        try:
            body = wire.body(response.content)
        except ValueError:
            body = None
        if response.status_code != 200 or not wire.health(body):
            raise CaptivePortalError(
                _(
                    "Something answered at {address}, but it is not a Samen academy. "
                    "You may need to log in to this network first."
                ).format(address=self.base_url)
            )

    def login(self, username: str, password: str, client_id: str) -> LoginResult:
        backoff = Backoff()
        waited = 0.0
        for attempt in range(LOGIN_TRIES):
            response = self._request(
                "POST",
                "/v1/auth/login",
                auth=False,
                json={"username": username, "password": password, "client_id": client_id},
            )
            if not _shed(response):
                return wire.login_reply(self._checked(response))
            response.close()
            delay = backoff.next_delay(retry_after(response.headers.get("Retry-After")) or 1.0)
            if attempt == LOGIN_TRIES - 1 or waited + delay > LOGIN_WAIT_S:
                break
            self._sleep(delay)
            waited += delay
        # Not "Samen will try again": nobody logs in for the learner.
        raise ServerBusyError(
            _("The academy is too busy to log you in right now. Please try again in a minute.")
        )

    def logout(self) -> None:
        self._checked(self._request("POST", "/v1/auth/logout"))

    def me(self) -> User:
        return wire.me(self._checked(self._request("GET", "/v1/me")))

    def courses(self) -> list[CourseSummary]:
        return wire.course_list(self._checked(self._request("GET", "/v1/courses")))

    def podcast_feeds(self) -> list[tuple[str, str]]:
        """The academy's podcast feeds as (title, absolute URL)."""
        feeds = wire.podcast_feeds(self._checked(self._request("GET", "/v1/podcasts")))
        return [(title, urljoin(self.base_url + "/", path)) for title, path in feeds]

    def course(self, course_id: str) -> CourseDetail:
        path = "/v1/courses/" + quote(course_id, safe="")
        return wire.course_detail(self._checked(self._request("GET", path)))

    def small_media(self, course_id: str, path: str, limit: int) -> bytes:
        """One small course file whole (a cover), refused once it runs past `limit` bytes."""
        import requests

        response = self.stream(self.media_path(course_id, path))
        data = bytearray()
        try:
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > limit:
                    raise ProtocolError(_("The academy sent a file larger than it said."))
        except requests.RequestException as exc:
            raise OfflineError(self._failed_words(exc)) from exc
        finally:
            response.close()
        return bytes(data)

    def manifest(self, course_id: str) -> Any:
        """The course's SignedManifest document, unparsed: it is verified as signed bytes."""
        path = "/v1/courses/" + quote(course_id, safe="") + "/manifest"
        return self._checked(self._request("GET", path))

    def push(self, client_id: str, items: Sequence[OutboxItem]) -> PushReply:
        body = {
            "client_id": client_id,
            "mutations": [
                {
                    "seq": item.seq,
                    "mutation_id": item.mutation_id,
                    "name": item.name,
                    "args": item.args,
                    "created_at": item.created_at,
                }
                for item in items
            ],
        }
        return wire.push_reply(self._checked(self._request("POST", "/v1/sync/push", json=body)))

    def pull(self, client_id: str, cursor: str, acked_seq: int, limit: int = 500) -> PullPage:
        query = f"?client_id={quote(client_id)}&cursor={quote(cursor)}&acked_seq={acked_seq}"
        path = f"/v1/sync/pull{query}&limit={limit}"
        return wire.pull_reply(self._checked(self._request("GET", path)))
