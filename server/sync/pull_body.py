"""A pull reply's body, written as JSON text around changes that are already JSON text
(server.sync.log_rows.encode_change). Pure function, any thread.
"""

from __future__ import annotations

import json
from typing import Any


def pull_body(reply: dict[str, Any]) -> bytes:
    """The whole PullReply: ``reply`` with its "changes" spliced in as the text they are."""
    changes: list[str] = reply["changes"]
    rest = json.dumps(
        {key: value for key, value in reply.items() if key != "changes"},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return f'{{"changes":[{",".join(changes)}],{rest[1:]}'.encode()
