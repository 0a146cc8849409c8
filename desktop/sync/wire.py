"""Turn server JSON into domain objects, checking it against the v1 wire contract. Any thread.

The server is trusted to be the academy, not to be bug-free: anything that does not match the
contract becomes a ProtocolError with a message that names the field, never a KeyError deep in
the UI. resources/contract/v1.schema.json is the reference; tests check both sides against it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from desktop.domain.account import AcademyKey, LoginResult, Role, User
from desktop.domain.course import (
    MAX_COVER_BYTES,
    CourseCover,
    CourseDetail,
    CourseSummary,
    Exercise,
    ExerciseKind,
    Lesson,
    MediaFile,
    Option,
)
from desktop.domain.errors import ProtocolError
from desktop.domain.strict_json import within_depth
from desktop.domain.sync import Change, Outcome, OutcomeStatus, PullPage, PushReply
from desktop.language.catalogue import _

T = TypeVar("T")

# Far deeper than any reply of API v1 (a pulled change's data is a few levels). json recurses
# once per level, so a reply nested 200,000 deep (a hostile proxy) would end in RecursionError.
MAX_REPLY_DEPTH = 64


def body(raw: bytes) -> Any:
    """A reply's JSON; ValueError when it is not JSON or nests deeper than any academy reply."""
    if not within_depth(raw, MAX_REPLY_DEPTH):
        raise ValueError("not JSON, or nested deeper than any reply of the academy")
    return json.loads(raw)


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProtocolError(
            _("The server sent an unexpected reply ({where} is not an object).").format(where=where)
        )
    return value


def _field(obj: Mapping[str, Any], name: str, kind: type[T], where: str) -> T:
    if name not in obj:
        raise ProtocolError(
            _("The server sent an unexpected reply ({field} is missing).").format(
                field=f"{where}.{name}"
            )
        )
    value = obj[name]
    # bool is an int subclass; a JSON true where a number belongs is still a contract break.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(
            _("The server sent an unexpected reply ({field} is not a {kind}).").format(
                field=f"{where}.{name}", kind=kind.__name__
            )
        )
    return value


def _list(obj: Mapping[str, Any], name: str, where: str) -> list[Any]:
    return _field(obj, name, list, where)


def user(raw: Any, where: str = "user") -> User:
    obj = _obj(raw, where)
    role = _field(obj, "role", str, where)
    try:
        parsed_role = Role(role)
    except ValueError:
        raise ProtocolError(
            _("The server sent an unknown role {role}.").format(role=repr(role))
        ) from None
    return User(
        id=_field(obj, "id", int, where),
        username=_field(obj, "username", str, where),
        display_name=_field(obj, "display_name", str, where),
        role=parsed_role,
    )


def login_reply(raw: Any) -> LoginResult:
    obj = _obj(raw, "login reply")
    if _field(obj, "token_type", str, "login reply").lower() != "bearer":
        raise ProtocolError(_("The server offered a kind of login token Samen does not know."))
    token = _field(obj, "token", str, "login reply")
    if len(token) < 32:
        raise ProtocolError(_("The server sent a login token that is too short to be safe."))
    return LoginResult(
        token=token,
        expires_at=_field(obj, "expires_at", str, "login reply"),
        user=user(obj.get("user"), "login reply.user"),
        academy=_field(obj, "academy", str, "login reply"),
        academy_key=academy_key(obj.get("academy_key"), "login reply.academy_key"),
    )


def academy_key(raw: Any, where: str = "academy_key") -> AcademyKey:
    obj = _obj(raw, where)
    if _field(obj, "algorithm", str, where) != "ed25519":
        raise ProtocolError(_("The academy signs its courses with a method Samen does not know."))
    key_id = _field(obj, "key_id", str, where)
    if len(key_id) != 16 or any(ch not in "0123456789abcdef" for ch in key_id):
        raise ProtocolError(_("The academy sent a malformed key id."))
    return AcademyKey(key_id=key_id, public_key=_field(obj, "public_key", str, where))


def me(raw: Any) -> User:
    return user(_obj(raw, "me").get("user"), "me.user")


def health(raw: Any) -> bool:
    """True when this is a Samen server speaking API v1."""
    if not isinstance(raw, Mapping):
        return False
    return (
        raw.get("service") == "samen" and raw.get("status") == "ok" and raw.get("api_version") == 1
    )


def course_summary(raw: Any, where: str = "course") -> CourseSummary:
    obj = _obj(raw, where)
    return CourseSummary(
        id=_field(obj, "id", str, where),
        version=_field(obj, "version", int, where),
        title=_field(obj, "title", str, where),
        language=_field(obj, "language", str, where),
        summary=_field(obj, "summary", str, where),
        lesson_count=_field(obj, "lesson_count", int, where),
        media_bytes=_field(obj, "media_bytes", int, where),
        cover=_cover(obj.get("cover"), f"{where}.cover"),
    )


