"""observations: not detected + detection limit, the parameter, where the result came from,
accepted doubts (plausibility checks overridden with a logged confirmation) and voiding
(应急监测数据: 未检出/检出限、存疑确认、作废)

``km`` becomes nullable: a confirmed result at a point not downstream of the release (an
upstream control section, 对照断面) is kept but cannot be fitted.

Revision ID: 0161_observation_trust
Revises: 0004_incidents
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0161_observation_trust"
down_revision = "0004_incidents"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        batch.alter_column("km", existing_type=sa.Float(), nullable=True)
        batch.add_column(sa.Column("parameter", sa.String(64), nullable=True))
        batch.add_column(sa.Column("not_detected", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("detection_limit_mg_l", sa.Float(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(20), nullable=False,
                                   server_default="manual"))
        batch.add_column(sa.Column("doubts", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("confirmed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("voided_at", TZ, nullable=True))
        batch.add_column(sa.Column("voided_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        for name in ("void_reason", "voided_by", "voided_at", "confirmed_by", "doubts",
                     "source", "detection_limit_mg_l", "not_detected", "parameter"):
            batch.drop_column(name)
        batch.alter_column("km", existing_type=sa.Float(), nullable=False)
