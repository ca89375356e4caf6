"""station_readings, station_alarms: automatic water-quality stations (水质自动站报警, issue 16)

Revision ID: 0162_station_alarms
Revises: 0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0162_station_alarms"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "station_readings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("station_id", sa.String(200), nullable=False),
        sa.Column("parameter", sa.String(64), nullable=False),
        sa.Column("value_mg_l", sa.Float(), nullable=False),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_station_readings_station_id", "station_readings", ["station_id"])
    op.create_index("ix_station_readings_observed_at", "station_readings", ["observed_at"])
    op.create_table(
        "station_alarms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("station_id", sa.String(200), nullable=False),
        sa.Column("station_name_zh", sa.String(200), nullable=False),
        sa.Column("reading_id", sa.Integer(), sa.ForeignKey("station_readings.id"),
                  nullable=False),
        sa.Column("parameter", sa.String(64), nullable=False),
        sa.Column("value_mg_l", sa.Float(), nullable=False),
        sa.Column("threshold_mg_l", sa.Float(), nullable=False),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("raised_at", TZ, nullable=False),
        sa.Column("acknowledged_at", TZ),
        sa.Column("acknowledged_by", sa.String(64)),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Integer()),
    )
    op.create_index("ix_station_alarms_station_id", "station_alarms", ["station_id"])
    op.create_index("ix_station_alarms_acknowledged_at", "station_alarms", ["acknowledged_at"])


def downgrade() -> None:
    op.drop_table("station_alarms")
    op.drop_table("station_readings")