def _safe_path(path: str) -> bool:
    # Paths become file names on disk: refuse anything that could leave the course folder.
    parts = path.split("/")
    return not (path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts))


def _sha256(obj: Mapping[str, Any], where: str, path: str) -> str:
    sha = _field(obj, "sha256", str, where)
    if len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha):
        raise ProtocolError(
            _("The server sent a malformed checksum for {path}.").format(path=repr(path))
        )
    return sha


def _cover(raw: Any, where: str) -> CourseCover | None:
    """The optional cover (absent or null: none)."""
    if raw is None:
        return None
    obj = _obj(raw, where)
    path = _field(obj, "path", str, where)
    if not _safe_path(path):
        raise ProtocolError(
            _("The server sent an unsafe media path {path}.").format(path=repr(path))
        )
    size = _field(obj, "size", int, where)
    if not 0 <= size <= MAX_COVER_BYTES:
        raise ProtocolError(
            _("The server sent a cover that is too large ({field}).").format(field=f"{where}.size")
        )
    return CourseCover(path=path, size=size, sha256=_sha256(obj, where, path))


def course_list(raw: Any) -> list[CourseSummary]:
    obj = _obj(raw, "catalogue")
    items = _list(obj, "courses", "catalogue")
    return [course_summary(item, f"catalogue.courses[{i}]") for i, item in enumerate(items)]


def podcast_feeds(raw: Any) -> list[tuple[str, str]]:
    """GET /v1/podcasts: (title, URL path) of each academy feed."""
    obj = _obj(raw, "podcast list")
    found = []
    for i, item in enumerate(_list(obj, "feeds", "podcast list")):
        feed = _obj(item, f"podcast list.feeds[{i}]")
        where = f"podcast list.feeds[{i}]"
        found.append((_field(feed, "title", str, where), _field(feed, "url", str, where)))
    return found


def _exercise(raw: Any, where: str) -> Exercise:
    obj = _obj(raw, where)
    kind = _field(obj, "kind", str, where)
    try:
        parsed_kind = ExerciseKind(kind)
    except ValueError:
        raise ProtocolError(
            _("The server sent an unknown exercise kind {kind}.").format(kind=repr(kind))
        ) from None
    options = []
    for i, item in enumerate(_list(obj, "options", where)):
        o = _obj(item, f"{where}.options[{i}]")
        options.append(
            Option(
                id=_field(o, "id", str, where),
                text=_field(o, "text", str, where),
                correct=_field(o, "correct", bool, where),
                feedback=str(o.get("feedback", "")),
            )
        )
    return Exercise(
        id=_field(obj, "id", str, where),
        kind=parsed_kind,
        prompt=_field(obj, "prompt", str, where),
        options=tuple(options),
        peer_review=bool(obj.get("peer_review", False)),
        supporter_allowed=bool(obj.get("supporter_allowed", False)),
    )


def _lesson(raw: Any, where: str, course_language: str) -> Lesson:
    obj = _obj(raw, where)
    # Optional: a lesson names its language only when it is not its course's.
    language = _field(obj, "language", str, where) if "language" in obj else course_language
    return Lesson(
        id=_field(obj, "id", str, where),
        position=_field(obj, "position", int, where),
        title=_field(obj, "title", str, where),
        body_markdown=_field(obj, "body_markdown", str, where),
        exercises=tuple(
            _exercise(e, f"{where}.exercises[{i}]")
            for i, e in enumerate(_list(obj, "exercises", where))
        ),
        media=tuple(str(p) for p in _list(obj, "media", where)),
        language=language,
    )


def _media(raw: Any, where: str) -> MediaFile:
    obj = _obj(raw, where)
    path = _field(obj, "path", str, where)
    if not _safe_path(path):
        raise ProtocolError(
            _("The server sent an unsafe media path {path}.").format(path=repr(path))
        )
    sha = _sha256(obj, where, path)
    return MediaFile(
        path=path,
        size=_field(obj, "size", int, where),
        sha256=sha,
        content_type=_field(obj, "content_type", str, where),
    )


def course_detail(raw: Any) -> CourseDetail:
    obj = _obj(raw, "course detail")
    course = course_summary(obj.get("course"), "course detail.course")
    detail = CourseDetail(
        course=course,
        lessons=tuple(
            _lesson(item, f"lessons[{i}]", course.language)
            for i, item in enumerate(_list(obj, "lessons", "course"))
        ),
        media=tuple(
            _media(item, f"media[{i}]") for i, item in enumerate(_list(obj, "media", "course"))
        ),
    )
    cover = detail.course.cover
    if cover is not None and not any(
        (m.path, m.size, m.sha256) == (cover.path, cover.size, cover.sha256) for m in detail.media
    ):
        raise ProtocolError(_("The course's cover is not one of its media files."))
    return detail


