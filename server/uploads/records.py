"""Upload rows: creation (idempotent), ownership, offsets, completion, expiry. Runs on uvicorn's
worker threads inside a request's own session; the caller commits.

Every lookup is by (id, user): another learner's upload is answered exactly like an unknown one,
so ids are never revealed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.config import ServerConfig
from server.errors import ApiError, not_found
from server.language import _, ngettext
from server.uploads import files
from server.uploads.metadata import NewUpload
from server.uploads.models import Upload, UploadState


def no_such_upload() -> ApiError:
    return not_found(_("This upload does not exist (or was removed)."))


def expired_error(config: ServerConfig) -> ApiError:
    hours = config.upload_expiry_s / 3600
    return ApiError(
        410,
        "upload_expired",
        _(
            "This upload was not finished within {hours} hours of its last bytes and was "
            "removed; it has to be started again."
        ).format(hours=f"{hours:g}"),
    )


def is_expired(upload: Upload, now: datetime) -> bool:
    if upload.state == UploadState.EXPIRED:
        return True
    return (
        upload.state != UploadState.COMPLETE
        and upload.expires_at is not None
        and upload.expires_at <= now
    )


def own_upload(session: Session, upload_id: str, user_id: int) -> Upload:
    upload = session.get(Upload, upload_id)
    if upload is None or upload.user_id != user_id:
        raise no_such_upload()
    return upload


def settle(upload: Upload, config: ServerConfig, now: datetime) -> None:
    """Make the row agree with the disk after a crash: a promoted file means it was verified
    (the process died before its commit); a shorter `.part` than recorded means bytes were lost."""
    if upload.state != UploadState.RECEIVING:
        return
    folder = config.upload_dir
    if files.final_path(folder, upload.id).exists():
        upload.state = UploadState.COMPLETE.value
        upload.received = upload.length
        upload.expires_at = None
        upload.updated_at = now
        return
    on_disk = files.part_size(folder, upload.id)
    if on_disk < upload.received:
        upload.received = on_disk
        upload.updated_at = now


def create(
    session: Session, new: NewUpload, user_id: int, config: ServerConfig, now: datetime
) -> Upload:
    """The upload for `new`: a fresh one, or the caller's existing one with the same length
    and sha256 (a lost reply made the client ask again); expired or failed ones start over."""
    existing = session.get(Upload, new.id)
    if existing is not None:
        if existing.user_id != user_id:
            raise ApiError(
                409,
                "upload_id_taken",
                _("This upload id is already in use; the client must choose a new id."),
            )
        if existing.length != new.length or existing.sha256 != new.sha256:
            raise ApiError(
                409,
                "upload_mismatch",
                _(
                    "An upload with this id already exists with other content (length or "
                    "checksum); the client must choose a new id."
                ),
            )
        if existing.state in (UploadState.EXPIRED, UploadState.FAILED) or is_expired(existing, now):
            _check_limits(session, user_id, new.length, config)
            files.remove(config.upload_dir, existing.id)
            existing.state = UploadState.RECEIVING.value
            existing.received = 0
            existing.expires_at = now + timedelta(seconds=config.upload_expiry_s)
            existing.updated_at = now
        return existing
    _check_limits(session, user_id, new.length, config)
    upload = Upload(
        id=new.id,
        user_id=user_id,
        length=new.length,
        received=0,
        sha256=new.sha256,
        filename=new.filename,
        content_type=new.content_type,
        state=UploadState.RECEIVING.value,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(seconds=config.upload_expiry_s),
    )
    session.add(upload)
    return upload


def _check_limits(session: Session, user_id: int, length: int, config: ServerConfig) -> None:
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Upload.length), 0)).where(
            Upload.user_id == user_id, Upload.state == UploadState.RECEIVING.value
        )
    ).one()
    if count >= config.upload_max_incomplete:
        raise ApiError(
            429,
            "too_many_uploads",
            ngettext(
                "You already have {count} unfinished upload at the academy; it must finish "
                "(or expire) before another one starts.",
                "You already have {count} unfinished uploads at the academy; they must finish "
                "(or expire) before another one starts.",
                count,
            ).format(count=count),
        )
    if int(total) + length > config.upload_max_bytes_in_flight:
        mb = config.upload_max_bytes_in_flight // (1024 * 1024)
        raise ApiError(
            429,
            "too_many_upload_bytes",
            _(
                "Your unfinished uploads would exceed {mb} MB at the academy; they must finish "
                "(or expire) before this one starts."
            ).format(mb=mb),
        )


def refresh_expiry(upload: Upload, config: ServerConfig, now: datetime) -> None:
    """Bytes arrived: the expiry counts from the latest activity, so a slow link is not
    punished for being slow, only for going silent."""
    upload.updated_at = now
    upload.expires_at = now + timedelta(seconds=config.upload_expiry_s)


def expire_due(session: Session, config: ServerConfig, now: datetime, busy: set[str]) -> int:
    """Mark unfinished uploads past their expiry as expired and delete their bytes (rows stay,
    so a late client gets 410, not 404). Uploads in `busy` are receiving right now."""
    due = session.scalars(
        select(Upload).where(
            Upload.state.in_([UploadState.RECEIVING.value, UploadState.FAILED.value]),
            Upload.expires_at <= now,
        )
    ).all()
    expired = 0
    for upload in due:
        if upload.id in busy:
            continue
        files.remove(config.upload_dir, upload.id)
        upload.state = UploadState.EXPIRED.value
        upload.received = 0
        upload.updated_at = now
        expired += 1
    return expired
