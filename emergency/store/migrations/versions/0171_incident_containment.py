"""incidents: the containment inputs of a release inside a chemical park (三级防控)

``released_volume_m3`` (the liquid released), ``firewater_m3_per_h`` and ``firewater_hours``
(fire-fighting water); NULL means the engine estimates them (mass and density; the park plan's
fire-water rate for DEFAULT_FIREWATER_HOURS). ``park_id`` / ``park_enterprise_id``: the park
plan and its enterprise, when the release is not placed by an inventory risk source.

Revision ID: 0171_incident_containment
Revises: 0004_incidents
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0171_incident_containment"
down_revision = "0004_incidents"
branch_labels = None
depends_on = None

COLUMNS = ("released_volume_m3", "firewater_m3_per_h", "firewater_hours")
IDS = ("park_id", "park_enterprise_id")


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Float))
        for name in IDS:
            batch.add_column(sa.Column(name, sa.String(80)))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        for name in (*reversed(IDS), *reversed(COLUMNS)):
            batch.drop_column(name)
