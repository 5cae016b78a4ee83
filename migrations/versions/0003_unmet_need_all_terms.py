"""'Nothing suitable' keeps every category, audience and capability searched for, not only the first.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KINDS = ("category", "audience", "capability")


def upgrade() -> None:
    for kind in KINDS:
        op.add_column(
            "unmet_need",
            sa.Column(
                f"{kind}_codes",
                postgresql.ARRAY(sa.String(length=60)),
                server_default=sa.text("'{}'::varchar[]"),
                nullable=False,
            ),
        )
        op.execute(f"UPDATE unmet_need SET {kind}_codes = ARRAY[{kind}_code]::varchar[] WHERE {kind}_code IS NOT NULL")
        op.drop_column("unmet_need", f"{kind}_code")


def downgrade() -> None:
    for kind in KINDS:
        op.add_column("unmet_need", sa.Column(f"{kind}_code", sa.String(length=60), nullable=True))
        op.execute(f"UPDATE unmet_need SET {kind}_code = {kind}_codes[1]")
        op.drop_column("unmet_need", f"{kind}_codes")
