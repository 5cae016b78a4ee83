"""Schedules say what groups really do: monthly, fortnightly, one-off, seasonal, term-time and bank-holiday
sessions, a listing's temporary closure, and councils' school term dates.

Why: the ``schedule`` table held one weekday per row, so a lunch club on the first Monday of the month, a
group every other Thursday or a one-off fun day could not be listed at all (an ORUK import left them out and
counted them). The row now holds the Open Referral UK 3.0 recurrence fields as a feed gives them (``freq``
WEEKLY or MONTHLY, or none for a one-off; ``interval``; ``byday`` as an RFC 5545 list with positions such as
``1MO,-1FR``; ``bymonthday``; ``dtstart``) and ``notes``, ``term_time`` and ``skip_bank_holidays``. A service
may be temporarily closed (``closed_from``/``closed_to``). ``term_date`` holds each council's school terms, so
"term time only" sessions skip the holidays.

Existing rows are weekly sessions on one day and stay as they are: they are valid rows of the new shape
(``freq`` WEEKLY, ``byday`` one day, no interval, not term time, on bank holidays too), so every listing's
schedule, and every file exported from it, reads the same before and after.

A downgrade cannot keep what the old table could not hold: a weekly row on several days becomes one row per
day (as before), and monthly, one-off and every-N-weeks rows are deleted; closures and term dates are dropped.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: vocabulary.byday_pattern() and FREQUENCIES on the day this was written (a migration must not follow the module)
BYDAY = "^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)(,([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU))*$"
CHECKS = [
    ("schedule_freq", "freq IS NULL OR freq IN ('WEEKLY','MONTHLY')"),
    ("schedule_byday", f"byday IS NULL OR byday ~ '{BYDAY}'"),
    ("schedule_bymonthday", "bymonthday IS NULL OR bymonthday ~ '^-?[0-9]{1,2}(,-?[0-9]{1,2})*$'"),
    ("schedule_interval", "interval IS NULL OR interval BETWEEN 1 AND 52"),
    ("schedule_byday_order", "byday_order BETWEEN 0 AND 7"),
    ("schedule_one_off_has_a_date", "freq IS NOT NULL OR dtstart IS NOT NULL"),
    ("schedule_days_or_dates", "freq IS NULL OR byday IS NOT NULL OR bymonthday IS NOT NULL"),
    ("schedule_valid_in_order", "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from"),
]


def upgrade() -> None:
    for name in ("schedule_freq", "schedule_byday", "schedule_byday_order"):
        op.drop_constraint(name, "schedule", type_="check")
    op.alter_column("schedule", "freq", existing_type=sa.String(10), nullable=True)
    op.alter_column("schedule", "byday", existing_type=sa.String(2), type_=sa.String(120), nullable=True)
    op.add_column("schedule", sa.Column("interval", sa.Integer(), nullable=True))
    op.add_column("schedule", sa.Column("bymonthday", sa.String(120), nullable=True))
    op.add_column("schedule", sa.Column("dtstart", sa.Date(), nullable=True))
    op.add_column("schedule", sa.Column("notes", sa.Text(), nullable=True))
    for name in ("term_time", "skip_bank_holidays"):
        op.add_column("schedule", sa.Column(name, sa.Boolean(), server_default=sa.text("false"), nullable=False))
    for name, expression in CHECKS:
        op.create_check_constraint(name, "schedule", expression)

    op.add_column("service", sa.Column("closed_from", sa.Date(), nullable=True))
    op.add_column("service", sa.Column("closed_to", sa.Date(), nullable=True))
    op.create_check_constraint(
        "service_closure_dates",
        "service",
        "(closed_from IS NULL) = (closed_to IS NULL) AND (closed_to IS NULL OR closed_to >= closed_from)",
    )

    op.create_table(
        "term_date",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("lad_code", sa.String(length=9), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.CheckConstraint("ends >= starts", name="term_date_in_order"),
        sa.ForeignKeyConstraint(["lad_code"], ["local_authority.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lad_code", "starts", name="term_date_unique"),
    )
    op.create_index(op.f("ix_term_date_lad_code"), "term_date", ["lad_code"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_term_date_lad_code"), table_name="term_date")
    op.drop_table("term_date")
    op.drop_constraint("service_closure_dates", "service", type_="check")
    op.drop_column("service", "closed_to")
    op.drop_column("service", "closed_from")

    # what the old table cannot hold is deleted; a weekly row on several days becomes a row per day
    op.execute(
        "DELETE FROM schedule WHERE freq IS DISTINCT FROM 'WEEKLY' OR coalesce(interval, 1) <> 1 "
        "OR byday IS NULL OR dtstart IS NOT NULL"
    )
    op.execute(
        """
        INSERT INTO schedule (id, service_id, freq, byday, byday_order, opens_at, closes_at, description,
                              valid_from, valid_to, term_time, skip_bank_holidays)
        SELECT gen_random_uuid(), s.service_id, 'WEEKLY', d.day,
               array_position(ARRAY['MO','TU','WE','TH','FR','SA','SU'], d.day) - 1,
               s.opens_at, s.closes_at, s.description, s.valid_from, s.valid_to, false, false
        FROM schedule s, unnest(string_to_array(s.byday, ',')) AS d(day)
        WHERE s.byday LIKE '%,%'
        """
    )
    op.execute("DELETE FROM schedule WHERE byday LIKE '%,%'")
    for name, _ in CHECKS:
        op.drop_constraint(name, "schedule", type_="check")
    for name in ("skip_bank_holidays", "term_time", "notes", "dtstart", "bymonthday", "interval"):
        op.drop_column("schedule", name)
    op.alter_column("schedule", "byday", existing_type=sa.String(120), type_=sa.String(2), nullable=False)
    op.alter_column("schedule", "freq", existing_type=sa.String(10), nullable=False)
    op.create_check_constraint("schedule_freq", "schedule", "freq IN ('WEEKLY')")
    op.create_check_constraint("schedule_byday", "schedule", "byday IN ('MO','TU','WE','TH','FR','SA','SU')")
    op.create_check_constraint("schedule_byday_order", "schedule", "byday_order BETWEEN 0 AND 6")
