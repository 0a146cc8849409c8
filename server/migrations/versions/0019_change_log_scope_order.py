"""Pulls read a learner's scopes in id order from a cursor (issue 17): with only the
(scope, entity, ...) index, each pull read every change of its courses and sorted them, so a
page cost grew with the course's whole history; (scope, id) reads just the page's rows.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_change_log_scope_id", "change_log", ["scope", "id"])


def downgrade() -> None:
    op.drop_index("ix_change_log_scope_id", table_name="change_log")
