"""The forum over sync, over real HTTP: threads and replies under pseudonyms, edits with
base_version, deletion, reports for moderators only, moderation (lock while a reply is queued,
hide, and hidden items in the moderators' own scope), limits and authorization."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update

from server.content.models import Course
from server.db import Database, utc_now
from server.social.forum import emit_course
from server.sync.changes import ChangeBuffer, write_changes
from tests.academy_database import execute, url_for
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
    execute(
        fresh_academy.data_dir, "UPDATE courses SET forum_names = 'names' WHERE id = :id", id=COURSE
    )
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
    execute(
        fresh_academy.data_dir, "UPDATE courses SET enrolment = 'closed' WHERE id = :id", id=COURSE
    )
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


def _moderate(moderator: Installation, seq: int, target: str, action: str) -> None:
    done = moderator.push(mutation(seq, "forum.moderate", {"target_id": target, "action": action}))
    assert outcomes(done)[0][0] == "applied", done


def _entities(me: Installation) -> dict[tuple[str, str, str], dict[str, Any] | None]:
    """Every (scope, entity, id)'s latest state after a full pull (None: a delete op)."""
    latest: dict[tuple[str, str, str], dict[str, Any] | None] = {}
    for change in me.pull_all()[0]:
        latest[(change["scope"], change["entity"], change["id"])] = (
            change["data"] if change["op"] == "put" else None
        )
    return latest


def test_moderators_see_hidden_threads_and_replies_to_unhide_them(
    fresh_academy: LiveServer,
) -> None:
    author = Installation.login(fresh_academy, add_learner(fresh_academy))
    reader = Installation.login(fresh_academy, add_learner(fresh_academy))
    moderator = Installation.login(fresh_academy, "mod")
    tid, kept = new_id(), new_id()
    other_tid, other_reply = new_id(), new_id()
    author.push(
        thread(1, tid),
        reply(2, kept, tid, "On topic"),
        thread(3, other_tid, title="Other"),
        reply(4, other_reply, other_tid, "Spam"),
    )
    visible = _entities(moderator)
    course, moderation = f"course:{COURSE}", f"moderation:{COURSE}"
    thread_shown = visible[(course, "forum_thread", tid)]
    reply_shown = visible[(course, "forum_post", other_reply)]
    assert thread_shown is not None and reply_shown is not None

    _moderate(moderator, 1, tid, "hide")
    _moderate(moderator, 2, other_reply, "hide")
    for_moderator = _entities(moderator)
    assert for_moderator[(moderation, "forum_hidden_thread", tid)] == thread_shown
    assert for_moderator[(moderation, "forum_hidden_post", other_reply)] == reply_shown
    assert (moderation, "forum_hidden_post", kept) not in for_moderator  # only hidden replies
    for_learner = _entities(reader)
    assert for_learner[(course, "forum_thread", tid)] is None
    assert for_learner[(course, "forum_post", kept)] is None  # out of sight with its thread
    assert for_learner[(course, "forum_post", other_reply)] is None
    assert not any(scope == moderation for scope, _, _ in for_learner)
    assert not any(entity.startswith("forum_hidden") for _, entity, _ in for_learner)

    _, cursor = moderator.pull_all()
    _moderate(moderator, 3, tid, "unhide")
    _moderate(moderator, 4, other_reply, "unhide")
    since = [c for c in moderator.pull_all(cursor)[0] if c["scope"] == moderation]
    assert {(c["entity"], c["id"], c["op"]) for c in since} == {
        ("forum_hidden_thread", tid, "delete"),
        ("forum_hidden_post", other_reply, "delete"),
    }
    back = _entities(reader)
    assert back[(course, "forum_thread", tid)] == thread_shown
    assert back[(course, "forum_post", kept)] is not None
    assert back[(course, "forum_post", other_reply)] == reply_shown


def test_a_hidden_post_leaves_the_moderators_view_when_it_or_its_thread_is_deleted(
    fresh_academy: LiveServer,
) -> None:
    author = Installation.login(fresh_academy, add_learner(fresh_academy))
    moderator = Installation.login(fresh_academy, "mod")
    tid, first, second = new_id(), new_id(), new_id()
    author.push(thread(1, tid), reply(2, first, tid), reply(3, second, tid))
    _moderate(moderator, 1, first, "hide")
    _moderate(moderator, 2, second, "hide")
    _moderate(moderator, 3, tid, "hide")
    moderation = f"moderation:{COURSE}"
    hidden = _entities(moderator)
    assert all(
        hidden[(moderation, entity, item)] is not None
        for entity, item in (
            ("forum_hidden_post", first),
            ("forum_hidden_post", second),
            ("forum_hidden_thread", tid),
        )
    )
    author.push(mutation(4, "forum.delete", {"post_id": first}))
    assert _entities(moderator)[(moderation, "forum_hidden_post", first)] is None
    author.push(mutation(5, "forum.delete", {"post_id": tid}))
    gone = _entities(moderator)
    assert gone[(moderation, "forum_hidden_post", second)] is None
    assert gone[(moderation, "forum_hidden_thread", tid)] is None


def test_a_switch_to_names_signs_hidden_items_again_for_the_moderators(
    fresh_academy: LiveServer,
) -> None:
    anna = Installation.login(fresh_academy, "anna")
    moderator = Installation.login(fresh_academy, "mod")
    tid, pid = new_id(), new_id()
    anna.push(thread(1, tid), reply(2, pid, tid))
    _moderate(moderator, 1, pid, "hide")
    _moderate(moderator, 2, tid, "hide")
    moderation = f"moderation:{COURSE}"
    before = _entities(moderator)[(moderation, "forum_hidden_thread", tid)]
    assert before is not None and before["author"].startswith("Learner ")

    # What `course import` does when course.json switches forum_names (see importer.py).
    database = Database(url_for(fresh_academy.data_dir))
    try:
        with database.session() as session:
            session.execute(update(Course).where(Course.id == COURSE).values(forum_names="names"))
            resigned = ChangeBuffer()
            emit_course(session, resigned, COURSE)
            write_changes(session, resigned.changes(), utc_now())
            session.commit()
    finally:
        database.dispose()
    after = _entities(moderator)
    for entity, item in (("forum_hidden_thread", tid), ("forum_hidden_post", pid)):
        seen = after[(moderation, entity, item)]
        assert seen is not None and seen["author"] == "Anna de Vries"
