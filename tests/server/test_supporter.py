"""The supporter tool over real HTTP and real SMTP: a request queued by a learner's device
becomes one e-mail (aiosmtpd on loopback) whose link opens a page with only that exercise and
answer; the feedback given there reaches the learner's next pull. Links expire, can be revoked
and take one answer; limits, hostile input and points."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.academy_database import rows
from tests.server.sync_api import Installation, add_learner, mutation
from tests.server_process import LiveServer, copy_academy, free_port, start_server
from tests.smtp_inbox import Inbox, smtp_inbox

COURSE = "learning-together"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/supporter/[A-Za-z0-9_-]+")


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as running:
        yield running


def _academy(template: Path, where: Path, *extra: str) -> LiveServer:
    data_dir = where / "data"
    copy_academy(template, data_dir)
    return start_server(data_dir, seed_demo=False, extra_args=extra)


@pytest.fixture(scope="module")
def mailing_academy(
    seeded_template: Path, tmp_path_factory: pytest.TempPathFactory, inbox: Inbox
) -> Iterator[LiveServer]:
    server = _academy(
        seeded_template,
        tmp_path_factory.mktemp("mailing"),
        "--smtp-host", "127.0.0.1", "--smtp-port", str(inbox.port),
    )  # fmt: skip
    yield server
    server.stop()


def exercise(server: LiveServer, *, supporter: bool = True, course: str = COURSE) -> str:
    found = rows(
        server.data_dir,
        """SELECT e.id FROM exercises e JOIN lessons l ON l.id = e.lesson_id
           WHERE l.course_id = :course AND e.supporter_allowed = :supporter
           ORDER BY e.id LIMIT 1""",
        course=course,
        supporter=supporter,
    )
    return str(found[0][0])


def ask(
    seq: int, exercise_id: str, *, when: datetime | None = None, **changes: Any
) -> dict[str, Any]:
    args = {
        "request_id": str(uuid.uuid4()),
        "exercise_id": exercise_id,
        "supporter_name": "Mira de Boer",
        "supporter_email": "mira@example.org",
        "message": "Could you read my explanation?\nBe honest!",
        "answer": "Teaching others <b>works</b> because you must order your thoughts.",
        **changes,
    }
    item = mutation(seq, "supporter.request", args)
    if when is not None:
        item["created_at"] = when.isoformat()
    return item


def results(reply: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(r["status"], r.get("code") or r.get("result")) for r in reply["results"]]


def latest(me: Installation, entity: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for change in me.pull_all()[0]:
        if change["entity"] == entity:
            found[change["id"]] = change["data"]
    return found


def test_a_request_is_mailed_answered_once_and_pulled(
    mailing_academy: LiveServer, inbox: Inbox
) -> None:
    me = Installation.login(mailing_academy, add_learner(mailing_academy))
    request = ask(1, exercise(mailing_academy), supporter_email="Mira@Example.org")
    assert results(me.push(request))[0][0] == "applied"
    request_id = request["args"]["request_id"]
    ((recipients, mail),) = [m for m in inbox.wait_for(len(inbox.messages) or 1)
                             if m[0] == ["Mira@Example.org"]]  # fmt: skip
    assert recipients == ["Mira@Example.org"]  # one recipient, nobody in copy
    assert mail["To"] == "Mira de Boer <Mira@Example.org>" and mail["Cc"] is None
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_content()
    assert "> Be honest!" in text and "Teaching others" not in text  # the answer: on the page
    (url,) = LINK.findall(text)

    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert "&lt;b&gt;works&lt;/b&gt;" in page.text and "<b>works</b>" not in page.text
    assert "Be honest!" in page.text and "Explain one idea" in page.text

    empty = requests.post(url, data={"feedback": "   "}, timeout=10)
    assert empty.status_code == 422 and "Write your feedback first" in empty.text
    sent = requests.post(url, data={"feedback": "Clear and kind. Add an example."}, timeout=10,
                         allow_redirects=False)  # fmt: skip
    assert sent.status_code == 303
    again = requests.post(url, data={"feedback": "Changed my mind"}, timeout=10)
    assert again.status_code == 200 and "Thank you" in again.text  # works once

    me.push(mutation(2, "supporter.revoke", {"request_id": request_id}))  # too late: no-op
    state = latest(me, "supporter_request")[request_id]
    assert state["status"] == "answered"
    assert state["feedback"] == "Clear and kind. Add an example."
    assert "token" not in str(state) and url.rsplit("/", 1)[1] not in str(state)
    stored = rows(mailing_academy.data_dir, "SELECT body, sent_at FROM outgoing_mail")
    assert all(body == "" and sent for body, sent in stored)  # the link is not kept


def test_revoked_expired_and_unknown_links_say_so(
    mailing_academy: LiveServer, inbox: Inbox, seeded_template: Path, tmp_path: Path
) -> None:
    me = Installation.login(mailing_academy, add_learner(mailing_academy))
    request = ask(1, exercise(mailing_academy), supporter_email="revoke-me@example.org")
    me.push(request)
    (mail,) = [m for _r, m in inbox.wait_for(len(inbox.messages) + 1)
               if m["To"].addresses[0].addr_spec == "revoke-me@example.org"]  # fmt: skip
    (url,) = LINK.findall(mail.get_content())
    revoke = mutation(2, "supporter.revoke", {"request_id": request["args"]["request_id"]})
    assert results(me.push(revoke)) == [("applied", {"request_id": request["args"]["request_id"]})]
    gone = requests.get(url, timeout=10)
    assert gone.status_code == 410 and "withdrew" in gone.text
    refused = requests.post(url, data={"feedback": "late"}, timeout=10)
    assert refused.status_code == 410
    assert latest(me, "supporter_request")[request["args"]["request_id"]]["status"] == "revoked"

    other = Installation.login(mailing_academy, add_learner(mailing_academy))
    not_theirs = mutation(1, "supporter.revoke", {"request_id": request["args"]["request_id"]})
    assert results(other.push(not_theirs)) == [("rejected", "not_found")]

    for token in ("x" * 43, "%00", "'%3E%3Cscript%3E"):
        unknown = requests.get(url.rsplit("/", 1)[0] + "/" + token, timeout=10)
        assert unknown.status_code == 404 and "not valid" in unknown.text
        assert "<script>" not in unknown.text

    expiring = _academy(seeded_template, tmp_path, "--supporter-link-days", "0")
    try:
        learner = Installation.login(expiring, add_learner(expiring))
        learner.push(ask(1, exercise(expiring)))
        mails = _wait_for_eml(expiring.data_dir / "mail", 1)
        (old,) = LINK.findall(mails[0])
        expired = requests.get(old, timeout=10)
        assert expired.status_code == 410 and "expired" in expired.text
    finally:
        expiring.stop()


def _wait_for_eml(folder: Path, count: int) -> list[str]:
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = sorted(folder.glob("*.eml")) if folder.exists() else []
        if len(found) >= count:
            import email
            import email.policy

            texts = []
            for path in found:
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                body = message.get_body(("plain",))
                assert body is not None
                texts.append(body.get_content())
            return texts
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} .eml files in {folder}")


def test_limits_and_hostile_input_are_refused(mailing_academy: LiveServer, inbox: Inbox) -> None:
    me = Installation.login(mailing_academy, add_learner(mailing_academy))
    allowed = exercise(mailing_academy)
    refused = me.push(
        ask(1, allowed, supporter_email="a@b.org\r\nBcc: victim@example.org"),
        ask(2, allowed, supporter_email="one@example.org, two@example.org"),
        ask(3, allowed, supporter_name="Mira\nBcc: victim@example.org"),
        ask(4, exercise(mailing_academy, supporter=False)),
        ask(5, allowed, answer="", message="No answer yet"),
        ask(6, allowed, message="x" * 2_001),
    )
    assert [code for _s, code in results(refused)] == [
        "invalid_args", "invalid_args", "invalid_args", "forbidden", "invalid_args", "too_long",
    ]  # fmt: skip

    # Five a day per learner (the default), by the action's own day...
    today = [ask(7 + n, allowed, supporter_email=f"friend{n}@example.org") for n in range(6)]
    assert [s for s, _c in results(me.push(*today))] == ["applied"] * 5 + ["rejected"]
    yesterday = datetime.now(UTC) - timedelta(days=1)
    late = ask(13, allowed, when=yesterday, supporter_email="friend9@example.org")
    assert results(me.push(late))[0][0] == "applied"  # written offline yesterday: counts then
    # ...and three a day per supporter, across learners.
    for n in range(3):
        someone = Installation.login(mailing_academy, add_learner(mailing_academy))
        outcome = results(someone.push(ask(1, allowed, supporter_email="popular@example.org")))
        assert outcome[0][0] == ("applied" if n < 3 else "rejected")
    fourth = Installation.login(mailing_academy, add_learner(mailing_academy))
    assert results(fourth.push(ask(1, allowed, supporter_email="POPULAR@example.org"))) == [
        ("rejected", "rate_limited")
    ]


def test_a_refused_mailbox_is_reported_to_the_learner(
    mailing_academy: LiveServer, inbox: Inbox
) -> None:
    me = Installation.login(mailing_academy, add_learner(mailing_academy))
    request = ask(1, exercise(mailing_academy), supporter_email="bounce@example.org")
    me.push(request)
    import time

    deadline = time.monotonic() + 20
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = latest(me, "supporter_request").get(request["args"]["request_id"], {})
        if state.get("status") == "email_failed":
            break
        time.sleep(0.1)
    assert state["status"] == "email_failed"
    assert "bounce@example.org" in state["mail_error"]


def test_back_dating_does_not_lift_the_limit(mailing_academy: LiveServer) -> None:
    """Five a day by the action's own day, but at most a week's worth (35) arriving in one
    day, however the dates are spread."""
    me = Installation.login(mailing_academy, add_learner(mailing_academy))
    allowed = exercise(mailing_academy)
    now = datetime.now(UTC)
    spread = [
        ask(n + 1, allowed, when=now - timedelta(days=n), supporter_email=f"s{n}@example.org")
        for n in range(36)
    ]
    outcomes = results(me.push(*spread))
    assert [status for status, _code in outcomes[:35]] == ["applied"] * 35
    assert outcomes[35] == ("rejected", "rate_limited")


def test_a_request_withdrawn_while_its_e_mail_waits_is_never_sent(
    seeded_template: Path, tmp_path: Path
) -> None:
    closed_port = str(free_port())  # nothing listens: the mailer keeps retrying
    academy = _academy(seeded_template, tmp_path, "--smtp-host", "127.0.0.1",
                       "--smtp-port", closed_port)  # fmt: skip
    try:
        me = Installation.login(academy, add_learner(academy))
        request = ask(1, exercise(academy))
        me.push(request)
        me.push(mutation(2, "supporter.revoke", {"request_id": request["args"]["request_id"]}))
        stored = rows(
            academy.data_dir, "SELECT sent_at, failed, body, last_error FROM outgoing_mail"
        )
        assert stored == [(None, True, "", "Withdrawn before it was sent.")]
    finally:
        academy.stop()


def test_links_stay_out_of_the_access_log(seeded_template: Path, tmp_path: Path) -> None:
    academy = _academy(seeded_template, tmp_path, "--log-level", "info")  # access log on
    try:
        me = Installation.login(academy, add_learner(academy))
        me.push(ask(1, exercise(academy)))
        (url,) = LINK.findall(_wait_for_eml(academy.data_dir / "mail", 1)[0])
        assert requests.get(url, timeout=10).status_code == 200
    finally:
        academy.stop()
    logged = academy.stdout_log.read_text(encoding="utf-8")  # uvicorn's access log
    assert "GET /supporter/… HTTP/1.1" in logged  # the visit is logged...
    assert url.rsplit("/", 1)[1] not in logged  # ...without the token


def _push_in(me: Installation, language: str, *items: dict[str, Any]) -> dict[str, Any]:
    reply = requests.post(
        f"{me.server.url}/v1/sync/push",
        json={"client_id": me.client_id, "mutations": list(items)},
        headers={"Authorization": f"Bearer {me.token}", "Accept-Language": language},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def test_the_supporter_reads_the_chosen_language_the_learner_their_own(
    mailing_academy: LiveServer, inbox: Inbox
) -> None:
    """A Dutch learner (Accept-Language nl) asks one supporter in English and one in Dutch:
    each e-mail and page is in its supporter's language, the learner's message is marked as
    Dutch on both, and a bounce is told to the learner in Dutch."""
    me = Installation.login(mailing_academy, add_learner(mailing_academy))
    allowed = exercise(mailing_academy)
    english = ask(1, allowed, supporter_email="kim.en@example.org", message="Lees je dit?")
    dutch = ask(2, allowed, supporter_email="kim.nl@example.org", message="Lees je dit?",
                language="nl")  # fmt: skip
    bounced = ask(3, allowed, supporter_email="bounce@example.org", language="nl")
    assert [r["status"] for r in _push_in(me, "nl", english, dutch, bounced)["results"]] == [
        "applied"
    ] * 3

    def mail_to(address: str) -> Any:
        inbox.supporter_link(address)
        return next(m for to, m in inbox.messages if to == [address])

    assert "asks for your feedback" in mail_to("kim.en@example.org")["Subject"]
    in_dutch = mail_to("kim.nl@example.org")
    assert "vraagt je om feedback" in in_dutch["Subject"]
    assert in_dutch.get_content().startswith("Beste Mira de Boer,")
    for address, lang in (("kim.en@example.org", "en"), ("kim.nl@example.org", "nl")):
        page = requests.get(inbox.supporter_link(address), timeout=10)
        assert page.headers["Content-Language"] == lang
        assert f'<html lang="{lang}">' in page.text
        assert "<div class='quote' id='message' lang='nl'>Lees je dit?</div>" in page.text
        assert "id='answer' lang='en'" in page.text  # the course's language

    request_id = bounced["args"]["request_id"]
    deadline = time.monotonic() + 20
    state: dict[str, Any] = {}
    while time.monotonic() < deadline and state.get("status") != "email_failed":
        state = latest(me, "supporter_request").get(request_id, {})
        time.sleep(0.1)
    assert state["status"] == "email_failed" and state["language"] == "nl"
    assert state["mail_error"].startswith("De mailserver weigerde bounce@example.org: ")
