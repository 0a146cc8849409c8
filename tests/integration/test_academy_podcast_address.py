"""The academy's podcast follows the academy to a new address (the demo academy gets another
port at every start): no "Could not reach" warning while online, and the episodes keep their
keys (so files and listening positions stay theirs)."""

from __future__ import annotations

from collections.abc import Callable

from desktop.core import Core
from tests.faults.proxy import FaultProxy
from tests.server.sync_api import add_learner
from tests.server_process import DEMO_PASSWORD, LiveServer


def test_the_academy_feed_follows_a_new_academy_port(
    make_core: Callable[..., Core], academy: LiveServer
) -> None:
    core = make_core()
    user = add_learner(academy)
    with FaultProxy("127.0.0.1", academy.port) as first_run:  # the address of the first run
        core.session.login(first_run.url, user, DEMO_PASSWORD)
        [feed] = core.podcasts.subscribe_academy()
        keys = {episode.key for episode in core.podcasts.episodes()}
    assert first_run.url in feed.url

    # The next start: the old address answers no more, the academy has another one.
    core.session.login(academy.url, user, DEMO_PASSWORD)
    report = core.podcasts.update()
    assert report.problems == {}
    [after] = core.podcasts.feeds()
    assert (after.url, after.error) == (feed.url, "")
    episodes = core.podcasts.episodes()
    assert {episode.key for episode in episodes} == keys
    assert all((episode.enclosure_url or "").startswith(academy.url) for episode in episodes)
