"""Learners' recordings to send to the academy: attach (offline), list, send. Worker threads /
CLI; never the UI thread (attaching copies and hashes the file).

`attach` keeps a copy in Samen's data folder (`<data>/uploads/<id>`) and records it under a
UUID chosen here, so an action written offline can reference it at once (OutboxRepo.enqueue
with `waits_for`). `send_pending` sends the account's waiting uploads one at a time (it is also
the sync window's upload step); each completed upload frees the actions waiting for it, and its
copy is deleted, since the academy now holds a verified one.
"""

from __future__ import annotations

import logging
import stat
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from desktop.domain.errors import (
    CancelledError,
    NotLoggedInError,
    SamenError,
    UploadFailedError,
)
from desktop.domain.upload import (
    ACCEPTED_TYPES,
    DEFAULT_MAX_BYTES,
    Upload,
    UploadReport,
    UploadState,
    UploadStats,
    guess_content_type,
)
from desktop.language import formats
from desktop.language.catalogue import _
from desktop.media.recordings import keep_copy
from desktop.services.session import SessionService
from desktop.store.clock import utc_now
from desktop.store.sync_state import SyncStateRepo
from desktop.store.uploads import UploadRepo
from desktop.sync.transfer import CancelToken
from desktop.sync.uploads import TusUploader

log = logging.getLogger(__name__)

MAX_BYTES_KEY = "upload_max_bytes"  # the academy's Tus-Max-Size, as last heard

UploadProgress = Callable[[str, int, int], None]  # (upload id, bytes the academy has, size)
UploaderFactory = Callable[[SessionService], TusUploader]


def _default_uploader(session: SessionService) -> TusUploader:
    return TusUploader(session.client())


