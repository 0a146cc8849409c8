"""A pull reply's body, written as JSON text around changes that stay JSON text.

A pull page copies up to a thousand changes from the log to the wire. Their data is stored as
JSON; decoding it into Python and encoding it again was most of what a pull cost, so each
change is written here with its data text spliced in as it is. Pure functions, any thread.
"""

from __future__ import annotations

import json
from typing import Any

from server.sync.changes import ChangeRow


def encode_change(row: ChangeRow) -> str:
    """One change as the contract's Change object, in JSON text."""
    return (
        f'{{"scope":{json.dumps(row.scope)},"entity":{json.dumps(row.entity)},'
        f'"id":{json.dumps(row.entity_id)},"op":{json.dumps(row.op)},'
        f'"version":{int(row.version)},"data":{row.data_json or "null"}}}'
    )


def pull_body(reply: dict[str, Any]) -> bytes:
    """The whole PullReply: ``reply`` with its "changes" as :func:`encode_change` wrote them."""
    changes: list[str] = reply["changes"]
    rest = json.dumps(
        {key: value for key, value in reply.items() if key != "changes"},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return f'{{"changes":[{",".join(changes)}],{rest[1:]}'.encode()
