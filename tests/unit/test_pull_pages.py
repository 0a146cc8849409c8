"""The engine's pull pages: it asks for the academy's largest page, and an academy from before
issue 17 (which refuses more than 1000 with 400 invalid_request) is asked for 1000 from then on,
without the learner seeing anything. The older academy's answer is played by a stand-in: that
academy is an older release, which cannot run from this tree (checked by hand against 38248e2,
docs/performance.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.errors import ServerError
from desktop.domain.sync import Change, PullPage, PushReply
from desktop.store.db import Store
from desktop.store.outbox import OutboxRepo
from desktop.store.pulled import PulledRepo
from desktop.sync.engine import OLD_PULL_PAGE, EngineLimits, SyncEngine

C = "client-1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "samen.sqlite3")
    yield s
    s.close()


class Academy:
    """Pages of one change each, three in all, up to ``largest`` changes asked for."""

    def __init__(self, largest: int, *, code: str = "invalid_request") -> None:
        self.largest = largest
        self.code = code
        self.asked: list[int] = []

    def push(self, client_id: str, items: object) -> PushReply:
        raise AssertionError("nothing to push")

    def pull(self, client_id: str, cursor: str, acked_seq: int, limit: int = 500) -> PullPage:
        self.asked.append(limit)
        if limit > self.largest:
            raise ServerError("limit: at most 1000", code=self.code, status=400)
        n = int(cursor or "0") + 1
        change = Change("course:c", "note", f"n{n}", "put", 1, {"n": n})
        return PullPage((change,), str(n), has_more=n < 3, last_seq=0, reset=(), outcomes=())


def test_the_academy_is_asked_for_its_largest_page(store: Store) -> None:
    academy = Academy(largest=EngineLimits().pull_page)
    engine = SyncEngine(OutboxRepo(store), PulledRepo(store), academy)
    assert engine.pull(C)[0] == 3
    assert academy.asked == [EngineLimits().pull_page] * 3
    assert EngineLimits().pull_page > OLD_PULL_PAGE


def test_an_older_academy_is_asked_for_pages_it_serves(store: Store) -> None:
    academy = Academy(largest=OLD_PULL_PAGE)
    engine = SyncEngine(OutboxRepo(store), PulledRepo(store), academy)
    assert engine.pull(C)[0] == 3
    assert academy.asked == [EngineLimits().pull_page, OLD_PULL_PAGE, OLD_PULL_PAGE, OLD_PULL_PAGE]
    engine.pull(C)  # the next sync asks for the smaller page at once
    assert academy.asked[4:] == [OLD_PULL_PAGE]


def test_another_refusal_is_not_taken_for_an_older_academy(store: Store) -> None:
    academy = Academy(largest=OLD_PULL_PAGE, code="client_id_not_owned")
    engine = SyncEngine(OutboxRepo(store), PulledRepo(store), academy)
    with pytest.raises(ServerError):
        engine.pull(C)
    assert academy.asked == [EngineLimits().pull_page]
