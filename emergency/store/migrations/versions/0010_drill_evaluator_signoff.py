"""drill_observations: who recorded an observation and when it was submitted (评估提交)

``recorded_by`` is the logged-in account that recorded the observation (``evaluator`` stays the
name shown in the report); ``submitted_at`` is when that evaluator submitted it (NULL: a draft,
visible to evaluators and organisers only).

Revision ID: 0010_drill_evaluator_signoff
Revises: 0005_drills
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_drill_evaluator_signoff"
down_revision = "0005_drills"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drill_observations") as batch:
        batch.add_column(sa.Column("recorded_by", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True)))
        batch.create_index("ix_drill_observations_recorded_by", ["recorded_by"])


def downgrade() -> None:
    with op.batch_alter_table("drill_observations") as batch:
        batch.drop_index("ix_drill_observations_recorded_by")
        batch.drop_column("submitted_at")
        batch.drop_column("recorded_by")
