"""Every closed list's CHECK constraint, as ``assetmap/vocabulary.py`` generates it; one of them new:
``asset_change.action``, so an asset's history holds only actions the history page has a label for.

The expressions below are what ``Vocabulary.sql_one_of``/``sql_some_of`` gave on the day this was written,
copied rather than imported: a migration has to build the same schema whenever it runs, so a later change
to the module must come with a migration of its own. ``tests/test_vocabulary_schema.py`` fails until it
does, and prints the statements to put in it. The twenty constraints 0001 and 0007 already had come out of the
module with the values 0001 wrote, so recreating them changes what they allow in no way; a downgrade
drops the new one and leaves them as 0001 and 0007 made them.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: (table, constraint, expression) for each closed list the database keeps to
CHECKS = [
    ("service", "service_visibility", "visibility IN ('public','practitioners','confidential')"),
    ("service", "service_status", "status IN ('active','inactive','defunct','temporarily closed')"),
    ("service", "service_modes", "modes <@ ARRAY['in_person','online','phone']::text[] AND cardinality(modes) > 0"),
    (
        "service",
        "service_verification_method",
        "verification_method IS NULL OR verification_method IN ('visited','phoned','emailed','self-reported')",
    ),
    ("location", "location_type", "location_type IN ('physical','postal','virtual')"),
    ("schedule", "schedule_freq", "freq IN ('WEEKLY')"),
    ("schedule", "schedule_byday", "byday IN ('MO','TU','WE','TH','FR','SA','SU')"),
    (
        "accessibility",
        "accessibility_kind",
        "kind IN ('wheelchair','step-free','accessible-toilet','hearing-loop','quiet-space','large-print','bsl')",
    ),
    ("app_user", "app_user_role", "role IN ('admin','coordinator','practitioner','commissioner')"),
    ("user_area", "user_area_type", "area_type IN ('ward','constituency')"),
    ("suggestion", "suggestion_kind", "kind IN ('new_asset','problem')"),
    ("suggestion", "suggestion_status", "status IN ('open','accepted','rejected')"),
    (
        "suggestion",
        "suggestion_problem_type",
        "problem_type IS NULL OR problem_type IN ('closed','wrong_time','wrong_contact','not_suitable','other')",
    ),
    (
        "connection_log",
        "connection_log_attended",
        "followup_attended IS NULL OR followup_attended IN ('yes','no','not_known')",
    ),
    (
        "connection_log",
        "connection_log_helped",
        "followup_helped IS NULL OR followup_helped IN ('yes','no','not_known')",
    ),
    ("signin_throttle", "signin_throttle_scope", "scope IN ('account','address')"),
    ("mail_outbox", "mail_outbox_kind", "kind IN ('email','sms')"),
    ("mail_outbox", "mail_outbox_status", "status IN ('queued','sent','failed','suppressed')"),
    ("mail_recipient", "mail_recipient_kind", "kind IN ('email','sms')"),
    ("scheduled_job", "scheduled_job_status", "last_status IS NULL OR last_status IN ('ok','failed')"),
]
NEW = [
    (
        "asset_change",
        "asset_change_action",
        "action IN ('create','update','import','archive','unarchive','verify','restore','steward')",
    ),
]


def upgrade() -> None:
    for table, name, expression in CHECKS:
        op.drop_constraint(name, table, type_="check")
        op.create_check_constraint(name, table, expression)
    for table, name, expression in NEW:
        op.create_check_constraint(name, table, expression)


def downgrade() -> None:
    for table, name, _ in NEW:
        op.drop_constraint(name, table, type_="check")
