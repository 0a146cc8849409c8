"""Poll results over real HTTP: while a poll is open only its voters pull the tally (scope
``poll:<id>``); once it has closed, the final tally goes once to the course scope for everyone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from tests.academy_database import execute, rows
from tests.server.sync_api import (
    AGREE,
    COURSE,
    DISAGREE,
    NOT_SURE,
    POLL,
    Installation,
    add_learner,
    progress,
    vote,
)
from tests.server_process import LiveServer

POLL_SCOPE = f"poll:{POLL}"
COURSE_SCOPE = f"course:{COURSE}"


def _results(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in changes if c["entity"] == "poll_results" and c["id"] == POLL]


def _tally(agree: int, not_sure: int, disagree: int) -> dict[str, Any]:
    counts = {AGREE: agree, NOT_SURE: not_sure, DISAGREE: disagree}
    return {"poll_id": POLL, "counts": counts, "total": agree + not_sure + disagree}


def _close_poll_in_the_past(server: LiveServer) -> None:
    """As if the poll's closes_at had passed (no CLI involved, so only a sweep publishes)."""
    execute(
        server.data_dir,
        "UPDATE polls SET closes_at = :past WHERE id = :poll",
        past=datetime(2001, 1, 1, tzinfo=UTC),
        poll=POLL,
    )


def _logged_course_results(server: LiveServer) -> int:
    ((count,),) = rows(
        server.data_dir,
        "SELECT count(*) FROM change_log WHERE entity = 'poll_results' AND scope = :scope",
        scope=COURSE_SCOPE,
    )
    return int(count)


def test_results_are_for_voters_until_the_poll_closes_then_for_everyone_once(
    fresh_academy: LiveServer,
) -> None:
    anna = Installation.login(fresh_academy, add_learner(fresh_academy))
    ben = Installation.login(fresh_academy, add_learner(fresh_academy))
    assert _results(ben.pull_all()[0]) == []  # no tally before voting

    assert anna.push(vote(1, AGREE))["results"][0]["status"] == "applied"
    pulled = _results(anna.pull_all()[0])
    assert [(c["scope"], c["data"]) for c in pulled] == [(POLL_SCOPE, _tally(1, 0, 0))]
    assert _results(ben.pull_all()[0]) == []  # Anna's vote gave Ben nothing

    _, ben_cursor = ben.pull_all()
    ben.push(vote(1, NOT_SURE))
    after_vote = _results(ben.pull_all(ben_cursor)[0])  # the scope is new to Ben: still here
    assert [(c["scope"], c["data"]) for c in after_vote] == [(POLL_SCOPE, _tally(1, 1, 0))]

    _close_poll_in_the_past(fresh_academy)
    cara = Installation.login(fresh_academy, add_learner(fresh_academy))
    final = _results(cara.pull_all()[0])
    assert [(c["scope"], c["op"], c["data"]) for c in final] == [
        (COURSE_SCOPE, "put", _tally(1, 1, 0))
    ]
    _, anna_cursor = anna.pull_all()
    for me in (anna, ben, cara, cara):
        me.pull_all()
    assert _logged_course_results(fresh_academy) == 1  # published once, whoever pulls
    assert anna.pull_all(anna_cursor)[0] == []

    late = cara.push(vote(1, DISAGREE))["results"][0]
    assert (late["status"], late["code"]) == ("rejected", "poll_closed")
    assert late["message"] == "This poll closed before your vote arrived."


def test_a_push_batch_publishes_closed_polls_too(fresh_academy: LiveServer) -> None:
    voter = Installation.login(fresh_academy, add_learner(fresh_academy))
    voter.push(vote(1, DISAGREE))
    _close_poll_in_the_past(fresh_academy)
    assert _logged_course_results(fresh_academy) == 0  # nothing has swept yet
    voter.push(progress(2, 1_000))
    assert _logged_course_results(fresh_academy) == 1
    final = [c for c in _results(voter.pull_all()[0]) if c["scope"] == COURSE_SCOPE]
    assert [c["data"] for c in final] == [_tally(0, 0, 1)]


def test_concurrent_pulls_publish_the_final_results_once(fresh_academy: LiveServer) -> None:
    learners = [Installation.login(fresh_academy, add_learner(fresh_academy)) for _ in range(6)]
    learners[0].push(vote(1, AGREE))
    _close_poll_in_the_past(fresh_academy)
    with ThreadPoolExecutor(max_workers=len(learners)) as pool:
        pages = list(pool.map(lambda me: me.pull(), learners))
    assert _logged_course_results(fresh_academy) == 1
    for page in pages:
        # Each pull either published or waited for the one that did: all see the results.
        final = [c for c in _results(page["changes"]) if c["scope"] == COURSE_SCOPE]
        assert [c["data"] for c in final] == [_tally(1, 0, 0)]
