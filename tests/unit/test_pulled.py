"""The pulled cache: pages apply with their cursor, versions only move forward, tombstones
delete, and a reset drops a scope before the fresh page lands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.sync import Change, PullPage
from desktop.store.db import Store
from desktop.store.pulled import PulledRepo

C = "client-a"


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[PulledRepo]:
    store = Store(tmp_path / "samen.sqlite3")
    yield PulledRepo(store)
    store.close()


def put(entity_id: str, version: int, value: int, scope: str = "course:c") -> Change:
    return Change(scope, "poll_results", entity_id, "put", version, {"total": value})


def page(cursor: str, *changes: Change, reset: tuple[str, ...] = ()) -> PullPage:
    return PullPage(changes=changes, cursor=cursor, has_more=False, last_seq=0, reset=reset)


def test_page_and_cursor_land_together(repo: PulledRepo) -> None:
    assert repo.cursor(C) == ""
    repo.apply_page(C, page("2", put("p1", 1, 10), put("p2", 1, 20)))
    assert repo.cursor(C) == "2"
    assert repo.entities(C, "poll_results") == {"p1": {"total": 10}, "p2": {"total": 20}}


def test_an_older_version_never_overwrites_a_newer_one(repo: PulledRepo) -> None:
    repo.apply_page(C, page("5", put("p1", 3, 30)))
    repo.apply_page(C, page("6", put("p1", 2, 20)))
    assert repo.entities(C, "poll_results") == {"p1": {"total": 30}}


def test_tombstones_delete(repo: PulledRepo) -> None:
    repo.apply_page(C, page("1", put("p1", 1, 10)))
    repo.apply_page(C, page("2", Change("course:c", "poll_results", "p1", "delete", 2, None)))
    assert repo.entities(C, "poll_results") == {}


def test_reset_drops_the_scope_then_applies_the_fresh_page(repo: PulledRepo) -> None:
    repo.apply_page(C, page("9", put("p1", 4, 40), put("u1", 1, 1, scope="user:1")))
    # The server was restored from an older backup: everything is refetched from the start.
    repo.apply_page(C, page("3", put("p1", 2, 25), reset=("course:c",)))
    assert repo.entities(C, "poll_results") == {"p1": {"total": 25}, "u1": {"total": 1}}
    assert repo.cursor(C) == "3"
    repo.apply_page(C, page("1", reset=("*",)))
    assert repo.entities(C, "poll_results") == {}


def test_another_accounts_cache_is_never_shown_and_dropped_on_its_first_page(
    repo: PulledRepo,
) -> None:
    repo.apply_page(C, page("4", put("vote", 1, 1, scope="user:1")))
    assert repo.entities("client-b", "poll_results") == {}
    assert repo.cursor("client-b") == ""
    repo.apply_page("client-b", page("2", put("p9", 1, 9)))
    assert repo.entities("client-b", "poll_results") == {"p9": {"total": 9}}
    assert repo.entities(C, "poll_results") == {}
