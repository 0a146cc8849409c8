"""GET /v1/sync/pull over real HTTP: paging, scopes, resets and replayed outcomes."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.server.api import assert_error
from tests.server.sync_api import AGREE, POLL, Installation, add_learner, progress, vote
from tests.server_process import LiveServer, copy_academy


def test_a_first_pull_shows_the_demo_poll(live_server: LiveServer) -> None:
    me = Installation.login(live_server, "anna")
    changes, _ = me.pull_all()
    polls = [c for c in changes if c["entity"] == "poll" and c["id"] == POLL]
    assert polls, changes
    data = polls[0]["data"]
    assert polls[0]["scope"] == "course:learning-together"
    assert data["statement"].startswith("Explaining a topic")
    assert [o["text"] for o in data["options"]] == ["Agree", "Not sure", "Disagree"]
    assert data["opens_at"] == "2025-01-01T00:00:00Z"
    assert data["closes_at"] is None
    # An open poll's running results are for its voters only, never in the course scope.
    assert not any(
        c["entity"] == "poll_results" and c["scope"].startswith("course:") for c in changes
    )


def test_pages_follow_the_cursor(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy)
    seeded = len(me.pull_all(limit=1000)[0])  # the demo's poll, its results, forum threads
    for seq in range(1, 13):  # one push each: twelve changes of one lesson's progress
        me.push(progress(seq, seq * 1000))
    everything, final_cursor = me.pull_all(limit=1000)
    # A pull sends an entity in its newest version only: the twelfth.
    assert len(everything) == seeded + 1
    assert [c["data"]["position_ms"] for c in everything if c["entity"] == "progress"] == [12_000]

    pages = []
    cursor = ""
    while True:
        page = me.pull(cursor, limit=5)
        pages.append(page)
        assert _id(page["cursor"]) > _id(cursor)
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    full, rest = divmod(len(everything), 5)
    assert [len(p["changes"]) for p in pages] == [5] * full + ([rest] if rest else [])
    assert [p["has_more"] for p in pages] == [True] * (len(pages) - 1) + [False]
    assert [c for p in pages for c in p["changes"]] == everything
    assert cursor == final_cursor

    idle = me.pull(cursor)
    assert (idle["changes"], idle["has_more"], idle["cursor"]) == ([], False, cursor)
    assert idle["reset"] == []
    me.push(progress(13, 99_000))
    fresh = me.pull(cursor)
    assert [c["data"]["position_ms"] for c in fresh["changes"]] == [99_000]


def _id(cursor: str) -> int:
    return int(cursor.split(".")[0] or "0")


def test_a_restored_server_resets_even_after_its_log_caught_up(
    fresh_academy: LiveServer, tmp_path: Path
) -> None:
    me = Installation.login(fresh_academy)
    me.push(progress(1, 1000))
    _, before_backup = me.pull_all()
    fresh_academy.stop()
    backup = tmp_path / "backup"
    copy_academy(fresh_academy.data_dir, backup)
    fresh_academy.start()
    for seq in range(2, 6):
        me.push(progress(seq, seq * 1000))
    _, seen = me.pull_all()  # the client saw changes that the backup does not have
    assert _id(seen) > _id(before_backup)
    fresh_academy.stop()
    shutil.rmtree(fresh_academy.data_dir)
    copy_academy(backup, fresh_academy.data_dir)  # the restore
    fresh_academy.start()
    other = Installation.login(fresh_academy, "anna")
    for seq in range(1, 9):  # new changes reuse the lost ids and go past the old cursor
        other.push(vote(seq, AGREE))
    page = me.pull(seen)
    assert page["reset"] == ["*"]


def test_users_never_see_each_others_changes(fresh_academy: LiveServer) -> None:
    demo = Installation.login(fresh_academy, "demo")
    anna = Installation.login(fresh_academy, "anna")
    demo.push(progress(1, 1000), vote(2, AGREE))
    anna_changes, _ = anna.pull_all()
    scopes = {c["scope"] for c in anna_changes}
    assert f"user:{demo.user_id}" not in scopes
    # Anna wrote some of the demo's posts: which ones are hers comes in her own scope only.
    assert {c["entity"] for c in anna_changes} == {
        "poll",
        "forum_thread",
        "forum_post",
        "forum_mine",
    }
    assert {c["scope"] for c in anna_changes if c["entity"] == "forum_mine"} == {
        f"user:{anna.user_id}"
    }
    # Anna has not voted, so she gets no tally; the voter's tally says nothing of whose vote.
    tally = [c for c in demo.pull_all()[0] if c["entity"] == "poll_results"]
    assert [(c["scope"], c["data"]["total"]) for c in tally] == [(f"poll:{POLL}", 1)]

    demo_changes, _ = demo.pull_all()
    mine = {(c["scope"], c["entity"]) for c in demo_changes}
    assert (f"user:{demo.user_id}", "progress") in mine
    assert (f"user:{demo.user_id}", "poll_vote") in mine


def test_a_cursor_the_server_never_gave_resets(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy)
    _, newest = me.pull_all()
    ahead = f"{_id(newest) + 1000}.{'0' * 12}"
    for cursor in (ahead, "not-a-cursor", "-3", str(_id(newest)), f"{_id(newest)}.ffffffffffff"):
        page = me.pull(cursor)
        assert page["reset"] == ["*"]
        assert page["changes"][0]["entity"] == "poll"
        assert page["cursor"] == newest


def test_outcomes_replay_results_after_acked_seq(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy, add_learner(fresh_academy))
    pushed = me.push(progress(1, 100), vote(2, "no-such-option"), progress(3, 300))
    page = me.pull(acked_seq=1)
    assert page["last_seq"] == 3
    outcomes = page["outcomes"]
    assert [o["seq"] for o in outcomes] == [2, 3]
    assert all(o["status"] == "duplicate" for o in outcomes)
    assert outcomes[0]["original_status"] == "rejected"
    assert outcomes[0]["code"] == "not_found"
    assert outcomes[1]["original_status"] == "applied"
    assert outcomes[1]["result"] == pushed["results"][2]["result"]
    assert outcomes[1]["mutation_id"] == pushed["results"][2]["mutation_id"]
    assert me.pull(acked_seq=3)["outcomes"] == []
    # Far past anything stored (and past PostgreSQL's INTEGER): nothing, not a 500.
    assert me.pull(acked_seq=2**40)["outcomes"] == []


def test_pull_parameters_are_checked(live_server: LiveServer) -> None:
    me = Installation.login(live_server, "anna")
    for limit in (0, 5001):
        assert_error(me.pull_raw(limit=limit), 400, "invalid_request")
    assert me.pull_raw(limit=5000).status_code == 200
    assert len(me.pull(limit=1)["changes"]) == 1
