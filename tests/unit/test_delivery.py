"""Where the learner's own things stand on their way to the academy (QueueService.delivery and
counts): waiting until the academy answers, then sent or refused; the counts are the queue's."""

from __future__ import annotations

from collections.abc import Callable

from desktop.core import Core
from desktop.domain.account import Account, Role, User
from desktop.domain.sync import Outcome, OutcomeStatus
from desktop.services.queue import Delivery, QueueCounts
from desktop.store.accounts import AccountRepo
from desktop.store.outbox import OutboxRepo

CLIENT = "cid-delivery"


def _answers(core: Core, *exercise_ids: str) -> None:
    url = "http://127.0.0.1:9"
    user = User(1, "demo", "Demo Learner", Role.LEARNER)
    AccountRepo(core.store).save(Account(url, user, CLIENT, "Academy", "2099-01-01T00:00:00Z"))
    core.vault.save(url, "demo", "t" * 43)
    with core.store.write() as db:
        for exercise_id in exercise_ids:
            OutboxRepo.enqueue(
                db,
                client_id=CLIENT,
                kind="answer",
                name="exercise.answer",
                args={"exercise_id": exercise_id, "text": "mine"},
            )


def test_waiting_until_the_academy_answers_then_sent_or_refused(
    make_core: Callable[..., Core],
) -> None:
    core = make_core()
    _answers(core, "ex-1", "ex-2", "ex-3")
    wanted = ("ex-1", "ex-2", "ex-3", "ex-never-queued")
    assert core.queue.delivery("answer", wanted) == {
        "ex-1": Delivery.WAITING,
        "ex-2": Delivery.WAITING,
        "ex-3": Delivery.WAITING,
        "ex-never-queued": Delivery.SENT,
    }
    assert core.queue.counts() == QueueCounts(3, 0)

    outbox = OutboxRepo(core.store)
    batch = outbox.claim_batch(CLIENT, 2)
    assert core.queue.counts() == QueueCounts(3, 0)  # sending is still waiting
    first, second = batch
    outbox.record(
        CLIENT,
        [
            Outcome(first.seq or 0, first.mutation_id, OutcomeStatus.APPLIED),
            Outcome(second.seq or 0, second.mutation_id, OutcomeStatus.REJECTED, message="Late"),
        ],
    )
    assert core.queue.delivery("answer", wanted) == {
        "ex-1": Delivery.SENT,
        "ex-2": Delivery.REFUSED,
        "ex-3": Delivery.WAITING,
        "ex-never-queued": Delivery.SENT,
    }
    assert core.queue.counts() == QueueCounts(1, 1)
    view = core.queue.view(100)
    assert (view.waiting, view.refused) == (1, 1)  # what the list says, the count says
