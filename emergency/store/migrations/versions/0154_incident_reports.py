"""incident_reports: 初报 / 续报 / 处理结果报告, editable, versioned, sending recorded (issue 15)

Revision ID: 0154_incident_reports
Revises: 0004_incidents
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0154_incident_reports"
down_revision = "0004_incidents"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incident_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("paragraphs", sa.JSON(), nullable=False),
        sa.Column("table_header", sa.JSON(), nullable=False),
        sa.Column("table_rows", sa.JSON(), nullable=False),
        sa.Column("reporting_unit", sa.String(200), nullable=False),
        sa.Column("signer", sa.String(64), nullable=False),
        sa.Column("contact", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("sent_to", sa.Text(), nullable=True),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("sent_by", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_incident_reports_incident_id", "incident_reports", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_reports_incident_id", "incident_reports")
    op.drop_table("incident_reports")
