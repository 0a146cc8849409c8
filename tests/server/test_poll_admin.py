"""`samen-server poll create | close | list` as real processes, and what learners then pull
and vote on over real HTTP."""

from __future__ import annotations

import subprocess

import pytest

from tests.server.sync_api import Installation, add_learner, mutation
from tests.server_process import LiveServer, run_cli

COURSE = "learning-together"
LESSON = "learning-together-3"
DEMO_POLL = "learning-together-poll-1"


def _poll(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("poll", args[0], "--data", str(server.data_dir), *args[1:])


def _listed(server: LiveServer, *course: str) -> dict[str, list[str]]:
    """`poll list` as {poll id: [course, lesson, state, votes, statement]}."""
    listed = _poll(server, "list", *course)
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert header.split("\t") == ["ID", "COURSE", "LESSON", "STATE", "VOTES", "STATEMENT"]
    return {line.split("\t")[0]: line.split("\t")[1:] for line in lines}


def _create(server: LiveServer, *extra: str, options: tuple[str, ...] = ("Yes", "No")) -> str:
    created = _poll(
        server,
        "create",
        COURSE,
        "--statement",
        "Study groups of four work best.",
        *(arg for option in options for arg in ("--option", option)),
        *extra,
    )
    assert created.returncode == 0, created.stderr
    poll_id = created.stdout.strip()
    assert poll_id.startswith(f"{COURSE}-poll-")
    return poll_id


def _args(*extra: str, statement: str = "S", options: tuple[str, ...] = ("a", "b")) -> list[str]:
    return [COURSE, "--statement", statement, *(f"--option={o}" for o in options), *extra]


REFUSED = [
    (["nope", "--statement", "S", "--option=a", "--option=b"], "there is no course 'nope'"),
    (_args("--lesson", "samen-leren-1"), f"the course '{COURSE}' has no lesson 'samen-leren-1'"),
    (_args(options=("a",)), "a poll needs 2 to 10 options (--option), not 1"),
    (_args(options=tuple("abcdefghijk")), "a poll needs 2 to 10 options (--option), not 11"),
    (_args(options=("Yes", " yes ")), "the option 'yes' is given twice"),
    (_args(options=("a", "  ")), "an option is empty"),
    (_args(statement="  "), "the statement is empty"),
    (_args(statement="s" * 501), "the statement has 501 characters; at most 500 fit"),
    (_args(options=("a", "o" * 301)), "has 301 characters; at most 300 fit"),
    (
        _args("--opens", "2099-01-02T00:00Z", "--closes", "2099-01-01T00:00Z"),
        "--closes 2099-01-01T00:00:00Z is not after the poll opens (2099-01-02T00:00:00Z)",
    ),
    (
        _args("--closes", "2099-01-01 17:00"),
        "--closes '2099-01-01 17:00' has no time zone; write it as e.g. 2026-05-01T17:00+02:00",
    ),
    (_args("--opens", "soon"), "--opens 'soon' is not an ISO 8601 time such as"),
    (_args("--closes", "2001-01-01T00:00Z"), "--closes 2001-01-01T00:00:00Z has passed already"),
]


@pytest.mark.timeout(180)  # a dozen CLI processes; on a busy machine 60 s ran out
def test_poll_create_refuses_bad_input_with_one_clear_line(fresh_academy: LiveServer) -> None:
    for args, reason in REFUSED:
        refused = _poll(fresh_academy, "create", *args)
        assert refused.returncode == 1, (args, refused.stdout)
        assert refused.stderr.startswith("samen-server: error: "), refused.stderr
        assert reason in refused.stderr, (reason, refused.stderr)
        assert len(refused.stderr.splitlines()) == 1 and refused.stdout == ""
    assert list(_listed(fresh_academy)) == [DEMO_POLL]  # nothing was added
    no_option = _poll(fresh_academy, "create", COURSE, "--statement", "S")
    assert no_option.returncode == 2 and "--option" in no_option.stderr


def test_a_poll_made_with_the_cli_is_pulled_voted_on_closed_and_its_results_published(
    fresh_academy: LiveServer,
) -> None:
    poll_id = _create(
        fresh_academy, "--lesson", LESSON, "--closes", "2099-06-01T12:00+02:00",
        options=("Agree", "Not sure", "Disagree"),
    )  # fmt: skip
    voter = Installation.login(fresh_academy, add_learner(fresh_academy))
    pulled = [c for c in voter.pull_all()[0] if c["id"] == poll_id]
    assert [(c["scope"], c["entity"]) for c in pulled] == [(f"course:{COURSE}", "poll")]
    assert pulled[0]["data"] == {
        "poll_id": poll_id,
        "course_id": COURSE,
        "lesson_id": LESSON,
        "statement": "Study groups of four work best.",
        "options": [
            {"id": f"{poll_id}-1", "text": "Agree"},
            {"id": f"{poll_id}-2", "text": "Not sure"},
            {"id": f"{poll_id}-3", "text": "Disagree"},
        ],
        "opens_at": pulled[0]["data"]["opens_at"],
        "closes_at": "2099-06-01T10:00:00Z",
    }
    cast = voter.push(mutation(1, "poll.vote", {"poll_id": poll_id, "option_id": f"{poll_id}-2"}))
    assert cast["results"][0]["status"] == "applied"
    assert _listed(fresh_academy, COURSE)[poll_id] == [
        COURSE, LESSON, "open", "1", "Study groups of four work best."
    ]  # fmt: skip

    closed = _poll(fresh_academy, "close", poll_id)
    assert closed.returncode == 0, closed.stderr
    assert f"closed poll {poll_id} (1 votes)" in closed.stdout
    outsider = Installation.login(fresh_academy, add_learner(fresh_academy))
    seen = {c["entity"]: c for c in outsider.pull_all()[0] if c["id"] == poll_id}
    assert seen["poll"]["data"]["closes_at"] < "2099"  # closed now, not in 2099
    assert (seen["poll_results"]["scope"], seen["poll_results"]["data"]["counts"]) == (
        f"course:{COURSE}",
        {f"{poll_id}-1": 0, f"{poll_id}-2": 1, f"{poll_id}-3": 0},
    )
    late = outsider.push(
        mutation(1, "poll.vote", {"poll_id": poll_id, "option_id": f"{poll_id}-1"})
    )
    assert late["results"][0]["code"] == "poll_closed"
    assert _listed(fresh_academy)[poll_id][2] == "closed"

    again = _poll(fresh_academy, "close", poll_id)
    assert again.returncode == 1
    assert again.stderr.startswith(f"samen-server: error: the poll '{poll_id}' closed already at")
    unknown = _poll(fresh_academy, "close", "no-such-poll")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "samen-server: error: there is no poll 'no-such-poll'"


def test_a_poll_that_opens_later_waits_and_list_checks_its_course(
    fresh_academy: LiveServer,
) -> None:
    poll_id = _create(fresh_academy, "--opens", "2098-01-01T09:00+01:00")
    assert _listed(fresh_academy, COURSE)[poll_id][2:4] == ["not open yet", "0"]
    assert _listed(fresh_academy, "samen-leren") == {}
    learner = Installation.login(fresh_academy, add_learner(fresh_academy))
    early = learner.push(
        mutation(1, "poll.vote", {"poll_id": poll_id, "option_id": f"{poll_id}-1"})
    )
    assert early["results"][0]["code"] == "poll_not_open"
    second = _create(fresh_academy)
    assert second != poll_id
    unknown = _poll(fresh_academy, "list", "nope")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "samen-server: error: there is no course 'nope'"
