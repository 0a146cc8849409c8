"""The forum over sync, over real HTTP: threads and replies under pseudonyms, edits with
base_version, deletion, reports for moderators only, moderation (lock while a reply is queued,
hide), limits and authorization."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from tests.contract import validate
from tests.server.sync_api import Installation, add_learner, mutation
from tests.server_process import LiveServer, run_cli

COURSE = "learning-together"
DEMO_THREAD = "learning-together-thread-1"


def new_id() -> str:
    return str(uuid.uuid4())


def thread(seq: int, thread_id: str, title: str = "Study group?", body: str = "Who joins?",
           **extra: Any) -> dict[str, Any]:  # fmt: skip
    args = {"thread_id": thread_id, "course_id": COURSE, "title": title, "body": body, **extra}
    return mutation(seq, "forum.new_thread", args)


def reply(seq: int, post_id: str, thread_id: str, body: str = "Me!") -> dict[str, Any]:
    return mutation(seq, "forum.reply", {"post_id": post_id, "thread_id": thread_id, "body": body})


def outcomes(reply_body: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(r["status"], r.get("code") or r.get("result")) for r in reply_body["results"]]


def changes(me: Installation, entity: str) -> dict[str, dict[str, Any] | None]:
    """The entity's latest state per id after a full pull (None: a tombstone)."""
    seen: dict[str, dict[str, Any] | None] = {}
    for change in me.pull_all()[0]:
        validate("Change", change)
        if change["entity"] == entity:
            seen[change["id"]] = change["data"] if change["op"] == "put" else None
    return seen


def test_threads_and_replies_reach_others_under_a_pseudonym(fresh_academy: LiveServer) -> None:
    author_name = add_learner(fresh_academy)
    author = Installation.login(fresh_academy, author_name)
    reader = Installation.login(fresh_academy, add_learner(fresh_academy))
    demo_threads = changes(reader, "forum_thread")
    assert DEMO_THREAD in demo_threads  # seeded threads are in the first pull

    tid, pid = new_id(), new_id()
    first = author.push(thread(1, tid), reply(2, pid, tid, "Tuesday works for me."))
    assert [status for status, _ in outcomes(first)] == ["applied", "applied"]

    seen = changes(reader, "forum_thread")[tid]
    assert seen is not None and seen["title"] == "Study group?" and seen["replies"] == 1
    assert seen["author"].startswith("Learner ") and author_name not in str(seen)
    posted = changes(reader, "forum_post")[pid]
    assert posted is not None and posted["author"] == seen["author"]  # one pseudonym
    assert set(changes(author, "forum_mine")) >= {tid, pid}
    assert changes(reader, "forum_mine") == {}


def test_edits_carry_base_version_and_deletes_leave_a_tombstone(
    fresh_academy: LiveServer,
) -> None:
    me = Installation.login(fresh_academy, add_learner(fresh_academy))
    other = Installation.login(fresh_academy, add_learner(fresh_academy))
    tid, pid = new_id(), new_id()
    me.push(thread(1, tid), reply(2, pid, tid))
    edit = {"post_id": pid, "body": "Tuesday or Thursday.", "base_version": 1}
    stale = {"post_id": pid, "body": "Only Friday.", "base_version": 1}
    result = me.push(
        mutation(3, "forum.edit", edit),
        mutation(4, "forum.edit", stale),
    )
    assert outcomes(result)[0] == ("applied", {"post_id": pid, "version": 2})
    assert outcomes(result)[1][0] == "rejected" and outcomes(result)[1][1] == "conflict"
    assert changes(other, "forum_post")[pid]["body"] == "Tuesday or Thursday."  # type: ignore[index]
    refused = other.push(
        mutation(1, "forum.edit", {"post_id": pid, "body": "Mine now", "base_version": 3})
    )
    assert outcomes(refused) == [("rejected", "forbidden")]

    deleted = me.push(mutation(5, "forum.delete", {"post_id": pid}))
    assert outcomes(deleted)[0][0] == "applied"
    assert changes(other, "forum_post")[pid] is None
    assert changes(other, "forum_thread")[tid]["replies"] == 0  # type: ignore[index]


def test_a_lock_while_a_reply_is_queued_rejects_it_and_only_moderators_moderate(
    fresh_academy: LiveServer,
) -> None:
    learner = Installation.login(fresh_academy, add_learner(fresh_academy))
    moderator = Installation.login(fresh_academy, "mod")
    tid = new_id()
    learner.push(thread(1, tid))
    queued = reply(3, new_id(), tid, "Written offline")  # waits on the learner's laptop
    tried = learner.push(mutation(2, "forum.moderate", {"target_id": tid, "action": "lock"}))
    assert outcomes(tried) == [("rejected", "forbidden")]
    locked = moderator.push(mutation(1, "forum.moderate", {"target_id": tid, "action": "lock"}))
    assert outcomes(locked)[0][0] == "applied"
    late = learner.push(queued)
    assert outcomes(late) == [("rejected", "thread_locked")]
    assert "locked" in late["results"][0]["message"]

    # Hidden by a moderator: a tombstone for learners.
    moderator.push(mutation(2, "forum.moderate", {"target_id": tid, "action": "hide"}))
    assert changes(learner, "forum_thread")[tid] is None


