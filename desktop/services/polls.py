"""Polls, offline: what was last pulled, the learner's own vote (sent or waiting), and the
community's results once the learner has voted or the poll has closed. Worker threads / CLI.

A vote is queued like every action (ActionService.vote folds an unsent vote on the same poll),
so it can be changed until the poll closes; the academy decides closing by its own clock and
refuses a late vote with a reason, which shows here until the learner votes again or discards
it in "Waiting to send". The local clock only hides the vote button of a poll that has closed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from desktop.domain.errors import SamenError
from desktop.domain.poll import Poll, PollOption, VoteState
from desktop.domain.sync import OutboxItem, OutboxState
from desktop.language.catalogue import _
from desktop.services import refusals
from desktop.services.actions import ActionService
from desktop.services.queue import QueueService
from desktop.services.sync import SyncService
from desktop.store.clock import parse_time

VOTE = "poll.vote"


class PollService:
    def __init__(
        self,
        sync: SyncService,
        queue: QueueService,
        actions: ActionService,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sync = sync
        self._queue = queue
        self._actions = actions
        self._now = now

    def polls(self, course_id: str | None = None, lesson_id: str | None = None) -> list[Poll]:
        """Polls known on this computer (from the last sync), newest first."""
        cached = self._sync.cached("poll")
        results = self._sync.cached("poll_results")
        counted = self._sync.cached("poll_vote")
        local = self._local_votes()
        polls = [
            self._poll(data, results.get(poll_id), counted.get(poll_id), local.get(poll_id))
            for poll_id, data in cached.items()
            if (course_id is None or data.get("course_id") == course_id)
            and (lesson_id is None or data.get("lesson_id") == lesson_id)
        ]
        polls.sort(key=lambda p: p.opens_at or "", reverse=True)
        return polls

    def poll(self, poll_id: str) -> Poll:
        found = next((p for p in self.polls() if p.id == poll_id), None)
        if found is None:
            raise SamenError(
                _(
                    "There is no poll {poll_id!r} on this computer; sync first to fetch the polls."
                ).format(poll_id=poll_id)
            )
        return found

    def vote(self, poll_id: str, option_id: str) -> Poll:
        """Queue the learner's vote (replacing an unsent one); returns the poll as now shown."""
        poll = self.poll(poll_id)
        if option_id not in {option.id for option in poll.options}:
            choices = ", ".join(f"{o.id} ({o.text})" for o in poll.options)
            raise SamenError(
                _("This poll has no option {option_id!r}. Choose one of: {choices}.").format(
                    option_id=option_id, choices=choices
                )
            )
        if not poll.is_open:
            raise SamenError(_("This poll is closed; votes are no longer counted."))
        self._actions.vote(poll_id, option_id)
        return self.poll(poll_id)

    # -- assembling ------------------------------------------------------------------------

    def _local_votes(self) -> dict[str, OutboxItem]:
        """The newest unsent or refused vote per poll."""
        latest: dict[str, OutboxItem] = {}
        for item in self._queue.items(names=(VOTE,)):
            if item.name == VOTE and isinstance(item.args.get("poll_id"), str):
                latest[item.args["poll_id"]] = item  # items come in sending order
        return latest

    def _poll(
        self,
        data: dict[str, Any],
        results: dict[str, Any] | None,
        counted: dict[str, Any] | None,
        local: OutboxItem | None,
    ) -> Poll:
        now = self._now()
        opens, closes = parse_time(data.get("opens_at")), parse_time(data.get("closes_at"))
        is_open = (opens is None or opens <= now) and (closes is None or now < closes)
        my_vote: str | None = counted.get("option_id") if counted else None
        state = VoteState.COUNTED if my_vote else VoteState.NONE
        refusal = ""
        if local is not None:
            my_vote = local.args.get("option_id")
            if local.state is OutboxState.REJECTED:
                state, refusal = VoteState.REFUSED, refusals.say(local)
            else:
                state = VoteState.WAITING
        # The academy sends results only to voters and, once closed, to everyone; until the
        # first ones arrive there is nothing to show (not zeros).
        show = results is not None and (
            state in (VoteState.COUNTED, VoteState.WAITING) or not is_open
        )
        counts: dict[str, int] = (results or {}).get("counts", {})
        options = tuple(
            PollOption(
                id=str(option["id"]),
                text=str(option.get("text", "")),
                votes=int(counts.get(option["id"], 0)) if show else None,
            )
            for option in data.get("options", [])
            if isinstance(option, dict) and "id" in option
        )
        return Poll(
            id=str(data.get("poll_id")),
            course_id=str(data.get("course_id", "")),
            lesson_id=data.get("lesson_id"),
            statement=str(data.get("statement", "")),
            options=options,
            opens_at=data.get("opens_at"),
            closes_at=data.get("closes_at"),
            is_open=is_open,
            my_vote=my_vote,
            vote_state=state,
            refusal=refusal,
            total=int((results or {}).get("total", 0)) if show else None,
        )
