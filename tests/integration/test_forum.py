"""The forum end to end against the real academy: a thread and a reply written offline reach a
second learner after their pull; an unsent post can still be edited or deleted; a moderator
locks a thread while a reply is queued and the reply comes back refused, still shown with the
reason; `samen forum`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.errors import SamenError
from desktop.domain.forum import PostState
from tests.cli_runner import run_samen
from tests.faults.proxy import Fault, FaultProxy
from tests.integration.sync_helpers import client
from tests.server.sync_api import add_learner
from tests.server_process import LiveServer, start_server

COURSE = "learning-together"


@pytest.fixture(scope="module")
def forum_academy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("forum-academy"), seed_demo=True)
    yield server
    server.stop()


def test_write_offline_then_another_learner_reads_it(
    forum_academy: LiveServer, tmp_path: Path
) -> None:
    anna = client(tmp_path / "anna", forum_academy.url, add_learner(forum_academy))
    assert anna.sync.run_window().ok
    before = {t.id for t in anna.forum.threads(COURSE)}
    assert "learning-together-thread-1" in before  # the demo's thread, cached

    thread_id = anna.forum.new_thread(COURSE, "Evening group", "Who joins on **Tuesday**?")
    reply_id = anna.forum.reply(thread_id, "I can host.")
    (mine,) = [t for t in anna.forum.threads(COURSE) if t.id == thread_id]
    assert mine.opening.state is PostState.WAITING and mine.opening.author == "You"
    anna.forum.edit(reply_id, "I can host, at the library.")  # still unsent: just replaced
    throwaway = anna.forum.reply(thread_id, "oops")
    anna.forum.delete(throwaway)  # unsent: it leaves the queue
    assert [p.body for p in anna.forum.posts(thread_id)] == ["I can host, at the library."]
    assert len(anna.queue.items()) == 2
    with pytest.raises(SamenError, match="10,000"):
        anna.forum.reply(thread_id, "x" * 10_001)

    assert anna.sync.run_window().ok and anna.queue.items() == []
    sent = next(t for t in anna.forum.threads(COURSE) if t.id == thread_id)
    assert sent.opening.state is PostState.SENT and sent.opening.mine
    assert sent.opening.author.startswith("Learner ")

    ben = client(tmp_path / "ben", forum_academy.url, add_learner(forum_academy))
    assert ben.sync.run_window().ok
    seen = next(t for t in ben.forum.threads(COURSE) if t.id == thread_id)
    assert seen.title == "Evening group" and seen.replies == 1 and seen.unread == 1
    assert not seen.opening.mine and seen.opening.author == sent.opening.author
    (post,) = ben.forum.posts(thread_id)
    assert post.body == "I can host, at the library." and not post.mine
    assert next(t for t in ben.forum.threads(COURSE) if t.id == thread_id).unread == 0
    with pytest.raises(SamenError, match="own posts"):
        ben.forum.edit(post.id, "mine now")

    # Anna edits her sent reply: it goes with the version she saw.
    anna.forum.edit(reply_id, "At the library, 19:00.")
    assert anna.sync.run_window().ok
    assert ben.sync.run_window().ok
    assert ben.forum.posts(thread_id)[0].body == "At the library, 19:00."
    assert ben.forum.posts(thread_id)[0].edited


def test_a_lock_while_a_reply_waits_refuses_it_and_keeps_it_visible(
    forum_academy: LiveServer, tmp_path: Path
) -> None:
    cara = client(tmp_path / "cara", forum_academy.url, add_learner(forum_academy))
    moderator = client(tmp_path / "mod", forum_academy.url, "mod")
    thread_id = cara.forum.new_thread(COURSE, "Exam tips", "Share yours.")
    assert cara.sync.run_window().ok
    queued = cara.forum.reply(thread_id, "Sleep well the night before.")  # offline
    assert moderator.sync.run_window().ok
    with pytest.raises(SamenError, match="moderators"):
        cara.forum.moderate(thread_id, "lock")
    moderator.forum.moderate(thread_id, "lock")
    assert moderator.sync.run_window().ok

    report = cara.sync.run_window()
    assert report.ok and report.rejected == 1
    (refused,) = cara.forum.posts(thread_id)
    assert refused.id == queued and refused.state is PostState.REFUSED
    assert "locked" in refused.refusal
    locked = next(t for t in cara.forum.threads(COURSE) if t.id == thread_id)
    assert locked.locked
    with pytest.raises(SamenError, match="locked"):
        cara.forum.reply(thread_id, "One more")

    cara.forum.report(thread_id, "Please unlock, the exam is next week")
    assert cara.sync.run_window().ok
    assert moderator.sync.run_window().ok
    assert any(r["target_id"] == thread_id for r in moderator.forum.reports())
    assert cara.forum.reports() == []  # learners never receive reports


def test_the_forum_commands(forum_academy: LiveServer, tmp_path: Path) -> None:
    core = client(tmp_path, forum_academy.url, add_learner(forum_academy))
    assert core.sync.run_window().ok
    core.close()
    body = tmp_path / "post.md"
    body.write_text("Hallo **allemaal**", encoding="utf-8")
    new = run_samen(tmp_path, "forum", "new", COURSE, "--title", "Kennismaken",
                    "--body-file", str(body))  # fmt: skip
    assert new.returncode == 0, new.stderr
    thread_id = new.stdout.split()[2].rstrip(";")
    reply = run_samen(tmp_path, "forum", "post", thread_id, "--body-file", str(body))
    assert reply.returncode == 0, reply.stderr
    listed = run_samen(tmp_path, "forum", "list", COURSE)
    assert "Kennismaken" in listed.stdout and "[waiting]" in listed.stdout
    about = run_samen(tmp_path, "forum", "list", COURSE, "--lesson", "learning-together-1")
    assert about.returncode == 0 and "Kennismaken" not in about.stdout  # about the course
    assert "No threads on this computer for this lesson" in about.stdout
    shown = run_samen(tmp_path, "forum", "show", thread_id)
    assert shown.stdout.startswith("Kennismaken\n")  # the title, then the opening post
    assert shown.stdout.count("Hallo **allemaal**") == 2  # the opening post and the reply
    missing = run_samen(tmp_path, "forum", "post", thread_id, "--body-file", "nope.md")
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_edit_conflicts_drafts_and_unsent_threads(
    forum_academy: LiveServer, tmp_path: Path
) -> None:
    user = add_learner(forum_academy)
    laptop = client(tmp_path / "laptop", forum_academy.url, user)
    phone = client(tmp_path / "phone", forum_academy.url, user)
    thread_id = laptop.forum.new_thread(COURSE, "Notes", "First version")
    assert laptop.sync.run_window().ok and phone.sync.run_window().ok

    laptop.forum.edit(thread_id, "Laptop version")  # the opening post, edited offline
    opening = laptop.forum.thread(thread_id).opening
    assert (opening.body, opening.state) == ("Laptop version", PostState.WAITING)
    phone.forum.edit(thread_id, "Phone version")  # also against version 1
    assert laptop.sync.run_window().ok
    assert phone.sync.run_window().ok
    refused = phone.forum.thread(thread_id).opening
    assert refused.state is PostState.REFUSED and "changed since" in refused.refusal
    assert refused.body == "Phone version"  # the draft is kept

    phone.forum.edit(thread_id, "Phone version, again")  # now against the version pulled
    assert phone.sync.run_window().ok
    final = phone.forum.thread(thread_id).opening
    assert (final.body, final.state) == ("Phone version, again", PostState.SENT)  # no old refusal

    with pytest.raises(SamenError, match="Only moderators"):
        laptop.forum.new_thread(COURSE, "Discuss", "What do you think?", question=True)
    offline = laptop.forum.new_thread(COURSE, "Draft", "Not sure yet")
    laptop.forum.reply(offline, "A reply to my own draft")
    laptop.forum.delete(offline)  # never sent: it goes, with its reply
    assert [i.name for i in laptop.queue.items()] == []


def test_an_accepted_post_stays_in_view_when_the_pull_after_it_fails(
    forum_academy: LiveServer, tmp_path: Path
) -> None:
    with FaultProxy("127.0.0.1", forum_academy.port) as proxy:
        anna = client(tmp_path / "anna", proxy.url, add_learner(forum_academy))
        assert anna.sync.run_window().ok
        thread_id = anna.forum.new_thread(COURSE, "Study plan", "Mine, for this week.")
        reply_id = anna.forum.reply(thread_id, "Day one done.")
        doomed = anna.forum.reply(thread_id, "Posted twice, sorry.")
        assert anna.sync.run_window().ok
        anna.forum.edit(reply_id, "Day one and two done.")
        anna.forum.delete(doomed)
        late = anna.forum.reply(thread_id, "Day three starts.")

        proxy.set(Fault.HTTP_ERROR, status=503, path="/v1/sync/pull")  # pushes still pass
        assert not anna.sync.run_window().ok
        assert anna.queue.items() == []  # all accepted: nothing waits any more
        shown = anna.forum.posts(thread_id)
        assert [(p.body, p.state) for p in shown] == [
            ("Day one and two done.", PostState.SENT),
            ("Day three starts.", PostState.SENT),
        ]  # the edit shows, the deleted reply is gone, the new one is there, all "sent"
        assert next(p for p in shown if p.id == late).mine
        # Edited again before the first edit came back: against the version that edit made.
        anna.forum.edit(reply_id, "Days one to three done.")
        assert not anna.sync.run_window().ok  # the pull still fails; the edit is accepted

        proxy.set(Fault.PASS)
        assert anna.sync.run_window().ok
        assert anna.queue.items() == []  # no conflict came back
        pulled = anna.forum.posts(thread_id)
        assert [(p.body, p.state, p.edited) for p in pulled] == [
            ("Days one to three done.", PostState.SENT, True),
            ("Day three starts.", PostState.SENT, False),
        ]  # now from the pull: shown once each, not also from the outbox
        assert [t.replies for t in anna.forum.threads(COURSE) if t.id == thread_id] == [2]

        # Once a whole window has passed, what the academy removed is not brought back.
        assert anna.sync.run_window().ok
        mod = client(tmp_path / "mod", forum_academy.url, "mod")
        mod.forum.moderate(late, "hide")
        assert mod.sync.run_window().ok and anna.sync.run_window().ok
        assert [p.body for p in anna.forum.posts(thread_id)] == ["Days one to three done."]


def test_moderators_see_what_they_hid_and_unhide_it(
    forum_academy: LiveServer, tmp_path: Path
) -> None:
    anna = client(tmp_path / "anna", forum_academy.url, add_learner(forum_academy))
    thread_id = anna.forum.new_thread(COURSE, "Off topic", "Selling a bike.")
    reply_id = anna.forum.reply(thread_id, "Still for sale.")
    other = anna.forum.new_thread(COURSE, "On topic", "Lesson 2 question.")
    spam = anna.forum.reply(other, "Buy cheap watches!")
    assert anna.sync.run_window().ok
    mod = client(tmp_path / "mod", forum_academy.url, "mod")
    assert mod.sync.run_window().ok
    mod.forum.moderate(thread_id, "hide")
    mod.forum.moderate(spam, "hide")
    assert mod.sync.run_window().ok and anna.sync.run_window().ok

    hidden = next(t for t in mod.forum.threads(COURSE) if t.id == thread_id)
    assert hidden.hidden and hidden.title == "Off topic"
    assert [(p.body, p.hidden) for p in mod.forum.posts(other)] == [
        ("Buy cheap watches!", True)
    ]  # a hidden reply stays in its thread, marked, for moderators
    assert thread_id not in {t.id for t in anna.forum.threads(COURSE)}
    assert anna.forum.posts(other) == []  # learners see neither
    assert "[hidden] Off topic" in run_samen(tmp_path / "mod", "forum", "list", COURSE).stdout

    mod.forum.moderate(thread_id, "unhide")
    mod.forum.moderate(spam, "unhide")
    assert mod.sync.run_window().ok and anna.sync.run_window().ok
    back = next(t for t in mod.forum.threads(COURSE) if t.id == thread_id)
    assert not back.hidden and [p.id for p in anna.forum.posts(thread_id)] == [reply_id]
    assert [(p.body, p.hidden) for p in mod.forum.posts(other)] == [("Buy cheap watches!", False)]
    assert "[hidden]" not in run_samen(tmp_path / "mod", "forum", "list", COURSE).stdout
