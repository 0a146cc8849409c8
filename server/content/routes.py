"""Course catalogue, course details, signed manifests and media bytes, each only for those
who take part in the course (a closed course's content is for its enrolled learners and staff).

Sync handlers on uvicorn's worker threadpool; file bodies are streamed in 64 KiB chunks by
Starlette's FileResponse (which also answers HEAD, Range and If-Range).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server.auth.tokens import Caller
from server.content.access import courses_of, not_enrolled_in, takes_part
from server.content.catalogue import detail_of, load_course, manifest_of, summary_of
from server.content.media import file_response, resolve_under, strong_etag
from server.content.models import Course, MediaFile
from server.content.ranges import refuse_unsatisfiable_range
from server.content.schemas import CourseDetail, CourseList
from server.db import utc_now
from server.dependencies import CallerDep, ConfigDep, SessionDep, SignerDep
from server.errors import ApiError, not_found
from server.language import _
from server.openapi_doc import error_responses, file_responses

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/courses", tags=["courses"])
_MEDIA = file_responses(403, 404, 416)


def _no_such_course(course_id: str) -> ApiError:
    return not_found(_("There is no course '{course}'.").format(course=course_id))


def _require_part(session: Session, caller: Caller, course: Course) -> None:
    """403 unless the caller takes part in ``course`` (which exists: unknown ones are 404)."""
    if not takes_part(session, caller.user.id, course.id):
        raise ApiError(403, "forbidden", not_enrolled_in(course.title))


# exclude_none: a course without a cover has no `cover` key (contract: optional).
@router.get("", response_model=CourseList, response_model_exclude_none=True)
def list_courses(caller: CallerDep, session: SessionDep) -> CourseList:
    courses = session.scalars(
        select(Course)
        .where(Course.id.in_(courses_of(session, caller.user.id)))
        .options(selectinload(Course.lessons), selectinload(Course.media))
        .order_by(Course.id)
    ).all()
    return CourseList(courses=[summary_of(course) for course in courses])


@router.get(
    "/{course_id}",
    response_model=CourseDetail,
    response_model_exclude_none=True,
    responses=error_responses(403, 404),
)
def course_detail(course_id: str, caller: CallerDep, session: SessionDep) -> CourseDetail:
    course = load_course(session, course_id)
    if course is None:
        raise _no_such_course(course_id)
    _require_part(session, caller, course)
    return detail_of(course)


@router.get(
    "/{course_id}/manifest", response_class=JSONResponse, responses=error_responses(403, 404)
)
def course_manifest(
    course_id: str, caller: CallerDep, session: SessionDep, signer: SignerDep
) -> JSONResponse:
    """The contract's SignedManifest. Returned as the exact dict that was signed (no model
    round trip), so the JSON on the wire canonicalises to the signed bytes."""
    course = load_course(session, course_id)
    if course is None:
        raise _no_such_course(course_id)
    _require_part(session, caller, course)
    signed = signer.sign(manifest_of(course, utc_now()))
    return JSONResponse(dict(signed), headers={"Cache-Control": "private, no-cache"})


@router.get("/{course_id}/media/{path:path}", response_class=FileResponse, responses=_MEDIA)
@router.head("/{course_id}/media/{path:path}", response_class=FileResponse, responses=_MEDIA)
def course_media(
    course_id: str,
    path: str,
    caller: CallerDep,
    session: SessionDep,
    config: ConfigDep,
    range_: Annotated[str | None, Header(alias="range")] = None,
    if_range: Annotated[str | None, Header()] = None,
) -> Response:
    course = session.get(Course, course_id)
    if course is None:
        raise _no_such_course(course_id)
    # Before the media lookup, so an outsider cannot probe which paths exist.
    _require_part(session, caller, course)
    # Only paths listed in the manifest are served, whatever else sits on disk.
    media = session.scalars(
        select(MediaFile).where(MediaFile.course_id == course_id, MediaFile.path == path)
    ).one_or_none()
    if media is None:
        raise not_found(
            _("There is no file '{path}' in the course '{course}'.").format(
                path=path, course=course_id
            )
        )
    file = resolve_under(config.media_dir / course_id, media.path)
    if file is None or not file.is_file():
        log.warning("media file listed but missing on disk: %s/%s", course_id, media.path)
        raise not_found(_("The file '{path}' is missing on the server.").format(path=path))
    etag = strong_etag(media.sha256)
    refuse_unsatisfiable_range(range_, if_range, etag, file.stat().st_size)
    return file_response(
        config, file, media.content_type, {"ETag": etag, "Cache-Control": "private, no-cache"}
    )
