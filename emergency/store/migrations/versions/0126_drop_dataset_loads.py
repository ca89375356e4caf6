"""drop dataset_loads: the table of 0001 was never written or read (issue 12, dead code)

Revision ID: 0126_drop_dataset_loads
Revises: 0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0126_drop_dataset_loads"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("dataset_loads")


def downgrade() -> None:
    op.create_table(
        "dataset_loads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(500)),
    )
