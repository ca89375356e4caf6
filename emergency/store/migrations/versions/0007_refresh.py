"""inventory refresh and scheduled jobs: campaigns, submissions, versions, job runs, the scheduler
lease, notices, and APScheduler's job store table

Revision ID: 0007_refresh
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_refresh"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "refresh_campaigns",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("opened_at", TZ),
        sa.Column("closed_at", TZ),
    )

    op.create_table(
        "refresh_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("campaign_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("prefecture_zh", sa.String(50), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("file_blob", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.Column("problems_blob", sa.LargeBinary(), nullable=False),
        sa.Column("records_blob", sa.LargeBinary()),
        sa.Column("diff_blob", sa.LargeBinary()),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("base_digest", sa.String(64)),
        sa.Column("diffed_at", TZ),
        sa.Column("applied_at", TZ),
        sa.Column("applied_by", sa.String(64)),
    )
    op.create_index("ix_refresh_submissions_created_at", "refresh_submissions", ["created_at"])
    op.create_index("ix_refresh_submissions_campaign_year", "refresh_submissions",
                    ["campaign_year"])
    op.create_index("ix_refresh_submissions_slice", "refresh_submissions",
                    ["kind", "prefecture_zh", "status"])

    op.create_table(
        "inventory_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("prefecture_zh", sa.String(50), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("refresh_submissions.id")),
        sa.Column("restored_from", sa.Integer(), sa.ForeignKey("inventory_versions.id")),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("snapshot_blob", sa.LargeBinary(), nullable=False),
        sa.Column("snapshot_digest", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.UniqueConstraint("kind", "prefecture_zh", "seq", name="uq_inventory_versions_slice_seq"),
    )
    op.create_index("ix_inventory_versions_submission_id", "inventory_versions",
                    ["submission_id"])

    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("occurrence", sa.String(100), nullable=False),
        sa.Column("trigger", sa.String(10), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("result", sa.JSON()),
        sa.Column("error", sa.Text()),
        sa.UniqueConstraint("job_id", "occurrence", name="uq_job_runs_occurrence"),
    )
    op.create_index("ix_job_runs_job_id", "job_runs", ["job_id"])
    op.create_index("ix_job_runs_started_at", "job_runs", ["started_at"])

    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("acquired_at", TZ, nullable=False),
        sa.Column("renewed_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )

    op.create_table(
        "job_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("prefecture_zh", sa.String(50)),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON()),
        sa.Column("dedup_key", sa.String(200), nullable=False, unique=True),
    )
    op.create_index("ix_job_notices_created_at", "job_notices", ["created_at"])
    op.create_index("ix_job_notices_kind", "job_notices", ["kind"])
    op.create_index("ix_job_notices_prefecture_zh", "job_notices", ["prefecture_zh"])

    # APScheduler 3.x SQLAlchemyJobStore's own layout (it would create it; the schema is ours).
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25)),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    for table in ("apscheduler_jobs", "job_notices", "scheduler_leases", "job_runs",
                  "inventory_versions", "refresh_submissions", "refresh_campaigns"):
        op.drop_table(table)
