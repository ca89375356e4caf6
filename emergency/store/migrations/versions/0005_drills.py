"""drills: runs, their incidents, delivered injects, timeline, observations, improvements

Revision ID: 0005_drills
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_drills"
down_revision = "0001"
branch_labels = None
depends_on = ("0004_incidents",)  # drill_run_incidents refers to incidents

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "drill_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scenario_id", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("scenario_type", sa.String(20), nullable=False),
        sa.Column("scenario_yaml", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("t0", TZ, nullable=False),
        sa.Column("clock_elapsed_s", sa.Float(), nullable=False),
        sa.Column("clock_anchor", TZ, nullable=False),
        sa.Column("speed", sa.Float(), nullable=False),
        sa.Column("processed_s", sa.Float(), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("ended_s", sa.Float()),
        sa.Column("end_reason", sa.String(20)),
        sa.Column("fronts", sa.JSON(), nullable=False),
        sa.Column("fronts_key", sa.String(200), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("late_seen", sa.JSON(), nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("ended_at", TZ),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_drill_runs_status", "drill_runs", ["status"])
    op.create_table(
        "drill_run_incidents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("drill_runs.id"), nullable=False),
        sa.Column("scenario_incident", sa.String(50), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False,
                  unique=True),
        sa.UniqueConstraint("run_id", "scenario_incident"),
    )
    op.create_index("ix_drill_run_incidents_run_id", "drill_run_incidents", ["run_id"])
    op.create_table(
        "drill_injects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("drill_runs.id"), nullable=False),
        sa.Column("inject_id", sa.String(50), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("delivered_at", TZ, nullable=False),
        sa.Column("wall_at", TZ, nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("cause", sa.String(100)),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.UniqueConstraint("run_id", "inject_id"),
    )
    op.create_index("ix_drill_injects_run_id", "drill_injects", ["run_id"])
    op.create_table(
        "drill_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("drill_runs.id"), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("wall_at", TZ, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("summary_zh", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_drill_events_run_id", "drill_events", ["run_id"])
    op.create_table(
        "drill_observations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("drill_runs.id"), nullable=False),
        sa.Column("objective_id", sa.String(50), nullable=False),
        sa.Column("rating", sa.String(1), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("inject_id", sa.String(50)),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.Column("evaluator", sa.String(64), nullable=False),
    )
    op.create_index("ix_drill_observations_run_id", "drill_observations", ["run_id"])
    op.create_table(
        "drill_improvements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("drill_runs.id"), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("objective_id", sa.String(50)),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_drill_improvements_run_id", "drill_improvements", ["run_id"])


def downgrade() -> None:
    for table in ("drill_improvements", "drill_observations", "drill_events", "drill_injects",
                  "drill_run_incidents", "drill_runs"):
        op.drop_table(table)
