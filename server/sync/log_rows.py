"""Reading one scope of the change log from the database, and a change as the wire writes it.

A change's data is stored as JSON; a pull copies that text into its reply as it is (decoding
and encoding it again was most of what a pull cost). Pure functions and a session's reads, on
the worker thread that serves the pull.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from sqlalchemy import Select, Text, cast, select
from sqlalchemy.orm import Session

from server.db import table_of
from server.sync.models import ChangeLog


class ChangeRow(NamedTuple):
    """A change as the log holds it, its data still JSON text."""

    id: int
    scope: str
    entity: str
    entity_id: str
    op: str
    version: int
    data_json: str | None


class PulledChange(NamedTuple):
    """A change a pull sends: its id (for the cursor) and its Change object as JSON text."""

    id: int
    text: str


def change_row(row: Any) -> ChangeRow:
    """A row of :func:`scope_rows` as a :class:`ChangeRow`."""
    return ChangeRow(*row)


def encode_change(row: ChangeRow) -> str:
    """One change as the contract's Change object, in JSON text."""
    return (
        f'{{"scope":{json.dumps(row.scope)},"entity":{json.dumps(row.entity)},'
        f'"id":{json.dumps(row.entity_id)},"op":{json.dumps(row.op)},'
        f'"version":{int(row.version)},"data":{row.data_json or "null"}}}'
    )


def scope_rows(scope: str | None, after: int, upto: int) -> Select[Any]:
    """Every change of ``scope`` (of every scope for None) with after < id <= upto, oldest
    first, read through (scope, id) (or the primary key)."""
    table = table_of(ChangeLog)
    statement = (
        select(
            table.c.id,
            table.c.scope,
            table.c.entity,
            table.c.entity_id,
            table.c.op,
            table.c.version,
            cast(table.c.data, Text),
        )
        .where(table.c.id > after, table.c.id <= upto)
        .order_by(table.c.id)
    )
    return statement if scope is None else statement.where(table.c.scope == scope)


def read_scope(
    session: Session, scope: str, after: int, upto: int, limit: int
) -> list[PulledChange]:
    """Up to ``limit`` changes of ``scope`` with after < id <= upto, oldest first, leaving out
    a change that a newer version of the same entity replaces within ``upto``: clients keep
    only an entity's newest state."""
    table = table_of(ChangeLog)
    newer = table.alias("newer")
    superseded = (
        select(newer.c.id)
        .where(
            newer.c.scope == table.c.scope,
            newer.c.entity == table.c.entity,
            newer.c.entity_id == table.c.entity_id,
            newer.c.version > table.c.version,
            newer.c.id <= upto,
        )
        .exists()
    )
    rows = session.execute(scope_rows(scope, after, upto).where(~superseded).limit(limit))
    changes = [change_row(row) for row in rows]
    return [PulledChange(change.id, encode_change(change)) for change in changes]
