"""The supporter's web page: reached by the link in the e-mail, it shows that one exercise,
the learner's answer and message, and takes the supporter's feedback once. Sync handlers on
uvicorn's worker threadpool.

The token in the path is the only key. Every reply forbids caching, referrers (the link must
not leak to a site linked from the page), framing, scripts and loading anything remote.
Unknown, withdrawn, expired and answered links each say so in a sentence, and reveal nothing
of the request but what its holder already saw.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from importlib import resources
from string import Template
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select, update
from starlette.concurrency import run_in_threadpool

from server.content.models import Course, Exercise
from server.db import table_of, utc_now
from server.dependencies import ConfigDep, SessionDep
from server.supporter.links import plausible, token_hash
from server.supporter.models import SupporterRequest
from server.supporter.mutations import emit_request
from server.sync.changes import ChangeBuffer, write_changes

router = APIRouter(prefix="/supporter", include_in_schema=False)

MAX_FEEDBACK = 5_000
MAX_FORM_BYTES = 64 * 1024
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
}
_TEMPLATE = Template(
    resources.files("server.supporter").joinpath("templates/page.html").read_text("utf-8")
)


def _page(academy: str, title: str, content: str, status: int = 200) -> HTMLResponse:
    html = _TEMPLATE.substitute(title=escape(title), content=content, academy=escape(academy))
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _notice(academy: str, title: str, text: str, status: int) -> HTMLResponse:
    return _page(academy, title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>", status)


def _find(session: Any, token: str) -> Any:
    if not plausible(token):
        return None
    table = table_of(SupporterRequest)
    return (
        session.connection()
        .execute(select(table).where(table.c.token_hash == token_hash(token)))
        .one_or_none()
    )


def _closed(academy: str, row: Any, now: datetime) -> HTMLResponse | None:
    """The page for a link that takes no (more) feedback, or None if it is open."""
    if row is None:
        return _notice(academy, "This link is not valid",
                       "Check that you copied the whole link from the e-mail.", 404)  # fmt: skip
    if row.revoked_at is not None:
        withdrawn = "The learner withdrew the request, so no feedback is needed."
        return _notice(academy, "This request was withdrawn", withdrawn, 410)
    if row.answered_at is not None:
        return _notice(
            academy,
            "Thank you",
            f"Your feedback was sent on {row.answered_at:%d %B %Y}. The learner sees it the "
            "next time their app connects.",
            200,
        )
    if row.expires_at <= now:
        return _notice(academy, "This link has expired",
                       "The learner can send you a new request if they still want your "
                       "feedback.", 410)  # fmt: skip
    return None


def _form(row: Any, session: Any, error: str = "", draft: str = "") -> str:
    exercise = session.execute(
        select(Exercise.prompt, Course.title)
        .join(Course, Course.id == row.course_id)
        .where(Exercise.id == row.exercise_id)
    ).one()
    message = (
        f"<h2>Their message to you</h2><div class='quote'>{escape(row.message)}</div>"
        if row.message
        else ""
    )
    problem = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    return f"""<h1>Feedback for a learner</h1>
<p>Dear {escape(row.supporter_name)}, a learner of the course <b>{escape(exercise.title)}</b>
asks for your feedback on this exercise.</p>
<h2>The exercise</h2><div class='quote'>{escape(exercise.prompt)}</div>
<h2>Their answer</h2><div class='quote' id='answer'>{escape(row.answer)}</div>
{message}
<form method="post">
{problem}
<label for="feedback">Your feedback</label>
<textarea id="feedback" name="feedback" maxlength="{MAX_FEEDBACK}"
 required>{escape(draft)}</textarea>
<p class="small">You can send it once. The learner sees it in their app, under your name.
The link works until {row.expires_at:%d %B %Y}.</p>
<button type="submit">Send feedback</button>
</form>"""


@router.get("/{token}")
def show(token: str, session: SessionDep, config: ConfigDep) -> Response:
    row = _find(session, token)
    closed = _closed(config.academy_name, row, utc_now())
    if closed is not None:
        return closed
    return _page(config.academy_name, "Feedback for a learner", _form(row, session))


@router.post("/{token}")
async def answer(token: str, request: Request, config: ConfigDep) -> Response:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return _notice(config.academy_name, "Too long",
                           "That is more than this page can take.", 413)  # fmt: skip
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=5)
    except (UnicodeDecodeError, ValueError):
        fields = {}
    feedback = (fields.get("feedback") or [""])[0].replace("\r\n", "\n").strip()
    database = request.app.state.database
    # The database work blocks: off the event loop, like the sync handlers.
    return await run_in_threadpool(
        _store, database, config.academy_name, token, feedback, str(request.url)
    )


def _store(database: Any, academy: str, token: str, feedback: str, url: str) -> Response:
    now = utc_now()
    with database.session() as session:
        row = _find(session, token)
        closed = _closed(academy, row, now)
        if closed is not None:
            return closed
        error = ""
        if not feedback:
            error = "Write your feedback first."
        elif len(feedback) > MAX_FEEDBACK:
            error = f"Your feedback has {len(feedback):,} characters; at most {MAX_FEEDBACK:,} fit."
        if error:
            page = _form(row, session, error, feedback)
            return _page(academy, "Feedback for a learner", page, 422)
        table = table_of(SupporterRequest)
        taken = session.execute(
            update(table)
            .where(
                table.c.id == row.id,
                table.c.answered_at.is_(None),
                table.c.revoked_at.is_(None),
            )
            .values(answered_at=now, feedback=feedback, version=table.c.version + 1)
        ).rowcount
        if taken:
            changes = ChangeBuffer()
            emit_request(session.connection(), changes, row.id, now)
            write_changes(session, changes.changes(), now)
        session.commit()
    # Post/redirect/get: a reload shows the thank-you page instead of sending again.
    return RedirectResponse(url, status_code=303, headers=HEADERS)
