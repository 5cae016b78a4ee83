"""Duplicates: what the finder looks listings up by, "not duplicates" decisions, merged listings, charity numbers.

* ``match_phone_key``, ``match_email_key`` and ``match_web_key`` turn a phone number, an email address and a web
  address into the form two listings are compared on ("+44 (0)121 496 0000" and "0121 4960000" are the same
  number); they are the only definition of that sameness (``assetmap/directory/duplicates.py`` asks the database
  for them), IMMUTABLE so expression indexes can hold them: a new listing's contacts are looked up through those
  indexes instead of by reading every listing.
* ``service_name_trgm_gist``: the finder asks for the nearest names (a KNN scan), which GIN cannot answer.
* ``service.charity_number`` (England and Wales, Scotland's SC…, Northern Ireland's NIC…), indexed.
* ``service.merged_into_id``: a listing merged into another is kept (archived, with its history and the source
  id it was imported under, as Open Referral UK asks of aggregators) and its address leads to the survivor.
* ``not_duplicate``: two listings a coordinator said are not the same, so they are not raised again.
* ``asset_change.action`` allows ``merge`` (the survivor's line) and ``merged`` (the other listing's).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FUNCTIONS = {
    # digits only; +44 or 0044 (and a "(0)" after it) become a leading 0; fewer than 9 digits is no number
    "match_phone_key": r"""
        SELECT CASE WHEN length(d) >= 9 THEN d END
        FROM (SELECT regexp_replace(
                       regexp_replace(regexp_replace(raw, '[^0-9+]', '', 'g'), '^(\+|00)440?', '0'),
                       '[^0-9]', '', 'g') AS d) AS digits
    """,
    # case and surrounding spaces do not make another address
    "match_email_key": r"SELECT NULLIF(lower(btrim(raw)), '')",
    # no scheme, no www., no query, fragment or trailing slash, lower case
    "match_web_key": r"""
        SELECT NULLIF(rtrim(regexp_replace(regexp_replace(regexp_replace(lower(btrim(raw)),
                   '^[a-z][a-z0-9+.-]*://', ''), '^www\.', ''), '[?#].*$', ''), '/'), '')
    """,
}

CHANGE_ACTIONS_BEFORE = "action IN ('create','update','import','archive','unarchive','verify','restore','steward')"
CHANGE_ACTIONS_AFTER = (
    "action IN ('create','update','import','archive','unarchive','verify','restore','steward','merge','merged')"
)
CHARITY_NUMBER = "charity_number ~ '^([0-9]{6,8}(-[0-9]{1,2})?|SC[0-9]{6}|NIC[0-9]{6})$'"


def upgrade() -> None:
    for name, body in FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}(raw text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
            f"AS $fn${body}$fn$"
        )
    op.add_column("service", sa.Column("charity_number", sa.Text(), nullable=True))
    op.add_column("service", sa.Column("merged_into_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        "service_merged_into_id_fkey", "service", "service", ["merged_into_id"], ["id"], ondelete="SET NULL"
    )
    op.create_index("ix_service_merged_into_id", "service", ["merged_into_id"])
    op.create_check_constraint(
        "service_charity_number_format", "service", f"charity_number IS NULL OR {CHARITY_NUMBER}"
    )
    op.create_check_constraint(
        "service_merged_is_archived",
        "service",
        "merged_into_id IS NULL OR (archived_at IS NOT NULL AND merged_into_id <> id)",
    )
    op.create_index("ix_service_charity_number", "service", ["charity_number"])
    op.create_index("service_email_key", "service", [sa.text("match_email_key(email)")])
    op.create_index("service_web_key", "service", [sa.text("match_web_key(url)")])
    op.create_index("phone_number_key", "phone", [sa.text("match_phone_key(number)")])
    # nearest names first (ORDER BY name <-> :name LIMIT k walks this index; GIN cannot order)
    op.create_index(
        "service_name_trgm_gist", "service", ["name"], postgresql_using="gist", postgresql_ops={"name": "gist_trgm_ops"}
    )
    op.create_table(
        "not_duplicate",
        sa.Column("service_a_id", sa.UUID(), nullable=False),
        sa.Column("service_b_id", sa.UUID(), nullable=False),
        sa.Column("decided_by_id", sa.UUID(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("service_a_id < service_b_id", name="not_duplicate_ordered"),
        sa.ForeignKeyConstraint(["service_a_id"], ["service.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_b_id"], ["service.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["app_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("service_a_id", "service_b_id"),
    )
    op.create_index("ix_not_duplicate_service_b_id", "not_duplicate", ["service_b_id"])
    op.drop_constraint("asset_change_action", "asset_change", type_="check")
    op.create_check_constraint("asset_change_action", "asset_change", CHANGE_ACTIONS_AFTER)


def downgrade() -> None:
    # a merged listing's history line cannot be said in 0009's words: it is kept as the archive it also is
    op.execute("UPDATE asset_change SET action = 'archive' WHERE action = 'merged'")
    op.execute("UPDATE asset_change SET action = 'update' WHERE action = 'merge'")
    op.drop_constraint("asset_change_action", "asset_change", type_="check")
    op.create_check_constraint("asset_change_action", "asset_change", CHANGE_ACTIONS_BEFORE)
    op.drop_index("ix_not_duplicate_service_b_id", table_name="not_duplicate")
    op.drop_table("not_duplicate")
    op.drop_index("service_name_trgm_gist", table_name="service")
    op.drop_index("phone_number_key", table_name="phone")
    op.drop_index("service_web_key", table_name="service")
    op.drop_index("service_email_key", table_name="service")
    op.drop_index("ix_service_charity_number", table_name="service")
    op.drop_constraint("service_merged_is_archived", "service", type_="check")
    op.drop_constraint("service_charity_number_format", "service", type_="check")
    op.drop_index("ix_service_merged_into_id", table_name="service")
    op.drop_constraint("service_merged_into_id_fkey", "service", type_="foreignkey")
    op.drop_column("service", "merged_into_id")
    op.drop_column("service", "charity_number")
    for name in FUNCTIONS:
        op.execute(f"DROP FUNCTION {name}(text)")