def test_reports_reach_moderators_only(fresh_academy: LiveServer) -> None:
    learner = Installation.login(fresh_academy, add_learner(fresh_academy))
    moderator = Installation.login(fresh_academy, "mod")
    result = learner.push(
        mutation(1, "forum.report", {"target_id": DEMO_THREAD, "reason": "Off topic"})
    )
    assert outcomes(result)[0][0] == "applied"
    reports = changes(moderator, "forum_report")
    assert any(r and r["target_id"] == DEMO_THREAD for r in reports.values())
    assert changes(learner, "forum_report") == {}


def test_limits_injection_and_rate(fresh_academy: LiveServer) -> None:
    me = Installation.login(fresh_academy, add_learner(fresh_academy))
    big = "x" * 10_001
    script = "<script>alert('hi')</script> **bold**"
    result = me.push(
        thread(1, new_id(), body=big),
        thread(2, new_id(), title="t" * 201),
        thread(3, new_id(), body="   "),
        thread(4, new_id(), question=True),
        thread(5, (tid := new_id()), body=script),
        mutation(
            6,
            "forum.new_thread",
            {"thread_id": new_id(), "course_id": "nope", "title": "x", "body": "y"},
        ),
    )
    assert [code for _s, code in outcomes(result)[:4]] == [
        "too_long", "too_long", "invalid_args", "forbidden",
    ]  # fmt: skip
    assert outcomes(result)[5] == ("rejected", "not_found")
    stored = changes(me, "forum_thread")[tid]
    assert stored is not None and stored["body"] == script  # stored as text; clients sanitize
    burst = me.push(*(reply(7 + n, new_id(), tid, f"reply {n}") for n in range(30)))
    statuses = [status for status, _ in outcomes(burst)]
    assert statuses.count("applied") == 29  # the thread counted as one of the 30 this hour
    assert outcomes(burst)[-1] == ("rejected", "rate_limited")


def test_a_course_that_shows_names_signs_posts_with_them(fresh_academy: LiveServer) -> None:
    with sqlite3.connect(fresh_academy.data_dir / "samen.db") as db:
        db.execute("UPDATE courses SET forum_names = 'names' WHERE id = ?", (COURSE,))
    db.close()
    me = Installation.login(fresh_academy, "anna")
    tid = new_id()
    me.push(thread(1, tid))
    seen = changes(Installation.login(fresh_academy, "demo"), "forum_thread")[tid]
    assert seen is not None and seen["author"] == "Anna de Vries"


def test_ids_cannot_collide_and_hiding_a_thread_hides_its_replies(
    fresh_academy: LiveServer,
) -> None:
    learner = Installation.login(fresh_academy, add_learner(fresh_academy))
    moderator = Installation.login(fresh_academy, "mod")
    tid, pid = new_id(), new_id()
    learner.push(thread(1, tid), reply(2, pid, tid))
    taken = learner.push(thread(3, pid))  # a thread under a reply's id
    assert outcomes(taken) == [("rejected", "conflict")]

    other = new_id()
    learner.push(reply(4, other, tid))
    moderator.push(
        mutation(1, "forum.moderate", {"target_id": pid, "action": "mark_answer"}),
        mutation(2, "forum.moderate", {"target_id": other, "action": "unmark_answer"}),
    )
    answer = changes(learner, "forum_thread")[tid]
    assert answer is not None and answer["answer_post_id"] == pid  # not cleared by another

    moderator.push(mutation(3, "forum.moderate", {"target_id": tid, "action": "hide"}))
    posts = changes(learner, "forum_post")
    assert posts[pid] is None and posts[other] is None  # out of sight with their thread
    moderator.push(mutation(4, "forum.moderate", {"target_id": tid, "action": "unhide"}))
    back = changes(learner, "forum_post")
    assert back[pid] is not None and back[other] is not None


def test_a_closed_course_is_for_enrolled_learners_only(fresh_academy: LiveServer) -> None:
    with sqlite3.connect(fresh_academy.data_dir / "samen.db") as db:
        db.execute("UPDATE courses SET enrolment = 'closed' WHERE id = ?", (COURSE,))
    db.close()
    name = add_learner(fresh_academy)
    outsider = Installation.login(fresh_academy, name)
    pulled = outsider.pull_all()[0]
    assert not any(c["scope"] == f"course:{COURSE}" for c in pulled)  # nothing of it to read
    assert any(c["scope"] == "course:samen-leren" for c in pulled)  # an open course still is
    tried = outsider.push(
        thread(1, new_id()),
        reply(2, new_id(), DEMO_THREAD),
        mutation(
            3,
            "poll.vote",
            {"poll_id": "learning-together-poll-1", "option_id": "learning-together-poll-1-1"},
        ),
        mutation(4, "forum.report", {"target_id": DEMO_THREAD, "reason": "x"}),
    )
    assert outcomes(tried) == [("rejected", "forbidden")] * 4
    assert "not enrolled" in tried["results"][0]["message"]

    enrolled = run_cli("course", "enrol", "--data", str(fresh_academy.data_dir), COURSE, name)
    assert enrolled.returncode == 0, enrolled.stderr
    assert DEMO_THREAD in changes(outsider, "forum_thread")
    assert outcomes(outsider.push(thread(5, new_id())))[0][0] == "applied"
    unknown = run_cli("course", "enrol", "--data", str(fresh_academy.data_dir), COURSE, "nobody")
    assert unknown.returncode == 1 and "no user" in unknown.stderr