def error_envelope(raw: Any) -> tuple[str, str] | None:
    """(code, message) from a server error body, or None when it is not one."""
    if not isinstance(raw, Mapping):
        return None
    err = raw.get("error")
    if not isinstance(err, Mapping):
        return None
    code, message = err.get("code"), err.get("message")
    if isinstance(code, str) and isinstance(message, str) and message:
        return code, message
    return None


def _outcome(raw: Any, where: str) -> Outcome:
    obj = _obj(raw, where)
    status = _field(obj, "status", str, where)
    if status == "duplicate":
        # A replay: the outcome is whatever the server decided the first time.
        status = _field(obj, "original_status", str, where)
    if status not in ("applied", "rejected", "retry"):
        raise ProtocolError(
            _("The server sent an unknown mutation status {status}.").format(status=repr(status))
        )
    code = obj.get("code")
    message = obj.get("message")
    if status == "rejected" and not (isinstance(code, str) and isinstance(message, str)):
        raise ProtocolError(
            _("The server rejected an action without saying why ({where}).").format(where=where)
        )
    retry_after = obj.get("retry_after")
    result = obj.get("result")
    said = obj.get("params")
    return Outcome(
        seq=_field(obj, "seq", int, where),
        mutation_id=_field(obj, "mutation_id", str, where),
        status=OutcomeStatus(status),
        result=dict(result) if isinstance(result, Mapping) else None,
        code=code if isinstance(code, str) else None,
        message=message if isinstance(message, str) else None,
        # Capped at an hour: a wild value must not block the queue (or overflow a timer).
        retry_after=min(max(float(retry_after), 0.0), 3600.0)
        if isinstance(retry_after, int | float) and not isinstance(retry_after, bool)
        else None,
        # Only plain values: they are read back into sentences (desktop.services.refusals).
        params={
            str(key): value
            for key, value in said.items()
            if isinstance(value, str | int) and not isinstance(value, bool)
        }
        if isinstance(said, Mapping) and said
        else None,
    )


def push_reply(raw: Any) -> PushReply:
    obj = _obj(raw, "push reply")
    expected = obj.get("expected_seq")
    if expected is not None and (not isinstance(expected, int) or isinstance(expected, bool)):
        raise ProtocolError(
            _("The server sent an unexpected reply ({field} is not a {kind}).").format(
                field="expected_seq", kind="int"
            )
        )
    return PushReply(
        last_seq=_field(obj, "last_seq", int, "push reply"),
        outcomes=tuple(
            _outcome(r, f"results[{i}]") for i, r in enumerate(_list(obj, "results", "push reply"))
        ),
        expected_seq=expected,
    )


def _change(raw: Any, where: str) -> Change:
    obj = _obj(raw, where)
    op = _field(obj, "op", str, where)
    if op not in ("put", "delete"):
        raise ProtocolError(
            _("The server sent an unknown change operation {operation}.").format(operation=repr(op))
        )
    data = obj.get("data")
    if op == "put" and not isinstance(data, Mapping):
        raise ProtocolError(
            _("The server sent a change without its data ({where}).").format(where=where)
        )
    return Change(
        scope=_field(obj, "scope", str, where),
        entity=_field(obj, "entity", str, where),
        id=_field(obj, "id", str, where),
        op=op,
        version=_field(obj, "version", int, where),
        data=dict(data) if isinstance(data, Mapping) else None,
    )


def _changes(raw: list[Any]) -> tuple[Change, ...]:
    """A page's changes: most pages are all well formed, so each is first taken as it is with
    one check of everything, and only a change that fails it goes through :func:`_change` for
    the sentence that says what is wrong (a page holds up to a thousand; this is a learner's
    whole catch-up after days offline)."""
    changes = []
    for index, c in enumerate(raw):
        if type(c) is dict:
            scope, entity, entity_id = c.get("scope"), c.get("entity"), c.get("id")
            op, version, data = c.get("op"), c.get("version"), c.get("data")
            if (
                type(scope) is str
                and type(entity) is str
                and type(entity_id) is str
                and type(version) is int
                and ((op == "put" and type(data) is dict) or (op == "delete" and data is None))
            ):
                changes.append(Change(scope, entity, entity_id, op, version, data))
                continue
        changes.append(_change(c, f"changes[{index}]"))
    return tuple(changes)


def pull_reply(raw: Any) -> PullPage:
    obj = _obj(raw, "pull reply")
    return PullPage(
        changes=_changes(_list(obj, "changes", "pull reply")),
        cursor=_field(obj, "cursor", str, "pull reply"),
        has_more=_field(obj, "has_more", bool, "pull reply"),
        last_seq=_field(obj, "last_seq", int, "pull reply"),
        reset=tuple(str(s) for s in _list(obj, "reset", "pull reply")),
        outcomes=tuple(
            _outcome(r, f"outcomes[{i}]")
            for i, r in enumerate(_list(obj, "outcomes", "pull reply"))
        ),
    )
