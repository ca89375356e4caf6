"""Running one job (执行一次任务): claim the occurrence, run the body, record start, end, result.

An *occurrence* names one scheduled firing: the job's scheduled run time in the app's time zone
(``2026-05-20T02:00``), which every process computes alike from the same trigger; a manual run
(``flask inventory refresh --now``, the admin's button) is its own occurrence. The claim is one
atomic ``INSERT … ON CONFLICT DO NOTHING`` into ``job_runs`` with (job, occurrence) unique: of
two processes trying the same occurrence exactly one gets the row and runs; the other records
nothing and returns ``skipped``. A scheduled run is also *fenced*: it runs only while this process
holds the scheduler lease (a process that lost the lease — paused, cut off — must not run).

A run left ``running`` by a process that died can be taken over after ``JOB_STALE_AFTER_S``
(default 6 h), so a crash does not block that occurrence for ever.

Job bodies are plain functions ``body(ctx, now) -> dict`` (JSON-able result) registered in
:data:`BODIES` by :mod:`emergency.jobs.tasks`.
"""

from __future__ import annotations

import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from emergency.jobs import leases
from emergency.jobs.context import JobContext
from emergency.store.refresh_models import JobRun, upsert

log = logging.getLogger("emergency.jobs")

Body = Callable[[JobContext, datetime], dict]
BODIES: dict[str, Body] = {}

_bound = threading.local()


@dataclass(frozen=True)
class RunOutcome:
    job_id: str
    occurrence: str
    status: str                  # ok | error | skipped
    run_id: int | None = None
    result: dict | None = None
    error: str | None = None
    reason: str | None = None    # why skipped

    def as_dict(self) -> dict:
        return {"job_id": self.job_id, "occurrence": self.occurrence, "status": self.status,
                "run_id": self.run_id, "result": self.result, "error": self.error,
                "reason": self.reason}


def register(job_id: str) -> Callable[[Body], Body]:
    def decorate(body: Body) -> Body:
        BODIES[job_id] = body
        return body

    return decorate


# ----------------------------------------------------------------------------- threads
def bind(ctx: JobContext) -> None:
    """Pool-thread initializer: the jobs this thread runs belong to ``ctx`` (its scheduler)."""
    _bound.ctx = ctx


def bound_context() -> JobContext:
    ctx = getattr(_bound, "ctx", None)
    if ctx is None:
        raise RuntimeError("a job function ran outside a JobScheduler thread "
                           "(use emergency.jobs.runner.run_job with a JobContext)")
    return ctx


def run_bound(job_id: str, scheduled_for: datetime | None) -> dict:
    """What the module-level job functions do when APScheduler calls them."""
    return run_job(bound_context(), job_id, trigger="scheduled",
                   scheduled_for=scheduled_for).as_dict()


# ----------------------------------------------------------------------------- running
def occurrence_of(ctx: JobContext, scheduled_for: datetime) -> str:
    return ctx.local(scheduled_for).strftime("%Y-%m-%dT%H:%M")


def run_job(ctx: JobContext, job_id: str, *, trigger: str = "manual",
            scheduled_for: datetime | None = None, fenced: bool | None = None) -> RunOutcome:
    """Run ``job_id`` once for its occurrence, unless another process has claimed it."""
    body = BODIES.get(job_id)
    if body is None:
        raise KeyError(f"unknown job {job_id!r} (one of {', '.join(sorted(BODIES))})")
    clock = ctx.clock()
    if trigger == "scheduled":
        occurrence = occurrence_of(ctx, scheduled_for or clock)
    else:
        occurrence = f"manual:{ctx.local(clock).isoformat(timespec='seconds')}:" \
                     f"{uuid.uuid4().hex[:6]}"
    fenced = trigger == "scheduled" if fenced is None else fenced
    run_id, reason = _claim(ctx, job_id, occurrence, trigger, clock, fenced)
    if run_id is None:
        log.info("job %s %s skipped: %s", job_id, occurrence, reason)
        return RunOutcome(job_id, occurrence, "skipped", reason=reason)
    log.info("job %s %s started (run %s, %s)", job_id, occurrence, run_id, ctx.owner)
    try:
        result = body(ctx, ctx.now())
    except Exception as exc:  # noqa: BLE001 - recorded, and the scheduler keeps running
        text = "".join(traceback.format_exception(exc))[-8000:]
        _finish(ctx, run_id, "error", None, text)
        log.exception("job %s %s failed", job_id, occurrence)
        return RunOutcome(job_id, occurrence, "error", run_id, error=f"{type(exc).__name__}: "
                                                                    f"{exc}")
    _finish(ctx, run_id, "ok", result, None)
    log.info("job %s %s done", job_id, occurrence)
    return RunOutcome(job_id, occurrence, "ok", run_id, result=result)


def recent_runs(session: Session, limit: int = 50) -> list[JobRun]:
    """The last ``limit`` job runs, newest first."""
    return list(session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


def _claim(ctx: JobContext, job_id: str, occurrence: str, trigger: str, now: datetime,
           fenced: bool) -> tuple[int | None, str | None]:
    table = JobRun.__table__
    stale_after = timedelta(seconds=float(ctx.config["JOB_STALE_AFTER_S"]))
    with ctx.database.session() as s:
        if fenced and not leases.holds(s, ctx.owner, now):
            return None, "lease_not_held"
        stmt = upsert(s, table).values(job_id=job_id, occurrence=occurrence, trigger=trigger,
                                       owner=ctx.owner, started_at=now, status="running")
        run_id = s.execute(stmt.on_conflict_do_nothing(index_elements=["job_id", "occurrence"])
                           .returning(table.c.id)).scalar()
        if run_id is not None:
            return run_id, None
        # Taken: by a live run (skip), or by a process that died long ago (take it over).
        taken = s.execute(update(JobRun).where(JobRun.job_id == job_id,
                                               JobRun.occurrence == occurrence,
                                               JobRun.status == "running",
                                               JobRun.started_at < now - stale_after)
                          .values(owner=ctx.owner, started_at=now, error=None)
                          .returning(JobRun.id)).scalar()
        return (taken, None) if taken is not None else (None, "already_claimed")


def _finish(ctx: JobContext, run_id: int, status: str, result: dict | None,
            error: str | None) -> None:
    with ctx.database.session() as s:
        s.execute(update(JobRun).where(JobRun.id == run_id)
                  .values(status=status, result=result, error=error,
                          finished_at=ctx.clock()))
