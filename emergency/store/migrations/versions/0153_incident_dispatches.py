"""incident_dispatches: teams and materials sent to a site, with status history (issue 15)

Revision ID: 0153_incident_dispatches
Revises: 0004_incidents
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0153_incident_dispatches"
down_revision = "0004_incidents"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incident_dispatches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("resource_name_zh", sa.String(200), nullable=False),
        sa.Column("resource_lon", sa.Float(), nullable=True),
        sa.Column("resource_lat", sa.Float(), nullable=True),
        sa.Column("site_id", sa.String(200), nullable=False),
        sa.Column("site_name_zh", sa.String(200), nullable=False),
        sa.Column("site_lon", sa.Float(), nullable=True),
        sa.Column("site_lat", sa.Float(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("travel_hours", sa.Float(), nullable=False),
        sa.Column("eta", TZ, nullable=True),
        sa.Column("ready_by", TZ, nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("contact_zh", sa.String(64), nullable=True),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_incident_dispatches_incident_id", "incident_dispatches",
                    ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_dispatches_incident_id", "incident_dispatches")
    op.drop_table("incident_dispatches")
