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
from server.language import _, current, day, number, use
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
    """The page in the current language (the request's, or the supporter's: see `_speaking`),
    which its <html lang> and Content-Language name."""
    language = current()
    html = _TEMPLATE.substitute(
        title=escape(title), content=content, academy=escape(academy), lang=language
    )
    return HTMLResponse(html, status_code=status, headers={**HEADERS, "Content-Language": language})


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


def _speaking(row: Any) -> str:
    """The page's language: the one the learner chose for this supporter; for a link that
    matches no request, the browser's (Accept-Language)."""
    return current() if row is None else str(row.language)


def _closed(academy: str, row: Any, now: datetime) -> HTMLResponse | None:
    """The page for a link that takes no (more) feedback, or None if it is open."""
    if row is None:
        return _notice(
            academy,
            _("This link is not valid"),
            _("Check that you copied the whole link from the e-mail."),
            404,
        )
    if row.revoked_at is not None:
        withdrawn = _("The learner withdrew the request, so no feedback is needed.")
        return _notice(academy, _("This request was withdrawn"), withdrawn, 410)
    if row.answered_at is not None:
        return _notice(
            academy,
            _("Thank you"),
            _(
                "Your feedback was sent on {date}. The learner sees it the next time their "
                "app connects."
            ).format(date=day(row.answered_at)),
            200,
        )
    if row.expires_at <= now:
        return _notice(
            academy,
            _("This link has expired"),
            _("The learner can send you a new request if they still want your feedback."),
            410,
        )
    return None


def _form(row: Any, session: Any, error: str = "", draft: str = "") -> str:
    exercise = session.execute(
        select(Exercise.prompt, Course.title, Course.language)
        .join(Course, Course.id == row.course_id)
        .where(Exercise.id == row.exercise_id)
    ).one()
    # The exercise and the learner's answer are in the course's language, which may not be
    # the page's: lang tells a screen reader and a translator so.
    quoted = escape(exercise.language or "en", quote=True)
    # Each sentence translated before it goes into the markup (pybabel reads no f-string).
    words = {
        "title": escape(_("Feedback for a learner")),
        "exercise": escape(_("The exercise")),
        "answer": escape(_("Their answer")),
        "message": escape(_("Their message to you")),
        "feedback": escape(_("Your feedback")),
        "send": escape(_("Send feedback")),
    }
    # The message the learner wrote to the supporter: in the learner's own language.
    mine = escape(row.learner_language or "en", quote=True)
    message = (
        f"<h2>{words['message']}</h2>"
        f"<div class='quote' id='message' lang='{mine}'>{escape(row.message)}</div>"
        if row.message
        else ""
    )
    problem = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    greeting = _(
        "Dear {supporter}, a learner of the course {course} asks for your feedback on this "
        "exercise."
    ).format(
        supporter=escape(row.supporter_name),
        course=f"<b lang='{quoted}'>{escape(exercise.title)}</b>",
    )
    once = _(
        "You can send it once. The learner sees it in their app, under your name. The link "
        "works until {date}."
    ).format(date=escape(day(row.expires_at)))
    return f"""<h1>{words["title"]}</h1>
<p>{greeting}</p>
<h2>{words["exercise"]}</h2>
<div class='quote' lang='{quoted}'>{escape(exercise.prompt)}</div>
<h2>{words["answer"]}</h2>
<div class='quote' id='answer' lang='{quoted}'>{escape(row.answer)}</div>
{message}
<form method="post">
{problem}
<label for="feedback">{words["feedback"]}</label>
<textarea id="feedback" name="feedback" maxlength="{MAX_FEEDBACK}"
 required>{escape(draft)}</textarea>
<p class="small">{once}</p>
<button type="submit">{words["send"]}</button>
</form>"""


@router.get("/{token}")
def show(token: str, session: SessionDep, config: ConfigDep) -> Response:
    row = _find(session, token)
    with use(_speaking(row)):
        closed = _closed(config.academy_name, row, utc_now())
        if closed is not None:
            return closed
        return _page(config.academy_name, _("Feedback for a learner"), _form(row, session))


@router.post("/{token}")
async def answer(token: str, request: Request, config: ConfigDep) -> Response:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return _notice(
                config.academy_name,
                _("Too long"),
                _("That is more than this page can take."),
                413,
            )
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
        with use(_speaking(row)):
            closed = _closed(academy, row, now)
            if closed is not None:
                return closed
            error = ""
            if not feedback:
                error = _("Write your feedback first.")
            elif len(feedback) > MAX_FEEDBACK:
                error = _("Your feedback has {length} characters; at most {limit} fit.").format(
                    length=number(len(feedback)), limit=number(MAX_FEEDBACK)
                )
            if error:
                page = _form(row, session, error, feedback)
                return _page(academy, _("Feedback for a learner"), page, 422)
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
