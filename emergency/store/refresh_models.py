"""The yearly inventory refresh and the scheduled jobs (清单更新与定时任务). Schema: 0007_refresh.

* ``RefreshCampaign`` — one per year: opens (default 15 April), closes before the flood season
  (default 31 May); when the jobs opened and closed it.
* ``RefreshSubmission`` — a prefecture's file for one inventory: the file itself, every problem
  found, and — when it validated — its records and the field-level diff against the live data,
  staged until a data steward applies it (``invalid`` / ``staged`` → ``applied``, or
  ``superseded`` by a newer file for the same prefecture and inventory).
* ``InventoryVersion`` — every state of a prefecture's slice of one inventory, kept for ever: the
  records as they were after the version was applied (a compressed snapshot), so any version can
  be viewed and restored. ``seq`` 0 is the baseline: the slice as it was before the first apply.
* ``JobRun`` — one run of a scheduled job: start, end, result, error. (job, occurrence) is unique,
  so two processes cannot both run the nightly check of the same night.
* ``SchedulerLease`` — the lease that names the one process whose scheduler runs the jobs.
* ``JobNotice`` — what the jobs tell people: campaign opened / closed, reminders to prefectures
  that have not submitted, nightly findings, the flood-season switch. ``dedup_key`` is unique, so
  a job that runs twice (by hand and on schedule) does not remind twice.

The APScheduler job store keeps its own table, ``apscheduler_jobs`` (created by the migration with
APScheduler's own layout). Every datetime column is ``UTCDateTime``; blobs are zlib-compressed
JSON written by :mod:`emergency.refresh.codec`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from emergency.store.models import Base, UTCDateTime, utcnow

SUBMISSION_STATUSES = ("invalid", "staged", "applied", "superseded")
VERSION_SOURCES = ("baseline", "submission", "rollback")
RUN_STATUSES = ("running", "ok", "error")


class RefreshCampaign(Base):
    """年度更新: the refresh campaign of one year and when it was opened and closed."""

    __tablename__ = "refresh_campaigns"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RefreshSubmission(Base):
    """报送: one file from one prefecture for one inventory, validated and staged."""

    __tablename__ = "refresh_submissions"
    __table_args__ = (Index("ix_refresh_submissions_slice", "kind", "prefecture_zh", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10))          # upload | inbox | cli
    campaign_year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    prefecture_zh: Mapped[str] = mapped_column(String(50))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer)
    file_blob: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # as received, zlib
    status: Mapped[str] = mapped_column(String(12))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    problems_blob: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # errors, warnings
    records_blob: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    diff_blob: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    base_digest: Mapped[str | None] = mapped_column(String(64))  # live slice the diff was made on
    diffed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_by: Mapped[str | None] = mapped_column(String(64))


class InventoryVersion(Base):
    """版本: a prefecture's slice of one inventory after a change (or before the first one)."""

    __tablename__ = "inventory_versions"
    __table_args__ = (UniqueConstraint("kind", "prefecture_zh", "seq",
                                       name="uq_inventory_versions_slice_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)   # the version number people quote
    kind: Mapped[str] = mapped_column(String(20))
    prefecture_zh: Mapped[str] = mapped_column(String(50))
    seq: Mapped[int] = mapped_column(Integer)            # 0 = baseline, then 1, 2, … per slice
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(12))
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("refresh_submissions.id"), index=True)
    restored_from: Mapped[int | None] = mapped_column(ForeignKey("inventory_versions.id"))
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    snapshot_blob: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    snapshot_digest: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class JobRun(Base):
    """定时任务运行记录: one run of a job, with its result or its error."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job_id", "occurrence", name="uq_job_runs_occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    occurrence: Mapped[str] = mapped_column(String(100))  # 2026-05-20 | 2026 | manual:…
    trigger: Mapped[str] = mapped_column(String(10))      # scheduled | manual
    owner: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="running")
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class SchedulerLease(Base):
    """调度租约: which process runs the jobs, until when (renewed while it lives)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobNotice(Base):
    """通知: what a job tells a prefecture (or everyone, ``prefecture_zh`` None)."""

    __tablename__ = "job_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    prefecture_zh: Mapped[str | None] = mapped_column(String(50), index=True)
    year: Mapped[int] = mapped_column(Integer)
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)


def upsert(bind: Session | Connection, table):  # noqa: ANN001, ANN201 - a Table; an Insert
    """``INSERT`` with ``ON CONFLICT`` for the bound database (PostgreSQL or SQLite).

    Both dialects' constructs offer ``on_conflict_do_nothing`` / ``on_conflict_do_update``;
    the statement is atomic, so two processes racing for the same key cannot both win.
    """
    name = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app supports these two
        raise NotImplementedError(f"no upsert for {name}")
    return insert(table)
