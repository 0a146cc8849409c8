"""The supporter tool end to end: a learner asks offline, the next sync sends it, the academy
e-mails the supporter (a real SMTP server on loopback), the supporter opens the link in a real
headless Chromium, reads only that exercise and answer and sends feedback once, and the
learner's next sync shows it, with points. A withdrawn request's link stops working."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core import Core
from desktop.domain.course import ExerciseKind
from desktop.domain.errors import SamenError
from desktop.domain.supporter import RequestStatus
from tests.browser import browser_page
from tests.cli_runner import run_samen
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import client, until_request
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer
from tests.smtp_inbox import Inbox

COURSE, LESSON = "learning-together", "learning-together-2"

pytestmark = pytest.mark.timeout(120)


def _answered(core: Core) -> tuple[str, str]:
    """Answers the supporter exercise of lesson 2 and a reflection of lesson 3; returns
    (supporter exercise id, its answer)."""
    core.catalogue.fetch_course(COURSE)
    lessons = {item.id: item for item in core.lessons.lessons(COURSE)}
    allowed = next(e for e in lessons[LESSON].exercises if e.supporter_allowed)
    other = next(e for e in lessons["learning-together-3"].exercises
                 if e.kind is ExerciseKind.REFLECTION)  # fmt: skip
    text = "A private reflection, not for Mira."
    core.learning.answer_text(COURSE, "learning-together-3", other, text)
    answer = "Explaining makes you order your thoughts; gaps show at once."
    core.learning.answer_text(COURSE, LESSON, allowed, answer)
    return allowed.id, answer


def test_ask_offline_supporter_answers_in_a_browser_learner_sees_it(
    academy_with_mail: LiveServer, inbox: Inbox, tmp_path: Path
) -> None:
    anna = client(tmp_path / "anna", academy_with_mail.url, add_learner(academy_with_mail))
    exercise_id, answer = _answered(anna)
    with pytest.raises(SamenError, match="one e-mail address"):
        anna.supporters.ask(LESSON, exercise_id, "Mira", "mira@example.org, x@y.org", "Hi")
    request_id = anna.supporters.ask(
        LESSON, exercise_id, "Mira de Boer", "mira@example.org", "Could you read this?"
    )
    (waiting,) = anna.supporters.requests(exercise_id)
    assert waiting.status is RequestStatus.WAITING and waiting.answer == answer

    until_request(anna, request_id, RequestStatus.EMAILED)
    url = inbox.supporter_link("mira@example.org")
    with browser_page(tmp_path / "chromium") as page:
        page.goto(url)
        assert page.locator("#answer").inner_text() == answer
        assert "Explain one idea from this course" in page.content()
        assert "A private reflection" not in page.content()  # only that exercise and answer
        page.fill("#feedback", "Well put. One example would make it stick.")
        page.get_by_role("button", name="Send feedback").click()
        page.wait_for_selector("text=Thank you")
        page.go_back()
        page.reload()
        assert "Thank you" in page.content() and page.locator("#feedback").count() == 0

    until_request(anna, request_id, RequestStatus.ANSWERED)
    (answered,) = anna.supporters.requests(exercise_id)
    assert answered.feedback == "Well put. One example would make it stick."
    assert anna.supporters.points(COURSE).by_reason == {"supporter_asked": 5}


def test_a_withdrawn_request_stops_its_link(
    academy_with_mail: LiveServer, inbox: Inbox, tmp_path: Path
) -> None:
    ben = client(tmp_path / "ben", academy_with_mail.url, add_learner(academy_with_mail))
    exercise_id, _answer = _answered(ben)
    draft = ben.supporters.ask(LESSON, exercise_id, "Jo", "jo@example.org", "")
    ben.supporters.withdraw(draft)  # never sent: it simply leaves the queue
    assert ben.supporters.requests() == []
    assert [i.name for i in ben.queue.items()] == ["exercise.answer"] * 2  # the answers only

    request_id = ben.supporters.ask(LESSON, exercise_id, "Sam", "sam@example.org", "")
    until_request(ben, request_id, RequestStatus.EMAILED)
    url = inbox.supporter_link("sam@example.org")
    ben.supporters.withdraw(request_id)
    assert ben.supporters.requests()[0].status is RequestStatus.REVOKED  # shown at once
    until_request(ben, request_id, RequestStatus.REVOKED)
    with browser_page(tmp_path / "chromium") as page:
        reply = page.goto(url)
        assert reply is not None and reply.status == 410
        assert "withdrew" in page.content() and page.locator("#feedback").count() == 0


def test_the_supporter_and_points_commands(academy_with_mail: LiveServer, tmp_path: Path) -> None:
    username = add_learner(academy_with_mail)
    core = client(tmp_path, academy_with_mail.url, username)
    exercise_id, _answer = _answered(core)
    core.close()
    asked = run_samen(tmp_path, "supporter", "ask", LESSON, exercise_id,
                      "--name", "Kim", "--email", "kim@example.org")  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    listed = run_samen(tmp_path, "supporter", "list")
    assert "Kim <kim@example.org>: Not sent yet" in listed.stdout
    bad = run_samen(tmp_path, "supporter", "ask", LESSON, exercise_id,
                    "--name", "Kim", "--email", "kim@")  # fmt: skip
    assert bad.returncode == 1 and "does not look like one e-mail address" in bad.stderr
    # The token lives in this test's in-memory keyring: sync in-process, as the same learner.
    again = client(tmp_path, academy_with_mail.url, username)
    assert again.sync.run_window().ok
    again.close()
    points = run_samen(tmp_path, "points", COURSE)
    assert points.stdout.startswith("5 points in learning-together")
    assert "+5  Asked a supporter for feedback" in points.stdout


def test_an_accepted_request_stays_on_its_card_when_the_pull_fails(
    academy_with_mail: LiveServer, tmp_path: Path
) -> None:
    with FaultProxy("127.0.0.1", academy_with_mail.port) as proxy:
        cleo = client(tmp_path / "cleo", proxy.url, add_learner(academy_with_mail))
        exercise_id, _answer = _answered(cleo)
        request_id = cleo.supporters.ask(LESSON, exercise_id, "Ria", "ria@example.org", "")
        proxy.set(Fault.HTTP_ERROR, status=503, path="/v1/sync/pull")  # pushes still pass
        assert not cleo.sync.run_window().ok
        assert [i.name for i in cleo.queue.items()] == []  # accepted
        (shown,) = cleo.supporters.requests(exercise_id)
        assert (shown.id, shown.status) == (request_id, RequestStatus.QUEUED)
        cleo.supporters.withdraw(request_id)  # still possible before it came back
        assert cleo.supporters.requests(exercise_id)[0].status is RequestStatus.REVOKED
        proxy.set(Fault.PASS)
        until_request(cleo, request_id, RequestStatus.REVOKED)
