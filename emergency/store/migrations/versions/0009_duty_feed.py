"""duty_feed_tokens: per-person secret calendar-feed addresses (日历订阅), SHA-256 only

Revision ID: 0009_duty_feed
Revises: 0006_roster
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_duty_feed"
down_revision = "0006_roster"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "duty_feed_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("duty_staff.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_by", sa.String(64)),
        sa.Column("revoked_at", TZ),
        sa.Column("last_used_at", TZ),
        sa.UniqueConstraint("token_hash", name="uq_duty_feed_tokens_token_hash"),
    )
    op.create_index("ix_duty_feed_tokens_staff_id", "duty_feed_tokens", ["staff_id"])
    op.create_index("uq_duty_feed_tokens_live", "duty_feed_tokens", ["staff_id"], unique=True,
                    sqlite_where=sa.text("revoked_at IS NULL"),
                    postgresql_where=sa.text("revoked_at IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_duty_feed_tokens_live", table_name="duty_feed_tokens")
    op.drop_index("ix_duty_feed_tokens_staff_id", table_name="duty_feed_tokens")
    op.drop_table("duty_feed_tokens")
