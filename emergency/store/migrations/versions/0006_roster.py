"""duty roster: staff, unavailability, preferences, rosters, versions, changes, assignments,
duty log, handovers

Revision ID: 0006_roster
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_roster"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "duty_staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("unit", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "duty_staff_unavailability",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("duty_staff.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
    )
    op.create_index("ix_duty_staff_unavailability_staff_id", "duty_staff_unavailability",
                    ["staff_id"])
    op.create_table(
        "duty_staff_preferences",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("duty_staff.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("start_date", sa.Date()),
        sa.Column("end_date", sa.Date()),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
    )
    op.create_index("ix_duty_staff_preferences_staff_id", "duty_staff_preferences",
                    ["staff_id"])
    op.create_table(
        "duty_rosters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("generated_in_s", sa.Float()),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("published_by", sa.String(64)),
        sa.Column("published_at", TZ),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_duty_rosters_period_start", "duty_rosters", ["period_start"])
    op.create_index("ix_duty_rosters_period_end", "duty_rosters", ["period_end"])
    op.create_index("ix_duty_rosters_status", "duty_rosters", ["status"])
    op.create_table(
        "duty_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("roster_id", sa.Integer(),
                  sa.ForeignKey("duty_rosters.id", ondelete="CASCADE"), nullable=False),
        sa.Column("duty_date", sa.Date(), nullable=False),
        sa.Column("position", sa.String(32), nullable=False),
        sa.Column("shift", sa.String(10), nullable=False),
        sa.Column("shift_start", TZ, nullable=False),
        sa.Column("shift_end", TZ, nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("duty_staff.id"), nullable=False),
    )
    op.create_index("ix_duty_assignments_roster_id", "duty_assignments", ["roster_id"])
    op.create_index("ix_duty_assignments_staff_id", "duty_assignments", ["staff_id"])
    # "Who is on duty now" looks up one or two duty days, then the shift window.
    op.create_index("ix_duty_assignments_day_window", "duty_assignments",
                    ["duty_date", "shift_start"])
    op.create_table(
        "duty_roster_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("roster_id", sa.Integer(), sa.ForeignKey("duty_rosters.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("assignments", sa.JSON(), nullable=False),
        sa.Column("note_zh", sa.Text(), nullable=False),
        sa.Column("note_en", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("roster_id", "version"),
    )
    op.create_index("ix_duty_roster_versions_roster_id", "duty_roster_versions", ["roster_id"])
    op.create_table(
        "duty_roster_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("roster_id", sa.Integer(), sa.ForeignKey("duty_rosters.id"), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer()),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_duty_roster_changes_roster_id", "duty_roster_changes", ["roster_id"])
    op.create_table(
        "duty_log_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("duty_date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(10)),
        sa.Column("position", sa.String(32)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Integer()),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("author_name", sa.String(100), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_index("ix_duty_log_entries_duty_date", "duty_log_entries", ["duty_date"])
    op.create_table(
        "duty_handovers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("duty_date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(10), nullable=False),
        sa.Column("handed_over_by", sa.String(64), nullable=False),
        sa.Column("handed_over_name", sa.String(100), nullable=False),
        sa.Column("received_by", sa.String(100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_index("ix_duty_handovers_duty_date", "duty_handovers", ["duty_date"])


def downgrade() -> None:
    for table in ("duty_handovers", "duty_log_entries", "duty_roster_changes",
                  "duty_roster_versions", "duty_assignments", "duty_rosters",
                  "duty_staff_preferences", "duty_staff_unavailability", "duty_staff"):
        op.drop_table(table)
