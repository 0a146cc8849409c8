"""Every mutation name of API v1 and its handler (the contract's $defs/Mutations)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.peer.mutations import PEER_MUTATIONS
from server.progress.answers import EXERCISE_ANSWER
from server.progress.mutations import PROGRESS_UPDATE
from server.progress.playback import PLAYBACK_POSITION
from server.social.forum import FORUM_MUTATIONS
from server.social.polls import POLL_VOTE
from server.supporter.mutations import SUPPORTER_MUTATIONS
from server.sync.mutations import MutationSpec

REGISTRY: Mapping[str, MutationSpec[Any]] = {
    spec.name: spec
    for spec in (
        PROGRESS_UPDATE,
        POLL_VOTE,
        EXERCISE_ANSWER,
        PLAYBACK_POSITION,
        *FORUM_MUTATIONS,
        *SUPPORTER_MUTATIONS,
        *PEER_MUTATIONS,
    )
}
