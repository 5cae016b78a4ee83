"""Organisers keep their own listings true: their contact (sealed, never published), the reminders and the
one-time links in them, what they propose for the steward, each council's reminder cadence, unsubscribes,
when a listing's reminders ran out unanswered, and when a coordinator last got their digest.

Two closed lists grow (``vocabulary.py``): a check "confirmed by the organiser", and the history action of a
change accepted from an organiser's proposal. Their CHECK constraints are rebuilt with the new codes; the
downgrade puts back the lists before it, after turning rows that use the new codes into the nearest old ones.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

METHODS_OLD = "verification_method IS NULL OR verification_method IN ('visited','phoned','emailed','self-reported')"
METHODS_NEW = (
    "verification_method IS NULL OR verification_method IN ('visited','phoned','emailed','self-reported','organiser')"
)
ACTIONS_OLD = (
    "action IN ('create','update','import','archive','unarchive','verify','restore','steward','merge','merged')"
)
ACTIONS_NEW = (
    "action IN ('create','update','import','archive','unarchive','verify','restore','steward','merge','merged',"
    "'proposal')"
)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.drop_constraint("service_verification_method", "service", type_="check")
    op.create_check_constraint("service_verification_method", "service", METHODS_NEW)
    op.drop_constraint("asset_change_action", "asset_change", type_="check")
    op.create_check_constraint("asset_change_action", "asset_change", ACTIONS_NEW)
    op.add_column("service", sa.Column("unconfirmed_since", sa.Date(), nullable=True))
    op.add_column("app_user", _when("digest_sent_at", nullable=True))

    op.create_table(
        "organiser_contact",
        sa.Column("service_id", sa.UUID(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("consent_on", sa.Date(), nullable=False),
        sa.Column("consent_method", sa.String(length=20), nullable=False),
        sa.Column("recorded_by_id", sa.UUID(), nullable=True),
        _when("updated_at"),
        _when("bounced_at", nullable=True),
        sa.CheckConstraint(
            "consent_method IN ('phone','in_person','email','form','link')", name="organiser_contact_consent_method"
        ),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["app_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("service_id"),
    )
    op.create_index("ix_organiser_contact_email_hash", "organiser_contact", ["email_hash"])

    op.create_table(
        "organiser_reminder",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("service_id", sa.UUID(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("cycle_from", sa.Date(), nullable=False),
        _when("sent_at"),
        _when("expires_at"),
        _when("used_at", nullable=True),
        sa.Column("used_for", sa.String(length=20), nullable=True),
        sa.CheckConstraint("round BETWEEN 0 AND 3", name="organiser_reminder_round"),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_organiser_reminder_service_id", "organiser_reminder", ["service_id"])
    op.create_index(
        "organiser_reminder_once",
        "organiser_reminder",
        ["service_id", "cycle_from", "round"],
        unique=True,
        postgresql_where=sa.text("round > 0"),
    )

    op.create_table(
        "proposed_update",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("service_id", sa.UUID(), nullable=False),
        sa.Column("reminder_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("base", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _when("created_at"),
        sa.Column("resolved_by_id", sa.UUID(), nullable=True),
        _when("resolved_at", nullable=True),
        sa.Column(
            "accepted_fields", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False
        ),
        sa.CheckConstraint("kind IN ('change','closure')", name="proposed_update_kind"),
        sa.CheckConstraint("status IN ('open','accepted','partly','rejected')", name="proposed_update_status"),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reminder_id"], ["organiser_reminder.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["app_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_proposed_update_service_id", "proposed_update", ["service_id"])
    op.create_index("ix_proposed_update_created_at", "proposed_update", ["created_at"])

    op.create_table(
        "reminder_cadence",
        sa.Column("lad_code", sa.String(length=9), nullable=False),
        sa.Column("first_months", sa.Integer(), nullable=False),
        sa.Column("second_months", sa.Integer(), nullable=False),
        sa.Column("third_months", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        _when("updated_at"),
        sa.Column("updated_by_id", sa.UUID(), nullable=True),
        sa.CheckConstraint(
            "first_months >= 1 AND first_months < second_months AND second_months < third_months "
            "AND third_months <= 36",
            name="reminder_cadence_months",
        ),
        sa.CheckConstraint("grace_days BETWEEN 0 AND 90", name="reminder_cadence_grace"),
        sa.ForeignKeyConstraint(["lad_code"], ["local_authority.code"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("lad_code"),
    )

    op.create_table(
        "email_optout",
        sa.Column("recipient_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        _when("created_at"),
        sa.CheckConstraint("purpose IN ('reminders','digest','account')", name="email_optout_purpose"),
        sa.PrimaryKeyConstraint("recipient_hash", "purpose"),
    )


def downgrade() -> None:
    op.drop_table("email_optout")
    op.drop_table("reminder_cadence")
    op.drop_table("proposed_update")
    op.drop_table("organiser_reminder")
    op.drop_table("organiser_contact")
    op.drop_column("app_user", "digest_sent_at")
    op.drop_column("service", "unconfirmed_since")
    # the old lists have no such codes: an organiser's confirmation is the group's own word, and a change
    # accepted from a proposal is a change
    op.execute("UPDATE service SET verification_method = 'self-reported' WHERE verification_method = 'organiser'")
    op.execute("UPDATE asset_change SET action = 'update' WHERE action = 'proposal'")
    op.drop_constraint("asset_change_action", "asset_change", type_="check")
    op.create_check_constraint("asset_change_action", "asset_change", ACTIONS_OLD)
    op.drop_constraint("service_verification_method", "service", type_="check")
    op.create_check_constraint("service_verification_method", "service", METHODS_OLD)
