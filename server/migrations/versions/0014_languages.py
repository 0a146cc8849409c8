"""Languages (issue 16): a supporter request keeps the language its supporter reads (the
e-mail and the page; "en" for requests made before) and the learner's own (their push's: of
their message, and of a delivery failure told to them); its e-mail keeps its language (the
Content-Language header); a stored rejection keeps the values its message names
(``params``), replayed with it so a client can say it in its own words.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("supporter_requests") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="en"))
        batch.add_column(
            sa.Column("learner_language", sa.String(8), nullable=False, server_default="en")
        )
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="en"))
    with op.batch_alter_table("mutation_log") as batch:
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mutation_log") as batch:
        batch.drop_column("params")
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("supporter_requests") as batch:
        batch.drop_column("learner_language")
        batch.drop_column("language")
