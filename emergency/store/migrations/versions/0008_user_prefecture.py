"""users.prefecture_zh: the prefecture a data steward answers for (None: the province)

Revision ID: 0008_user_prefecture
Revises: 0003_users
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_user_prefecture"
down_revision = "0003_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("prefecture_zh", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("prefecture_zh")
