"""GET/HEAD /v1/peer/submissions/{id}/recording: a submission's recording, streamed from its
completed upload for the author and the reviewers assigned to it, as long as they take part in
its course (a closed course's work is not for a reviewer no longer in it). Anyone else gets
the same 404 as for an unknown id, so a learner cannot learn whose work exists. A sync handler on
uvicorn's worker threadpool; Starlette's FileResponse streams the body and answers Range and
If-Range (the ETag is the sha256, as for course media)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import FileResponse
from sqlalchemy import exists, select

from server.content.access import takes_part
from server.content.media import strong_etag
from server.content.ranges import refuse_unsatisfiable_range
from server.db import table_of
from server.dependencies import CallerDep, ConfigDep, SessionDep
from server.errors import not_found
from server.language import N_, _
from server.openapi_doc import file_responses
from server.peer.models import PeerAssignment, PeerSubmission
from server.uploads.files import final_path
from server.uploads.models import Upload, UploadState

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/peer", tags=["peer"])

_RECORDING = file_responses(404, 416)
NO_RECORDING = N_("There is no recording of this work for you.")


@router.get(
    "/submissions/{submission_id}/recording", response_class=FileResponse, responses=_RECORDING
)
@router.head(
    "/submissions/{submission_id}/recording", response_class=FileResponse, responses=_RECORDING
)
def submission_recording(
    submission_id: str,
    caller: CallerDep,
    session: SessionDep,
    config: ConfigDep,
    range_: Annotated[str | None, Header(alias="range")] = None,
    if_range: Annotated[str | None, Header()] = None,
) -> FileResponse:
    submissions, assignments, uploads = (
        table_of(PeerSubmission),
        table_of(PeerAssignment),
        table_of(Upload),
    )
    assigned = exists().where(
        assignments.c.submission_id == submissions.c.id,
        assignments.c.reviewer_id == caller.user.id,
    )
    row = session.execute(
        select(
            uploads.c.id,
            uploads.c.sha256,
            uploads.c.content_type,
            uploads.c.state,
            submissions.c.user_id,
            submissions.c.course_id,
        )
        .join(uploads, uploads.c.id == submissions.c.upload_id)
        .where(
            submissions.c.id == submission_id,
            (submissions.c.user_id == caller.user.id) | assigned,
        )
    ).one_or_none()
    if row is None or row.state != UploadState.COMPLETE:
        raise not_found(_(NO_RECORDING))
    if row.user_id != caller.user.id and not takes_part(session, caller.user.id, row.course_id):
        raise not_found(_(NO_RECORDING))  # the author's own work stays theirs to hear
    file = final_path(config.upload_dir, row.id)
    if not file.is_file():
        log.warning("recording of submission %s missing on disk: %s", submission_id, file)
        raise not_found(_(NO_RECORDING))
    etag = strong_etag(row.sha256)
    refuse_unsatisfiable_range(range_, if_range, etag, file.stat().st_size)
    return FileResponse(
        file,
        media_type=row.content_type,
        headers={"ETag": etag, "Cache-Control": "private, no-cache"},
    )
