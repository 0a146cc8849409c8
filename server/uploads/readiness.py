"""What a mutation that references an upload (e.g. a later ``peer.submit``) calls to get it.
Runs on the push's worker thread, inside the batch's SAVEPOINT, with Core statements on
``ctx.connection`` (as every handler does).

A complete upload of the caller is returned; one still receiving bytes makes the batch stop
with ``retry`` (the client sends the mutation only after its upload completed, so this is a
short race at most); anything else is a permanent refusal the learner can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from server.db import table_of
from server.language import _
from server.sync.mutations import MutationContext, Rejected, RetryLater
from server.uploads.metadata import canonical_uuid
from server.uploads.models import Upload, UploadState

UNFINISHED_RETRY_S = 30.0


@dataclass(frozen=True)
class UploadInfo:
    id: str
    length: int
    sha256: str
    filename: str
    content_type: str

    def path(self, upload_dir: Path) -> Path:
        """Where the verified file lives (ServerConfig.upload_dir)."""
        return upload_dir / self.id


def require_upload(ctx: MutationContext, upload_id: str) -> UploadInfo:
    """The caller's complete upload `upload_id`; raises RetryLater or Rejected otherwise."""
    canonical = canonical_uuid(upload_id)
    table = table_of(Upload)
    row = (
        None
        if canonical is None
        else ctx.connection.execute(
            select(table).where(table.c.id == canonical, table.c.user_id == ctx.user_id)
        ).one_or_none()
    )
    if row is None:
        raise Rejected(
            "upload_not_found",
            _("The recording this refers to never reached the academy; attach it again."),
        )
    expired = row.state == UploadState.EXPIRED or (
        row.state != UploadState.COMPLETE
        and row.expires_at is not None
        and row.expires_at <= ctx.now
    )
    if expired:
        raise Rejected(
            "upload_expired",
            _(
                "The recording was not finished in time and was removed from the academy; "
                "attach it again."
            ),
        )
    if row.state == UploadState.FAILED:
        raise Rejected(
            "upload_failed",
            _("The recording arrived damaged (checksum mismatch); attach it again."),
            subject="checksum",
        )
    if row.state != UploadState.COMPLETE:
        raise RetryLater(UNFINISHED_RETRY_S, _("The recording is still being uploaded."))
    return UploadInfo(
        id=row.id,
        length=int(row.length),
        sha256=row.sha256,
        filename=row.filename,
        content_type=row.content_type,
    )
