"""Retry delays (desktop.sync.backoff): a Retry-After is a minimum with jitter on top, so a class
turned away by a busy academy in the same second comes back spread out, not in one wave."""

from __future__ import annotations

import random

from desktop.sync.backoff import Backoff


def test_retry_after_is_a_minimum_with_up_to_half_of_it_on_top() -> None:
    lowest = Backoff(rand=lambda low, _high: low)
    highest = Backoff(rand=lambda _low, high: high)
    assert lowest.next_delay(retry_after=10) == 10
    assert highest.next_delay(retry_after=10) == 15


def test_a_class_told_the_same_retry_after_comes_back_spread_out() -> None:
    chooser = random.Random(17)
    delays = [Backoff(rand=chooser.uniform).next_delay(retry_after=4) for _ in range(1_000)]
    assert min(delays) >= 4
    assert max(delays) <= 6
    # Over the two seconds after the minimum, no tenth of a second gets more than a tenth of them.
    tenths = [int((delay - 4) * 10) for delay in delays]
    assert max(tenths.count(slot) for slot in set(tenths)) < 100


def test_without_retry_after_full_jitter_up_to_the_cap() -> None:
    backoff = Backoff(base=1.0, cap=8.0, rand=lambda _low, high: high)
    assert [backoff.next_delay() for _ in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    backoff.reset()
    assert backoff.next_delay() == 1.0
