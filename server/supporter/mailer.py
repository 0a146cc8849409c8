"""Sends the e-mails the supporter tool decided on. One daemon thread per server process,
woken after each push and every `poll_s` seconds; `send_due` is one pass (also used by tests).

Each e-mail is first leased (its own commit), then sent, then marked sent in its own
transaction, which also clears its body (the body holds the link) and tells the learner
"e-mailed" through the change log. Without an SMTP
server configured, e-mails are written to <data dir>/mail/*.eml (the embedded default). A
refused recipient fails at once; anything else is retried with growing pauses, then reported
to the learner as not deliverable. On PostgreSQL several server processes may run a mailer:
rows are claimed with SKIP LOCKED and the lease, so no e-mail goes twice.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from server.config import ServerConfig
from server.db import Database, table_of, utc_now
from server.language import N_, _, use
from server.private_files import open_private, private_dir
from server.supporter.models import OutgoingMail, SupporterRequest
from server.supporter.mutations import emit_request
from server.sync.changes import ChangeBuffer, write_changes

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 20
LEASE = timedelta(minutes=10)  # how long a claimed e-mail is this pass's to send


class PermanentMailError(Exception):
    """The mail server refused this recipient: retrying will not help."""


class Mailer:
    def __init__(self, config: ServerConfig, database: Database, *, poll_s: float = 30.0) -> None:
        self._config = config
        self._database = database
        self._poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="samen-mailer", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while self.send_due() == BATCH and not self._stop.is_set():
                    pass  # a full batch: there may be more
            except Exception:  # a bad pass must not end the thread; the next one retries
                log.exception("sending e-mails failed")
            self._wake.wait(self._poll_s)
            self._wake.clear()

    def send_due(self, now: datetime | None = None) -> int:
        """Send what is due; returns how many e-mails were handled (sent or given up)."""
        now = now or utc_now()
        handled = 0
        for _round in range(BATCH):
            row = self._claim(now)
            if row is None:
                return handled
            outcome = self._attempt(row, now)
            for attempt in range(3):  # delivered: recording it must not send it twice
                try:
                    with self._database.session() as session:
                        outcome(session)
                        session.commit()
                    break
                except OperationalError:
                    if attempt == 2:
                        raise
                    time.sleep(1)
            handled += 1
        return handled

    def _claim(self, now: datetime) -> Any:
        """The next due e-mail, leased to this pass in its own commit before it is sent, so
        a second mailer (or a retry after a failed write) does not send it again; only a
        crash between sending and recording can, once the lease has run out."""
        table = table_of(OutgoingMail)
        with self._database.session() as session:
            query = (
                select(table)
                .where(
                    table.c.sent_at.is_(None),
                    table.c.failed.is_(False),
                    table.c.next_attempt_at <= now,
                )
                .order_by(table.c.id)
                .limit(1)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            row = session.execute(query).one_or_none()
            if row is None:
                return None
            taken = (
                session.connection()
                .execute(
                    update(table)
                    .where(table.c.id == row.id, table.c.next_attempt_at == row.next_attempt_at)
                    .values(next_attempt_at=now + LEASE)
                )
                .rowcount
            )
            session.commit()
        return row if taken else self._claim(now)

    def _attempt(self, row: Any, now: datetime) -> Callable[[Any], None]:
        """Deliver one e-mail; returns how to record the outcome (in a session)."""
        table = table_of(OutgoingMail)
        try:
            self._deliver(self._message(row, now), row.id)
        except PermanentMailError as exc:
            refused, said = N_("The mail server refused {address}: {error}"), str(exc)
            return lambda session: self._give_up(session, row, now, refused, said)
        except (OSError, smtplib.SMTPException) as exc:
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                unsent, said = N_("The e-mail to {address} could not be sent: {error}"), str(exc)
                return lambda session: self._give_up(session, row, now, unsent, said)
            pause = timedelta(minutes=min(60, 2**attempts))
            log.warning("e-mail %s not sent (try %d): %s", row.id, attempts, exc)
            error = str(exc)
            return lambda session: session.execute(
                update(table)  # unless it was withdrawn meanwhile: that reason stays
                .where(table.c.id == row.id, table.c.failed.is_(False))
                .values(attempts=attempts, next_attempt_at=now + pause, last_error=error)
            )

        def sent(session: Any) -> None:
            session.execute(
                update(table)
                .where(table.c.id == row.id)
                .values(sent_at=now, attempts=row.attempts + 1, body="", last_error=None)
            )
            self._tell_learner(session, row.request_id, now, "sent", None)

        return sent

    def _give_up(self, session: Any, row: Any, now: datetime, sentence: str, error: str) -> None:
        """Stop trying; the learner is told why in their own language (the mail server's
        words, `error`, stay as it said them)."""
        requests = table_of(SupporterRequest)
        learner_language = session.execute(
            select(requests.c.learner_language).where(requests.c.id == row.request_id)
        ).scalar_one_or_none()
        with use(learner_language or "en"):
            reason = _(sentence).format(address=row.to_address, error=error)
        log.warning("e-mail %s given up: %s", row.id, reason)
        table = table_of(OutgoingMail)
        given_up = (
            session.connection()
            .execute(
                update(table)  # a withdrawn one keeps its reason, and its state for the learner
                .where(table.c.id == row.id, table.c.failed.is_(False))
                .values(failed=True, attempts=row.attempts + 1, body="", last_error=reason)
            )
            .rowcount
        )
        if given_up:
            self._tell_learner(session, row.request_id, now, "failed", reason)

    @staticmethod
    def _tell_learner(
        session: Any, request_id: str, now: datetime, state: str, error: str | None
    ) -> None:
        requests = table_of(SupporterRequest)
        session.execute(
            update(requests)
            .where(requests.c.id == request_id)
            .values(mail_state=state, mail_error=error, version=requests.c.version + 1)
        )
        changes = ChangeBuffer()
        emit_request(session.connection(), changes, request_id, now)
        write_changes(session, changes.changes(), now)

    def _message(self, row: Any, now: datetime) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._config.mail_from
        message["To"] = formataddr((row.to_name, row.to_address))
        message["Subject"] = row.subject
        message["Date"] = format_datetime(now)
        domain = parseaddr(self._config.mail_from)[1].rpartition("@")[2] or "samen.invalid"
        message["Message-ID"] = make_msgid("supporter", domain=domain)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
        message.set_content(row.body)
        # After set_content, which clears every Content-* header (RFC 3282's included).
        message["Content-Language"] = row.language or "en"
        return message

    def _deliver(self, message: EmailMessage, mail_id: int) -> None:
        config = self._config
        if config.smtp_host is None:
            self._write_eml(config.mail_dir, message, mail_id)
            return
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=20) as smtp:
            if config.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.smtp_username:
                smtp.login(config.smtp_username, config.smtp_password or "")
            try:
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _text in exc.recipients.values()]
                raise PermanentMailError(f"{codes}") from None
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code >= 500:
                    raise PermanentMailError(f"{exc.smtp_code} {exc.smtp_error!r}") from None
                raise

    @staticmethod
    def _write_eml(folder: Path, message: EmailMessage, mail_id: int) -> None:
        # The message holds a live supporter link: owner-only, whatever the umask.
        private_dir(folder)
        final = folder / f"{utc_now():%Y%m%dT%H%M%S}-{mail_id}.eml"
        temporary = final.with_suffix(".tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        with os.fdopen(open_private(temporary, flags), "wb") as handle:
            handle.write(message.as_bytes())
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(final)
