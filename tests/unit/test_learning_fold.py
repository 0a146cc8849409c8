"""Folding what other devices did into the local record: newer server versions win, an
unsent local change wins until it is sent, and played never reverts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from desktop.domain.learning import episode_key, peer_recording_key
from desktop.domain.sync import Change, PullPage
from desktop.services.actions import ActionService
from desktop.services.learning import LearningService
from desktop.store.db import Store
from desktop.store.pulled import PulledRepo

C = "client-a"
KEY = episode_key("https://example.org/feed", "g1")


class _Session:
    def account(self) -> Any:
        user = SimpleNamespace(id=7)
        return SimpleNamespace(client_id=C, server_url="http://academy.test", user=user)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "samen.sqlite3")
    yield store
    store.close()


def _pulled(store: Store, cursor: str, version: int, position_ms: int, played: bool) -> None:
    data = {"media_key": KEY, "position_ms": position_ms, "duration_ms": 60_000, "played": played}
    change = Change("user:1", "playback", KEY, "put", version, data)
    page = PullPage(changes=(change,), cursor=cursor, has_more=False, last_seq=0, reset=())
    PulledRepo(store).apply_page(C, page)


def _mark_sent(store: Store) -> None:
    with store.write() as db:
        db.execute("UPDATE outbox SET state = 'acked'")


def test_newer_pulled_positions_win_unless_a_local_one_is_unsent(store: Store) -> None:
    session: Any = _Session()
    learning = LearningService(store, session, ActionService(store, session))
    learning.save_position(KEY, 5_000, 60_000)
    _pulled(store, "1", 3, 40_000, played=False)
    learning.fold_pulled(C)
    assert learning.position(KEY).position_ms == 5_000  # type: ignore[union-attr]

    _mark_sent(store)
    learning.fold_pulled(C)
    assert learning.position(KEY).position_ms == 40_000  # type: ignore[union-attr]

    _pulled(store, "2", 2, 1_000, played=False)  # an older version changes nothing
    learning.fold_pulled(C)
    assert learning.position(KEY).position_ms == 40_000  # type: ignore[union-attr]

    _pulled(store, "3", 4, 59_000, played=True)
    learning.fold_pulled(C)
    learning.save_position(KEY, 0, 60_000)  # listening again from the start
    again = learning.position(KEY)
    assert again is not None and again.position_ms == 0 and again.played


def test_a_peer_recordings_place_stays_on_this_computer(store: Store) -> None:
    session: Any = _Session()
    learning = LearningService(store, session, ActionService(store, session))
    key = peer_recording_key("3f1c")
    learning.save_position(key, 4_000, 10_000)
    learning.save_position(KEY, 1_000, 60_000)
    saved = learning.position(key)
    assert saved is not None and saved.position_ms == 4_000
    with store.read() as db:
        queued = [row[0] for row in db.execute("SELECT args_json FROM outbox").fetchall()]
    assert len(queued) == 1 and KEY in queued[0]  # only the episode goes to the academy


def _pulled_progress(store: Store, cursor: str, version: int, completed: bool) -> None:
    data = {"course_id": "c1", "lesson_id": "c1-1", "position_ms": 0, "completed": completed}
    change = Change("user:1", "progress", "c1-1", "put", version, data)
    page = PullPage(changes=(change,), cursor=cursor, has_more=False, last_seq=0, reset=())
    PulledRepo(store).apply_page(C, page)


def test_done_taken_back_folds_by_version_and_an_unsent_undo_wins(store: Store) -> None:
    session: Any = _Session()
    learning = LearningService(store, session, ActionService(store, session))
    _pulled_progress(store, "1", 2, completed=True)
    learning.fold_pulled(C)
    assert learning.completed_lessons("c1") == {"c1-1"}

    learning.reopen_lesson("c1", "c1-1")  # not sent yet: the pulled "done" does not return
    learning.fold_pulled(C)
    assert learning.completed_lessons("c1") == set()

    _mark_sent(store)
    _pulled_progress(store, "2", 3, completed=False)  # the academy took it back too
    learning.fold_pulled(C)
    assert learning.completed_lessons("c1") == set()
    _pulled_progress(store, "3", 1, completed=True)  # an older state changes nothing
    learning.fold_pulled(C)
    assert learning.completed_lessons("c1") == set()
    _pulled_progress(store, "4", 4, completed=True)  # done again on another device
    learning.fold_pulled(C)
    assert learning.completed_lessons("c1") == {"c1-1"}
