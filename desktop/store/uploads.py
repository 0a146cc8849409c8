"""The uploads table: recordings to send to the academy, per account. Worker threads / CLI.

Completion and failure are written in one transaction with their effect on the outbox (the
actions waiting for the upload become sendable, or show as refused), so an action can never be
sent for an upload this device does not know to be complete.
"""

from __future__ import annotations

from typing import Any

from desktop.domain.upload import Upload, UploadState
from desktop.store.clock import utc_now
from desktop.store.db import Store
from desktop.store.ready_order import upload_done, upload_failed

UNSENT = (UploadState.WAITING.value, UploadState.UPLOADING.value)


def _upload(row: dict[str, Any]) -> Upload:
    return Upload(
        id=row["id"],
        client_id=row["client_id"],
        path=row["path"],
        filename=row["filename"],
        size=row["size"],
        sha256=row["sha256"],
        content_type=row["content_type"],
        state=UploadState(row["state"]),
        error=row["error"],
        created_at=row["created_at"],
    )


class UploadRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, upload: Upload) -> None:
        with self._store.write() as db:
            db.execute(
                """INSERT INTO uploads (id, client_id, path, filename, size, sha256,
                       content_type, state, error, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    upload.id,
                    upload.client_id,
                    upload.path,
                    upload.filename,
                    upload.size,
                    upload.sha256,
                    upload.content_type,
                    upload.state.value,
                    upload.error,
                    upload.created_at,
                    upload.created_at,
                ],
            )

    def get(self, upload_id: str, client_id: str | None = None) -> Upload | None:
        """One upload; with a client id only if it is that account's."""
        sql = "SELECT * FROM uploads WHERE id = ?"
        params = [upload_id]
        if client_id is not None:
            sql += " AND client_id = ?"
            params.append(client_id)
        with self._store.read() as db:
            rows = list(db.query(sql, params))
        return _upload(rows[0]) if rows else None

    def unsent(self, client_id: str) -> list[Upload]:
        """Waiting uploads of an account, oldest first; 'uploading' ones too (a process that
        was sending them died, or is sending them now under the caller's own lock)."""
        with self._store.read() as db:
            rows = db.query(
                """SELECT * FROM uploads WHERE client_id = ? AND state IN (?, ?)
                   ORDER BY created_at, rowid""",
                [client_id, *UNSENT],
            )
            return [_upload(row) for row in rows]

    def for_client(self, client_id: str) -> list[Upload]:
        with self._store.read() as db:
            rows = db.query(
                "SELECT * FROM uploads WHERE client_id = ? ORDER BY created_at, rowid",
                [client_id],
            )
            return [_upload(row) for row in rows]

    def set_state(self, upload_id: str, state: UploadState, error: str = "") -> None:
        """Waiting or uploading, with the last (temporary) problem for the learner to see."""
        assert state in (UploadState.WAITING, UploadState.UPLOADING)
        with self._store.write() as db:
            db.execute(
                "UPDATE uploads SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                [state.value, error, utc_now(), upload_id],
            )

    def complete(self, upload_id: str) -> int:
        """The academy verified every byte; returns the actions now free to be sent."""
        with self._store.write() as db:
            db.execute(
                """UPDATE uploads SET state = 'done', error = '', updated_at = ?
                   WHERE id = ?""",
                [utc_now(), upload_id],
            )
            return upload_done(db, upload_id)

    def fail(self, upload_id: str, message: str) -> int:
        """The upload cannot succeed as it is; returns the actions now shown as refused."""
        with self._store.write() as db:
            db.execute(
                "UPDATE uploads SET state = 'failed', error = ?, updated_at = ? WHERE id = ?",
                [message, utc_now(), upload_id],
            )
            return upload_failed(db, upload_id, message)
