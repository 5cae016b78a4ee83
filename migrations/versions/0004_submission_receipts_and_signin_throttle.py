"""Repeat submissions are recognised (submission_receipt) and failed sign-ins are counted in the database
(signin_throttle), so both hold across every gunicorn worker. Neither table holds personal data: keys are
HMACs of a one-time token, an email or a client address.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_receipt",
        sa.Column("key_hash", sa.String(length=64), primary_key=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("redirect_to", sa.String(length=500), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=True),
    )
    op.create_index("ix_submission_receipt_created_at", "submission_receipt", ["created_at"])
    op.create_table(
        "signin_throttle",
        sa.Column("key_hash", sa.String(length=64), primary_key=True),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("scope IN ('account','address')", name="signin_throttle_scope"),
        sa.CheckConstraint("failures >= 0", name="signin_throttle_failures"),
    )
    op.create_index("ix_signin_throttle_expires_at", "signin_throttle", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_signin_throttle_expires_at", table_name="signin_throttle")
    op.drop_table("signin_throttle")
    op.drop_index("ix_submission_receipt_created_at", table_name="submission_receipt")
    op.drop_table("submission_receipt")
