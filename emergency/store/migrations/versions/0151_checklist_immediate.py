"""checklist items: immediate (立即) and the predicted arrival they race (issue 15)

Revision ID: 0151_checklist_immediate
Revises: 0004_incidents
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0151_checklist_immediate"
down_revision = "0004_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checklist_items") as batch:
        batch.add_column(sa.Column("immediate", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("arrival_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checklist_items") as batch:
        batch.drop_column("arrival_at")
        batch.drop_column("immediate")
