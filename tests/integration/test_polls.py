"""Polls end to end against the real academy: vote offline, change the vote, sync, see the
community's results; a vote on a poll that closed meanwhile comes back refused with the reason;
the same through `samen poll`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.errors import SamenError
from desktop.domain.poll import VoteState
from tests.cli_runner import run_samen
from tests.integration.sync_helpers import AGREE, NOT_SURE, POLL, client
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer, run_cli, start_server

DISAGREE = f"{POLL}-3"


@pytest.fixture(scope="module")
def poll_academy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("poll-academy"), seed_demo=True)
    yield server
    server.stop()


def _close_poll(server: LiveServer) -> None:
    closed = run_cli("poll", "close", "--data", str(server.data_dir), POLL)
    assert closed.returncode == 0, closed.stderr


def test_vote_offline_change_it_sync_and_see_the_results(
    poll_academy: LiveServer, tmp_path: Path
) -> None:
    anna = client(tmp_path / "anna", poll_academy.url, add_learner(poll_academy))
    assert anna.sync.run_window().ok
    (poll,) = anna.polls.polls(course_id="learning-together")
    assert poll.is_open and poll.vote_state is VoteState.NONE
    assert not poll.results_shown and all(o.votes is None for o in poll.options)

    waiting = anna.polls.vote(POLL, AGREE)
    assert waiting.vote_state is VoteState.WAITING and waiting.my_vote == AGREE
    assert not waiting.results_shown  # the academy sends results to voters only
    changed = anna.polls.vote(POLL, NOT_SURE)  # changed before it was sent: one action
    assert changed.my_vote == NOT_SURE
    assert [i.name for i in anna.queue.items()] == ["poll.vote"]
    with pytest.raises(SamenError, match="no option"):
        anna.polls.vote(POLL, "maybe")

    assert anna.sync.run_window().ok
    counted = anna.polls.poll(POLL)
    assert counted.vote_state is VoteState.COUNTED and counted.my_vote == NOT_SURE
    mine = next(o for o in counted.options if o.id == NOT_SURE)
    assert mine.votes is not None and mine.votes >= 1 and counted.total is not None

    ben = client(tmp_path / "ben", poll_academy.url, add_learner(poll_academy))
    assert ben.sync.run_window().ok
    assert not ben.polls.poll(POLL).results_shown  # Ben has not voted yet
    ben.polls.vote(POLL, NOT_SURE)
    assert ben.sync.run_window().ok
    after = next(o for o in ben.polls.poll(POLL).options if o.id == NOT_SURE)
    assert after.votes == mine.votes + 1

    # Anna changes her mind later: still one vote of hers.
    anna.polls.vote(POLL, DISAGREE)
    assert anna.sync.run_window().ok
    final = anna.polls.poll(POLL)
    assert final.my_vote == DISAGREE and final.total == counted.total + 1  # Ben's, not hers


def test_a_vote_on_a_poll_that_closed_meanwhile_is_refused_with_the_reason(
    tmp_path: Path,
) -> None:
    academy = start_server(tmp_path / "closing-academy", seed_demo=True)  # its poll closes
    try:
        _vote_then_close(academy, tmp_path)
    finally:
        academy.stop()


def _vote_then_close(poll_academy: LiveServer, tmp_path: Path) -> None:
    cara = client(tmp_path / "cara", poll_academy.url, add_learner(poll_academy))
    assert cara.sync.run_window().ok
    cara.polls.vote(POLL, AGREE)  # offline, while the poll still looked open
    _close_poll(poll_academy)
    report = cara.sync.run_window()
    assert report.ok and report.rejected == 1
    refused = cara.polls.poll(POLL)
    assert refused.vote_state is VoteState.REFUSED
    assert refused.refusal == "This poll closed before your vote arrived."
    assert refused.my_vote == AGREE
    # Closed: the final results go to everyone, voters or not.
    assert not refused.is_open and refused.results_shown and refused.total == 0


def test_the_poll_commands(poll_academy: LiveServer, tmp_path: Path) -> None:
    core = client(tmp_path, poll_academy.url, add_learner(poll_academy))
    assert core.sync.run_window().ok
    core.close()
    listed = run_samen(tmp_path, "poll", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"{POLL}:" in listed.stdout and f"{AGREE}:" in listed.stdout
    bad = run_samen(tmp_path, "poll", "vote", POLL, "nope")
    assert bad.returncode == 1 and "no option" in bad.stderr