class UploadService:
    def __init__(
        self,
        uploads: UploadRepo,
        session: SessionService,
        sync_state: SyncStateRepo,
        folder: Path,
        *,
        uploader: UploaderFactory = _default_uploader,
    ) -> None:
        self._uploads = uploads
        self._session = session
        self._sync_state = sync_state
        self._folder = folder
        # Public so tests and the CLI can tune the tus client (chunk size, pauses).
        self.uploader = uploader
        self._sending = threading.Lock()
        # Stats of the latest send of each upload (for tests, logs and a future progress view).
        self.last_stats: dict[str, UploadStats] = {}

    def _client_id(self) -> str:
        account = self._session.account()
        if account is None:
            raise NotLoggedInError(_("Log in to attach a recording."))
        return account.client_id

    def max_bytes(self) -> int:
        """The largest recording the academy accepts, as last heard (1 GiB until then)."""
        value = self._sync_state.get(MAX_BYTES_KEY)
        return int(value) if value and value.isdigit() else DEFAULT_MAX_BYTES

    # -- the learner's side ------------------------------------------------------------------

    def attach(self, path: Path | str, content_type: str | None = None) -> str:
        """Keep a copy of the recording at `path` to send; returns its upload id. Works
        offline. Raises SamenError (DiskFullError for a full disk) with the reason."""
        client_id = self._client_id()
        source = Path(path).expanduser()
        name = source.name
        try:
            info = source.stat()
        except FileNotFoundError:
            raise SamenError(_("{file} does not exist.").format(file=source)) from None
        except OSError as exc:
            raise SamenError(
                _("Samen cannot read {file}: {reason}.").format(
                    file=source, reason=exc.strerror or exc
                )
            ) from exc
        if not stat.S_ISREG(info.st_mode):
            raise SamenError(
                _("{name} is not a file that can be sent (it is a folder or device).").format(
                    name=name
                )
            )
        if info.st_size == 0:
            raise SamenError(_("{name} is empty; there is nothing to send.").format(name=name))
        limit = self.max_bytes()
        if info.st_size > limit:
            raise SamenError(
                _("{name} is {size}; the academy accepts recordings of at most {limit}.").format(
                    name=name, size=formats.size(info.st_size), limit=formats.size(limit)
                )
            )
        kind = (content_type or guess_content_type(source) or "").lower()
        if kind not in ACCEPTED_TYPES:
            raise SamenError(
                _(
                    "{name} is not an audio or video recording the academy accepts "
                    "(for example .mp3, .m4a, .ogg, .wav, .mp4 or .webm)."
                ).format(name=name)
            )
        upload_id = str(uuid.uuid4())
        copy = keep_copy(source, self._folder / upload_id, max_bytes=limit)
        try:
            self._uploads.add(
                Upload(
                    id=upload_id,
                    client_id=client_id,
                    path=str(copy.path),
                    filename=name,
                    size=copy.size,
                    sha256=copy.sha256,
                    content_type=kind,
                    state=UploadState.WAITING,
                    error="",
                    created_at=utc_now(),
                )
            )
        except BaseException:
            copy.path.unlink(missing_ok=True)
            raise
        return upload_id

    def pending(self) -> list[Upload]:
        """The account's uploads not sent yet (waiting or being sent), oldest first."""
        account = self._session.account()
        return [] if account is None else self._uploads.unsent(account.client_id)

    def state(self, upload_id: str) -> Upload | None:
        """One of the account's uploads (any state), or None."""
        account = self._session.account()
        return None if account is None else self._uploads.get(upload_id, account.client_id)

    # -- sending -----------------------------------------------------------------------------

    def send_pending(
        self, cancel: CancelToken | None = None, on_progress: UploadProgress | None = None
    ) -> UploadReport:
        """Send the account's waiting uploads, one at a time, oldest first.

        An upload that cannot succeed is marked failed (its actions show as refused) and the
        next one goes on. A cancel stops at once and returns; network, login and busy errors
        are raised (the sync window ends as for any of them). Either way the interrupted
        upload stays waiting and resumes where it stopped."""
        account = self._session.account()
        if account is None:
            return UploadReport()
        if not self._sending.acquire(blocking=False):
            return UploadReport(waiting=len(self._uploads.unsent(account.client_id)))
        try:
            return self._send_all(account.client_id, cancel, on_progress)
        finally:
            self._sending.release()

    def _send_all(
        self, client_id: str, cancel: CancelToken | None, on_progress: UploadProgress | None
    ) -> UploadReport:
        todo = self._uploads.unsent(client_id)
        if not todo:
            return UploadReport()
        uploader = self.uploader(self._session)
        self._learn_max_size(uploader)
        completed = failed = 0
        for number, upload in enumerate(todo):
            self._uploads.set_state(upload.id, UploadState.UPLOADING)
            stats = self.last_stats[upload.id] = UploadStats()

            def progress(done: int, size: int, upload_id: str = upload.id) -> None:
                if on_progress is not None:
                    on_progress(upload_id, done, size)

            try:
                uploader.send(upload, cancel=cancel, on_progress=progress, stats=stats)
            except UploadFailedError as exc:
                self._uploads.fail(upload.id, exc.message)
                failed += 1
                continue
            except CancelledError:
                self._uploads.set_state(upload.id, UploadState.WAITING)
                return UploadReport(completed, failed, waiting=len(todo) - number)
            except SamenError as exc:
                self._uploads.set_state(upload.id, UploadState.WAITING, exc.message)
                raise
            except BaseException:
                self._uploads.set_state(upload.id, UploadState.WAITING)
                raise
            self._uploads.complete(upload.id)
            completed += 1
            Path(upload.path).unlink(missing_ok=True)
            log.info(
                "upload %s complete: %d bytes sent for %d (%d interrupted requests)",
                upload.id,
                stats.bytes_sent,
                upload.size,
                stats.interrupted,
            )
        return UploadReport(completed, failed)

    def _learn_max_size(self, uploader: TusUploader) -> None:
        """Remember the academy's limit, so `attach` can refuse too-large files offline."""
        try:
            limit = uploader.max_size()
        except SamenError:
            return  # the uploads themselves will tell what is wrong
        if limit is not None:
            self._sync_state.set(MAX_BYTES_KEY, str(limit))
