"""Mail is queued in the database and delivered by the job runner (mail_outbox); repeated hard failures for a
recipient are counted (mail_recipient); scheduled jobs record their last run and next due time (scheduled_job).

Neither mail table keeps an address, a phone number or a message body in clear: a queued row holds them sealed
(Fernet) and the seal is erased when the row stops being queued (a CHECK says so); recipients are counted by an
HMAC of the address.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("template", sa.String(length=80), nullable=False),
        sa.Column("ref", sa.String(length=120), nullable=True),
        sa.Column("once_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=80), nullable=True),
        sa.Column("recipient_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("provider_ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('email','sms')", name="mail_outbox_kind"),
        sa.CheckConstraint("status IN ('queued','sent','failed','suppressed')", name="mail_outbox_status"),
        sa.CheckConstraint("attempts >= 0", name="mail_outbox_attempts"),
        sa.CheckConstraint("(status = 'queued') = (sealed IS NOT NULL)", name="mail_outbox_sealed_while_queued"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("once_key"),
    )
    op.create_index(
        "ix_mail_outbox_due", "mail_outbox", ["next_attempt_at"], postgresql_where=sa.text("status = 'queued'")
    )
    op.create_index("ix_mail_outbox_created_at", "mail_outbox", ["created_at"])
    op.create_index("ix_mail_outbox_ref", "mail_outbox", ["ref"])
    op.create_table(
        "mail_recipient",
        sa.Column("recipient_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("hard_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unreachable_since", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('email','sms')", name="mail_recipient_kind"),
        sa.CheckConstraint("hard_failures >= 0", name="mail_recipient_failures"),
        sa.PrimaryKeyConstraint("recipient_hash"),
    )
    op.create_table(
        "scheduled_job",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=10), nullable=True),
        sa.Column("last_error", sa.String(length=80), nullable=True),
        sa.Column("last_summary", sa.String(length=300), nullable=True),
        sa.Column("runs", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("every_seconds > 0", name="scheduled_job_every"),
        sa.CheckConstraint("last_status IS NULL OR last_status IN ('ok','failed')", name="scheduled_job_status"),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("scheduled_job")
    op.drop_table("mail_recipient")
    op.drop_index("ix_mail_outbox_ref", table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_created_at", table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
