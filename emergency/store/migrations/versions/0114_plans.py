"""plans in the database, versioned: plans, plan_versions, plan_drafts; incidents.plans_used
(预案管理, issue 14)

Revision ID: 0114_plans
Revises: 0004_incidents
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0114_plans"
down_revision = "0004_incidents"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("name_zh", sa.String(100), nullable=False),
        sa.Column("prefectures", sa.JSON(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("kind", "plan_id", name="uq_plans_kind_plan_id"),
    )
    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_ref", sa.Integer(), sa.ForeignKey("plans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("published_at", TZ, nullable=False),
        sa.Column("draft_id", sa.Integer()),
        sa.Column("restored_from", sa.Integer()),
        sa.UniqueConstraint("plan_ref", "version", name="uq_plan_versions_version"),
    )
    op.create_index("ix_plan_versions_plan_ref", "plan_versions", ["plan_ref"])
    op.create_table(
        "plan_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_ref", sa.Integer(), sa.ForeignKey("plans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("editor", sa.String(64), nullable=False),
        sa.Column("open_key", sa.String(140)),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", TZ),
        sa.Column("reviewed_by", sa.String(64)),
        sa.Column("reviewed_at", TZ),
        sa.Column("published_version", sa.Integer()),
        sa.UniqueConstraint("open_key", name="uq_plan_drafts_open_key"),
    )
    op.create_index("ix_plan_drafts_plan_ref", "plan_drafts", ["plan_ref"])
    with op.batch_alter_table("incidents") as batch:
        # [{"id": plan id, "version": n}]: the plans the last response package used
        batch.add_column(sa.Column("plans_used", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("plans_used")
    op.drop_table("plan_drafts")
    op.drop_table("plan_versions")
    op.drop_table("plans")
