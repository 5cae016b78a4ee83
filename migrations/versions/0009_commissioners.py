"""Commissioners: custom area sets with apportioned residents, monthly coverage snapshots, and whether a
'nothing suitable' signal's terms were matched from free text.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "unmet_need", sa.Column("terms_matched", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.create_table(
        "area_set",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.CheckConstraint("length(btrim(name)) BETWEEN 1 AND 120", name="area_set_name_length"),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "custom_area",
        sa.Column("set_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("lad_code", sa.String(length=9), nullable=True),
        sa.Column("population_total", sa.Double(), nullable=True),
        sa.Column("population_65plus", sa.Double(), nullable=True),
        sa.Column("imd_rank", sa.Double(), nullable=True),
        sa.Column("imd_decile", sa.Integer(), nullable=True),
        sa.CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="custom_area_geom_valid"),
        sa.ForeignKeyConstraint(["set_id"], ["area_set.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("set_id", "code"),
    )
    op.create_geospatial_index(
        "idx_custom_area_geom", "custom_area", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_table(
        "custom_area_lsoa",
        sa.Column("set_id", sa.UUID(), nullable=False),
        sa.Column("area_code", sa.String(length=60), nullable=False),
        sa.Column("lsoa_code", sa.String(length=9), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.Column("main", sa.Boolean(), nullable=False),
        sa.CheckConstraint("share > 0 AND share <= 1", name="custom_area_lsoa_share"),
        sa.ForeignKeyConstraint(
            ["set_id", "area_code"], ["custom_area.set_id", "custom_area.code"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["lsoa_code"], ["lsoa.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("set_id", "area_code", "lsoa_code"),
    )
    op.create_index("ix_custom_area_lsoa_lsoa_code", "custom_area_lsoa", ["lsoa_code"], unique=False)
    op.create_table(
        "coverage_snapshot",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("geography", sa.String(length=12), nullable=False),
        sa.Column("set_key", sa.String(length=36), nullable=False),
        sa.Column("area_code", sa.String(length=60), nullable=False),
        sa.Column("view", sa.String(length=60), nullable=False),
        sa.Column("la_code", sa.String(length=9), nullable=True),
        sa.Column("figures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("extract(day from month) = 1", name="coverage_snapshot_first_of_month"),
        sa.PrimaryKeyConstraint("month", "geography", "set_key", "area_code", "view"),
    )
    op.create_index(
        "ix_coverage_snapshot_area", "coverage_snapshot", ["geography", "set_key", "area_code", "view"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_coverage_snapshot_area", table_name="coverage_snapshot")
    op.drop_table("coverage_snapshot")
    op.drop_index("ix_custom_area_lsoa_lsoa_code", table_name="custom_area_lsoa")
    op.drop_table("custom_area_lsoa")
    op.drop_geospatial_index(
        "idx_custom_area_geom", table_name="custom_area", postgresql_using="gist", column_name="geom"
    )
    op.drop_table("custom_area")
    op.drop_table("area_set")
    op.drop_column("unmet_need", "terms_matched")
