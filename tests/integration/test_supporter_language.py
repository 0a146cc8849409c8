"""Supporters read their own language, end to end: the learner chooses it when asking (their
own language by default, `samen supporter ask --language` on the command line); the academy's
e-mail (a real SMTP server on loopback), its subject and the supporter's page (a real headless
Chromium) are in it, with lang on the page and on the quoted learner text (the course's)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from desktop.core import Core
from desktop.domain.supporter import RequestStatus
from tests.browser import browser_page
from tests.cli_runner import run_samen
from tests.integration.sync_helpers import client, until_request
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer
from tests.smtp_inbox import Inbox

COURSE, LESSON = "learning-together", "learning-together-2"  # an English course
DUTCH_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
)
# English the Dutch page and e-mail must not say.
ENGLISH = ("Feedback for a learner", "Send feedback", "Your feedback", "Their answer", "Dear ")

pytestmark = pytest.mark.timeout(120)


def _answered(core: Core) -> str:
    core.catalogue.fetch_course(COURSE)
    lesson = next(item for item in core.lessons.lessons(COURSE) if item.id == LESSON)
    allowed = next(e for e in lesson.exercises if e.supporter_allowed)
    core.learning.answer_text(COURSE, LESSON, allowed, "Uitleggen ordent je gedachten.")
    return allowed.id


def _mail_to(inbox: Inbox, address: str) -> EmailMessage:
    inbox.supporter_link(address)  # waits until it has arrived
    (message,) = [m for to, m in inbox.messages if to == [address]]
    return message


def test_a_dutch_learner_asks_and_the_supporter_reads_dutch(
    dutch: None, academy_with_mail: LiveServer, inbox: Inbox, tmp_path: Path
) -> None:
    anna = client(tmp_path / "anna", academy_with_mail.url, add_learner(academy_with_mail))
    try:
        exercise_id = _answered(anna)
        request_id = anna.supporters.ask(  # no language chosen: the learner's own
            LESSON, exercise_id, "Mira de Boer", "mira.nl@example.org", "Wil je dit lezen?"
        )
        (waiting,) = anna.supporters.requests(exercise_id)
        assert waiting.language == "nl"
        assert waiting.status_text == (
            "Nog niet verstuurd: het gaat mee bij de volgende synchronisatie."
        )
        until_request(anna, request_id, RequestStatus.EMAILED)
    finally:
        anna.close()

    mail = _mail_to(inbox, "mira.nl@example.org")
    assert re.fullmatch(r".+ vraagt je om feedback \(.+\)", str(mail["Subject"]))
    assert mail["Content-Language"] == "nl"
    body = mail.get_content()
    assert body.startswith("Beste Mira de Boer,")
    assert "> Wil je dit lezen?" in body
    assert re.search(rf"De link werkt één keer, tot \d{{1,2}} ({DUTCH_MONTHS}) \d{{4}}:", body)
    assert not any(english in body for english in ENGLISH)

    url = inbox.supporter_link("mira.nl@example.org")
    with browser_page(tmp_path / "chromium") as page:
        reply = page.goto(url)
        assert reply is not None and reply.headers["content-language"] == "nl"
        assert page.locator("html").get_attribute("lang") == "nl"
        # The learner's words are in the course's language, and say so.
        assert page.locator("#answer").get_attribute("lang") == "en"
        assert page.locator("#message").get_attribute("lang") == "nl"  # Anna's own words
        assert page.locator("#answer").inner_text() == "Uitleggen ordent je gedachten."
        assert page.get_by_text("Het antwoord", exact=True).count() == 1
        content = page.content()
        assert not any(english in content for english in ENGLISH)
        page.get_by_role("button", name="Feedback versturen").click()  # empty: refused
        assert page.locator("#feedback").count() == 1
        page.fill("#feedback", "Helder. Een voorbeeld erbij maakt het af.")
        page.get_by_role("button", name="Feedback versturen").click()
        page.wait_for_selector("text=Dank je wel")
        assert page.locator("html").get_attribute("lang") == "nl"
        assert re.search(rf"verstuurd op \d{{1,2}} ({DUTCH_MONTHS}) \d{{4}}", page.content())


def test_an_english_learner_chooses_dutch_on_the_command_line(
    academy_with_mail: LiveServer, inbox: Inbox, tmp_path: Path
) -> None:
    username = add_learner(academy_with_mail)
    core = client(tmp_path, academy_with_mail.url, username)
    exercise_id = _answered(core)
    core.close()
    asked = run_samen(tmp_path, "supporter", "ask", LESSON, exercise_id, "--name", "Kees",
                      "--email", "kees@example.org", "--language", "nl")  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    wrong = run_samen(tmp_path, "supporter", "ask", LESSON, exercise_id, "--name", "Kees",
                      "--email", "kees@example.org", "--language", "fr")  # fmt: skip
    assert wrong.returncode == 2 and "--language" in wrong.stderr
    again = client(tmp_path, academy_with_mail.url, username)
    try:
        (request,) = again.supporters.requests(exercise_id)
        assert request.language == "nl"
        until_request(again, request.id, RequestStatus.EMAILED)
    finally:
        again.close()
    mail = _mail_to(inbox, "kees@example.org")
    assert "vraagt je om feedback" in str(mail["Subject"])
    assert mail.get_content().startswith("Beste Kees,")


def test_an_english_request_stays_english(
    academy_with_mail: LiveServer, inbox: Inbox, tmp_path: Path
) -> None:
    ben = client(tmp_path / "ben", academy_with_mail.url, add_learner(academy_with_mail))
    try:
        exercise_id = _answered(ben)
        request_id = ben.supporters.ask(LESSON, exercise_id, "Sam", "sam.en@example.org", "")
        until_request(ben, request_id, RequestStatus.EMAILED)
    finally:
        ben.close()
    mail = _mail_to(inbox, "sam.en@example.org")
    assert "asks for your feedback" in str(mail["Subject"])
    assert mail.get_content().startswith("Dear Sam,")
    assert "> (no message)" in mail.get_content()
    with browser_page(tmp_path / "chromium") as page:
        page.goto(inbox.supporter_link("sam.en@example.org"))
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("button", name="Send feedback").count() == 1
