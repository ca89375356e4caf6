"""dataset loads

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_loads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(500)),
    )


def downgrade() -> None:
    op.drop_table("dataset_loads")
