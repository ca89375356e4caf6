"""drills in play (issue 18): players acknowledge injects; the names of plume targets

``drill_injects.acknowledged_at`` / ``acknowledged_by``: when and by whom a player acknowledged
the inject on the incident page (签收; NULL: not yet). ``drill_runs.target_names``: the names
of the places the plume reaches (site, section and boundary ids → [中文, English]), from the
engine's prediction, so the MSEL reads names, never raw ids.

Revision ID: 0187_drill_play
Revises: 0005_drills
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0187_drill_play"
down_revision = "0005_drills"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drill_injects") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("acknowledged_by", sa.String(64), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("drill_runs") as batch:
        batch.add_column(sa.Column("target_names", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("drill_runs") as batch:
        batch.drop_column("target_names")
    with op.batch_alter_table("drill_injects") as batch:
        batch.drop_column("acknowledged_by")
        batch.drop_column("acknowledged_at")
