"""inventories: risk sources, materials depots and items, teams, experts

Revision ID: 0002_inventories
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_inventories"
down_revision = "0001"
branch_labels = None
depends_on = None


def _versioned() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _place() -> list[sa.Column]:
    return [
        sa.Column("county_adcode", sa.Integer(), nullable=False),
        sa.Column("county_zh", sa.String(50), nullable=False),
        sa.Column("prefecture_zh", sa.String(50), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "risk_sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("operator", sa.String(200)),
        sa.Column("industry", sa.String(100)),
        *_place(),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("outfall_lon", sa.Float()),
        sa.Column("outfall_lat", sa.Float()),
        sa.Column("receiving_river_zh", sa.String(100), nullable=False),
        sa.Column("joins_river_zh", sa.String(100)),
        sa.Column("entry_seg_id", sa.Integer(), nullable=False),
        sa.Column("entry_lon", sa.Float(), nullable=False),
        sa.Column("entry_lat", sa.Float(), nullable=False),
        sa.Column("entry_distance_m", sa.Float(), nullable=False),
        sa.Column("risk_level", sa.String(10), nullable=False),
        sa.Column("contact", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(50), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("confirmed_at", sa.Date()),
        *_versioned(),
        sa.UniqueConstraint("name", "county_adcode", name="uq_risk_sources_name_county"),
    )
    for col in ("kind", "county_adcode", "prefecture_zh", "receiving_river_zh",
                "joins_river_zh"):
        op.create_index(f"ix_risk_sources_{col}", "risk_sources", [col])

    op.create_table(
        "risk_source_substances",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("risk_source_id", sa.Integer(),
                  sa.ForeignKey("risk_sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("substance_id", sa.String(64), nullable=False),
        sa.Column("max_quantity_t", sa.Float(), nullable=False),
    )
    op.create_index("ix_risk_source_substances_risk_source_id", "risk_source_substances",
                    ["risk_source_id"])
    op.create_index("ix_risk_source_substances_substance_id", "risk_source_substances",
                    ["substance_id"])

    op.create_table(
        "material_depots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("holder_type", sa.String(20), nullable=False),
        sa.Column("storage_mode", sa.String(10), nullable=False),
        *_place(),
        sa.Column("address", sa.String(200)),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("contact", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(50), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("confirmed_at", sa.Date()),
        *_versioned(),
        sa.UniqueConstraint("name", "county_adcode", name="uq_material_depots_name_county"),
    )
    op.create_index("ix_material_depots_county_adcode", "material_depots", ["county_adcode"])
    op.create_index("ix_material_depots_prefecture_zh", "material_depots", ["prefecture_zh"])

    op.create_table(
        "material_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("depot_id", sa.Integer(),
                  sa.ForeignKey("material_depots.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item", sa.String(100), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("spec", sa.String(100)),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(200)),
        sa.Column("expiry", sa.Date()),
        sa.Column("sample", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_material_items_depot_id", "material_items", ["depot_id"])
    op.create_index("ix_material_items_category", "material_items", ["category"])

    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        *_place(),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("specialties", sa.JSON(), nullable=False),
        sa.Column("leader", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(50), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        *_versioned(),
        sa.UniqueConstraint("name", "county_adcode", name="uq_teams_name_county"),
    )
    op.create_index("ix_teams_county_adcode", "teams", ["county_adcode"])
    op.create_index("ix_teams_prefecture_zh", "teams", ["prefecture_zh"])

    op.create_table(
        "experts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("title", sa.String(50)),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("prefecture_zh", sa.String(50)),
        sa.Column("phone", sa.String(50), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        *_versioned(),
        sa.UniqueConstraint("name", "unit", name="uq_experts_name_unit"),
    )
    op.create_index("ix_experts_prefecture_zh", "experts", ["prefecture_zh"])


def downgrade() -> None:
    for table in ("experts", "teams", "material_items", "material_depots",
                  "risk_source_substances", "risk_sources"):
        op.drop_table(table)
