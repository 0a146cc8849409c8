"""Refusals from the academy in the learner's language: with the client in Dutch, a real
rejection from the real academy (a vote that arrives after its poll closed) reads in Dutch,
said from its stable code; the academy itself answered in Dutch (Accept-Language); numbers
come from the rejection's params; a code this client does not know falls back to the
academy's own message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.poll import VoteState
from desktop.domain.sync import OutboxItem, OutboxState
from desktop.services import refusals
from desktop.ui.action_text import refusal_reason
from tests.integration.sync_helpers import AGREE, POLL, client
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer, run_cli, start_server

CLOSED_NL = "Deze peiling was al gesloten toen je stem aankwam."


@pytest.fixture
def closing_academy(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path / "closing-academy", seed_demo=True)  # its poll closes
    yield server
    server.stop()


def test_a_real_refusal_reads_in_dutch(
    dutch: None, closing_academy: LiveServer, tmp_path: Path
) -> None:
    cara = client(tmp_path / "cara", closing_academy.url, add_learner(closing_academy))
    try:
        assert cara.sync.run_window().ok
        cara.polls.vote(POLL, AGREE)  # offline, while the poll still looked open
        closed = run_cli("poll", "close", "--data", str(closing_academy.data_dir), POLL)
        assert closed.returncode == 0, closed.stderr
        report = cara.sync.run_window()
        assert report.ok and report.rejected == 1

        refused = cara.polls.poll(POLL)
        assert refused.vote_state is VoteState.REFUSED
        assert refused.refusal == CLOSED_NL
        (item,) = cara.queue.items(names=["poll.vote"])
        assert item.code == "poll_closed"
        assert item.message == CLOSED_NL  # the academy answered in the language asked for
        assert refusal_reason(item) == CLOSED_NL  # the "Waiting to send" page's words
    finally:
        cara.close()


def _refused(code: str | None, message: str | None, **params: str | int) -> OutboxItem:
    return OutboxItem(
        id=1,
        mutation_id="m-1",
        client_id="c-1",
        seq=1,
        kind="forum",
        name="forum.new_thread",
        args={},
        state=OutboxState.REJECTED,
        created_at="2026-12-02T09:00:00+00:00",
        code=code,
        message=message,
        params=params or None,
    )


def test_the_code_wins_over_an_english_message(dutch: None) -> None:
    """Refused while Samen spoke English, read after switching to Dutch."""
    item = _refused("poll_closed", "This poll closed before your vote arrived.")
    assert refusals.say(item) == CLOSED_NL


def test_params_fill_the_dutch_sentence_in_dutch_digits(dutch: None) -> None:
    item = _refused(
        "too_long", "The text is too long.", subject="text", length=10_001, limit=10_000
    )
    assert refusals.say(item) == "De tekst heeft 10.001 tekens; er passen er hoogstens 10.000."
    unknown_subject = _refused("not_found", "Gone.", subject="something-new")
    assert refusals.say(unknown_subject) == (
        "Waar dit naar verwijst, staat niet meer bij de academie."
    )
    # A sentence whose value did not come falls back to the code's general one.
    assert refusals.say(_refused("too_long", "x", subject="text")) == (
        "Een tekst in deze actie is te lang voor de academie."
    )


def test_an_unknown_code_falls_back_to_the_academys_message(dutch: None) -> None:
    item = _refused("brand_new_rule", "De academie neemt dit vandaag niet aan.", subject="x")
    assert refusals.say(item) == "De academie neemt dit vandaag niet aan."
    assert refusal_reason(_refused("brand_new_rule", "  Nee  ")) == "Nee."
    assert refusals.say(_refused("brand_new_rule", None)) == "De academie heeft het geweigerd."
    assert refusal_reason(None) == "De academie heeft het niet aangenomen."


def test_every_code_the_academy_rejects_with_has_a_sentence() -> None:
    """grep server/ for `Rejected("<code>"`: each is known here (a new one must be added)."""
    import re

    root = Path(__file__).resolve().parents[2] / "server"
    codes = {
        match
        for path in root.rglob("*.py")
        for match in re.findall(r'Rejected\(\s*"([a-z_]+)"', path.read_text("utf-8"))
    }
    codes |= {"unknown_mutation", "internal", "idempotency_mismatch"}  # said by the push
    known = {code for code, _subject in refusals._BY_SUBJECT} | set(refusals._BY_CODE)
    assert codes - known == set(), codes - known
