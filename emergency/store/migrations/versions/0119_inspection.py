"""inspection: campaigns, tasks, hazards, hazard steps and photos (隐患排查, issue 19)

Revision ID: 0119_inspection
Revises: 0002_inventories
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0119_inspection"
down_revision = "0002_inventories"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inspection_campaigns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("prefectures", sa.JSON(), nullable=False),
        sa.Column("risk_levels", sa.JSON(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "inspection_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(),
                  sa.ForeignKey("inspection_campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("risk_source_id", sa.Integer(),
                  sa.ForeignKey("risk_sources.id", ondelete="SET NULL")),
        sa.Column("risk_source_name", sa.String(200), nullable=False),
        sa.Column("source_kind", sa.String(20), nullable=False),
        sa.Column("prefecture_zh", sa.String(50), nullable=False),
        sa.Column("county_zh", sa.String(50), nullable=False),
        sa.Column("inspector", sa.String(64), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("checklist_version", sa.String(32), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("signed_by", sa.String(64)),
        sa.Column("signed_name", sa.String(100)),
        sa.Column("signed_at", TZ),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        # one task per risk source in a campaign
        sa.UniqueConstraint("campaign_id", "risk_source_id",
                            name="uq_inspection_tasks_campaign_source"),
    )
    for col in ("campaign_id", "risk_source_id", "prefecture_zh", "inspector"):
        op.create_index(f"ix_inspection_tasks_{col}", "inspection_tasks", [col])
    op.create_table(
        "hazards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("task_id", sa.Integer(),
                  sa.ForeignKey("inspection_tasks.id", ondelete="SET NULL")),
        sa.Column("risk_source_id", sa.Integer(),
                  sa.ForeignKey("risk_sources.id", ondelete="SET NULL")),
        sa.Column("risk_source_name", sa.String(200), nullable=False),
        sa.Column("source_kind", sa.String(20), nullable=False),
        sa.Column("prefecture_zh", sa.String(50), nullable=False),
        sa.Column("county_zh", sa.String(50), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("item_text_zh", sa.String(500), nullable=False),
        sa.Column("basis", sa.String(500), nullable=False),
        sa.Column("grade", sa.String(10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("responsible_unit", sa.String(200), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("plan", sa.JSON()),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("found_by", sa.String(64), nullable=False),
        sa.Column("found_at", TZ, nullable=False),
        sa.Column("reported_by", sa.String(64)),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("closed_at", TZ),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    for col in ("task_id", "risk_source_id", "source_kind", "prefecture_zh", "grade",
                "deadline", "status"):
        op.create_index(f"ix_hazards_{col}", "hazards", [col])
    op.create_table(
        "hazard_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hazard_id", sa.Integer(), sa.ForeignKey("hazards.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status_after", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
    )
    op.create_index("ix_hazard_events_hazard_id", "hazard_events", ["hazard_id"])
    op.create_table(
        "inspection_photos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("stored_name", sa.String(100), nullable=False),
        sa.Column("mime", sa.String(40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", TZ, nullable=False),
        sa.Column("hazard_id", sa.Integer(), sa.ForeignKey("hazards.id", ondelete="SET NULL")),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("stored_name", name="uq_inspection_photos_stored_name"),
    )
    op.create_index("ix_inspection_photos_uploaded_by", "inspection_photos", ["uploaded_by"])
    op.create_index("ix_inspection_photos_hazard_id", "inspection_photos", ["hazard_id"])


def downgrade() -> None:
    op.drop_table("inspection_photos")
    op.drop_table("hazard_events")
    op.drop_table("hazards")
    op.drop_table("inspection_tasks")
    op.drop_table("inspection_campaigns")
