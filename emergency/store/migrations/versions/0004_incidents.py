"""incidents, timeline, checklist items, observations

Revision ID: 0004_incidents
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_incidents"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("is_drill", sa.Boolean(), nullable=False),
        sa.Column("lon", sa.Float()),
        sa.Column("lat", sa.Float()),
        sa.Column("risk_source_id", sa.Integer()),
        sa.Column("segment_id", sa.Integer()),
        sa.Column("substance", sa.String(64), nullable=False),
        sa.Column("mass_kg", sa.Float(), nullable=False),
        sa.Column("release_hours", sa.Float(), nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("discovered_at", TZ, nullable=False),
        sa.Column("flow_condition", sa.String(10)),
        sa.Column("discharge_m3s", sa.Float()),
        sa.Column("flow_chosen_from_date", sa.Boolean(), nullable=False),
        sa.Column("deaths", sa.Integer(), nullable=False),
        sa.Column("injured", sa.Integer(), nullable=False),
        sa.Column("evacuated", sa.Integer(), nullable=False),
        sa.Column("economic_loss_cny", sa.Float(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("velocity_factor", sa.Float(), nullable=False),
        sa.Column("tier_level", sa.Integer()),
        sa.Column("warning_level", sa.String(10)),
        sa.Column("river_name_zh", sa.String(64)),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_incidents_is_drill", "incidents", ["is_drill"])
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("summary_zh", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_incident_events_incident_id", "incident_events", ["incident_id"])
    op.create_table(
        "checklist_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("item_key", sa.String(200), nullable=False),
        sa.Column("group", sa.String(30), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("responsible_zh", sa.String(200), nullable=False),
        sa.Column("basis_zh", sa.Text(), nullable=False),
        sa.Column("due_at", TZ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("done_by", sa.String(64)),
        sa.Column("done_at", TZ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("incident_id", "item_key"),
    )
    op.create_index("ix_checklist_items_incident_id", "checklist_items", ["incident_id"])
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("site_id", sa.String(200)),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("concentration_mg_l", sa.Float(), nullable=False),
        sa.Column("front_detected", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
    )
    op.create_index("ix_observations_incident_id", "observations", ["incident_id"])


def downgrade() -> None:
    for table in ("observations", "checklist_items", "incident_events", "incidents"):
        op.drop_table(table)
