"""The ONE place that starts the scheduler (调度器), and how each job runs exactly once.

APScheduler 3.x, configured as its user guide and FAQ advise: a persistent
``SQLAlchemyJobStore`` in the application database (its own table, ``apscheduler_jobs``), jobs
with explicit ids, module-level functions referenced by name, ``coalesce=True``,
``max_instances=1`` and a misfire grace per job (:mod:`emergency.jobs.definitions`). A job store
must never be shared by two running schedulers, and web servers run several processes (four
gunicorn workers ran every job four times in flask-apscheduler #23; the debug reloader ran
them twice in #139). So, in any deployment, exactly one process runs the jobs:

1. **A dedicated process** (recommended in production)::

       flask --app app scheduler run        # a BlockingScheduler; e.g. a systemd service

   and the web processes leave ``EEC_SCHEDULER`` unset.

2. **Or embedded** in the web process, ``EEC_SCHEDULER=1`` (``SCHEDULER_ENABLED``): a
   BackgroundScheduler started on the first request this process serves — never at import or
   in ``create_app``. That is the reloader guard: under ``flask run --debug`` the reloader's
   watcher process (no ``WERKZEUG_RUN_MAIN``) builds the app but never serves, so only the
   serving child (``WERKZEUG_RUN_MAIN=true``) starts one; a CLI command (``flask db upgrade``)
   never starts one; and it does not depend on ``WERKZEUG_RUN_MAIN``, which gunicorn never sets
   (flask-apscheduler #198, where guarding on it stopped the scheduler under gunicorn), nor on a
   scheduler thread surviving gunicorn's ``--preload`` fork.

3. **And, whatever is started, a database lease decides who runs** (:mod:`emergency.jobs.leases`).
   Every scheduler starts with only an in-memory job: the lease tick, every
   ``SCHEDULER_LEASE_RENEW_S`` (20 s), which takes or renews the lease row atomically (TTL
   ``SCHEDULER_LEASE_TTL_S``, 90 s). The process that holds the lease attaches the persistent
   job store and so runs the jobs; every other one stays on standby and never touches the job
   store. When the leader dies, its lease expires and a standby takes over within a TTL (and,
   the jobs being coalesced, a run missed meanwhile fires once). A leader that loses the lease
   (stalled longer than the TTL) detaches the store at its next tick.

4. **Each run is claimed** (:mod:`emergency.jobs.runner`): (job id, scheduled time) is unique in
   ``job_runs`` and a scheduled run needs the lease, so even during a hand-over two processes
   cannot both run the same occurrence.

The scheduled time reaches the job function as ``scheduled_for`` through this module's executor
(APScheduler's documented extension point, ``_do_submit_job``), so every process names an
occurrence the same way.

Deployment (intranet server, systemd), next to the web service::

    # /etc/systemd/system/eec-scheduler.service
    [Service]
    WorkingDirectory=/opt/eec
    Environment=DATABASE_URL=postgresql+psycopg://eec@db/eec
    ExecStart=/opt/eec/.venv/bin/flask --app app scheduler run
    Restart=always
    KillSignal=SIGTERM          # the process gives the lease up and exits

A second such unit on another host is a hot standby (it takes over within the lease TTL).
``flask --app app scheduler status`` shows who holds the lease, the stored jobs and the last
runs; administrators see the same on ``/refresh/jobs``.
"""

from __future__ import annotations

import atexit
import logging
import signal
import threading
from datetime import datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler, SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Column, Float, MetaData, Table, Unicode, select

from emergency.jobs import leases, runner
from emergency.jobs import tasks as _tasks  # noqa: F401 - registers the job bodies
from emergency.jobs.context import JobContext
from emergency.jobs.definitions import JobSpec, job_specs
from emergency.store import make_engine

log = logging.getLogger("emergency.jobs")

JOB_TABLE = "apscheduler_jobs"
STORE_ALIAS = "db"
LEASE_JOB_ID = "scheduler_lease"


class _ScheduledFor:
    """A job as the executor runs it: the same job, with ``scheduled_for`` among its kwargs."""

    __slots__ = ("_job", "kwargs")

    def __init__(self, job: Any, run_time: datetime) -> None:
        self._job = job
        self.kwargs = {**job.kwargs, "scheduled_for": run_time}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


class ScheduledForExecutor(ThreadPoolExecutor):
    """A thread pool that tells each job function the run time it was scheduled for.

    Jobs are coalesced, so ``run_times`` holds one time (the latest missed one after a pause).
    """

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        super()._do_submit_job(_ScheduledFor(job, run_times[-1]), run_times)


class _JobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store on an engine that :class:`JobScheduler` disposes itself,
    once no scheduler thread can hold one of its connections (the store's own ``shutdown``
    disposes it while the scheduler thread may still be using it)."""

    def shutdown(self) -> None:
        pass


class JobScheduler:
    """This process's scheduler: standby until it holds the lease, then it runs the jobs."""

    def __init__(self, app: Any, *, blocking: bool = False, owner: str | None = None) -> None:
        self.ctx = JobContext.from_app(app, owner)
        self.config = app.config
        self.blocking = blocking
        self._scheduler: BaseScheduler | None = None
        self._leading = False
        self._store_engine: Any = None
        self._lock = threading.RLock()
        # Held around every lease statement of this process (tick, release at shutdown), so a
        # renewal in flight when shutdown begins lands before the release, never after it.
        self._lease_lock = threading.Lock()
        self._stopping = False  # set by shutdown: no tick changes leadership from then on
        self._released = False
        self._listeners: list[tuple[Any, int]] = []

    @property
    def owner(self) -> str:
        return self.ctx.owner

    @property
    def leading(self) -> bool:
        """True while the persistent job store is attached (this process runs the jobs)."""
        return self._leading

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def add_listener(self, callback: Any, mask: int) -> None:
        """APScheduler event listener (added at start)."""
        self._listeners.append((callback, mask))
        if self._scheduler is not None:
            self._scheduler.add_listener(callback, mask)

    # ------------------------------------------------------------------ start / stop
    def start(self) -> None:
        """Start once (a second call does nothing). Blocks when ``blocking``."""
        with self._lock:
            if self._scheduler is not None:
                return
            self._scheduler = self._build()
        for callback, mask in self._listeners:
            self._scheduler.add_listener(callback, mask)
        if not self.blocking:
            atexit.register(self._at_exit)
        log.info("scheduler %s starting (%s); standby until it holds the lease", self.owner,
                 "blocking" if self.blocking else "background")
        self._scheduler.start()

    def run_forever(self) -> None:
        """The dedicated process: block until SIGTERM / SIGINT, then give the lease up."""
        def stop(signum: int, _frame: Any) -> None:
            log.info("scheduler %s: signal %s, stopping", self.owner, signum)
            threading.Thread(target=self.shutdown, kwargs={"wait": False}, daemon=True).start()

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            self.start()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.shutdown(wait=False)

    def shutdown(self, wait: bool = True) -> None:
        """Stop, then give the lease up. Safe to call again, and from another thread.

        Order matters: (1) under ``_lock``, after any hand-over in progress has finished, no
        tick may change leadership any more (a tick inside ``_lead``/``_stand_by`` needs the
        scheduler's jobstores lock, which ``sched.shutdown`` holds while it waits for that very
        tick: a deadlock); (2) the scheduler stops; (3) under ``_lease_lock``, after a renewal
        that may still be in flight (``wait=False`` does not wait for it), the lease is
        released — also by a standby, whose last tick may just have taken it.
        """
        with self._lock:
            sched = self._scheduler
            if sched is None:
                return
            self._stopping = True
        if sched.running:
            try:
                sched.shutdown(wait=wait)  # returns once the scheduler thread has stopped
            except SchedulerNotRunningError:  # another thread is shutting it down
                pass
        with self._lock:
            self._leading = False
            self._dispose_store_engine()
        with self._lease_lock:
            if not self._released:
                self._release()
                self._released = True
        atexit.unregister(self._at_exit)

    def _at_exit(self) -> None:
        self.shutdown(wait=False)

    def _build(self) -> BaseScheduler:
        cfg = self.config
        workers = int(cfg["SCHEDULER_WORKERS"])
        executors = {
            "default": ScheduledForExecutor(workers, pool_kwargs={"initializer": runner.bind,
                                                                  "initargs": (self.ctx,)}),
            "lease": ThreadPoolExecutor(1),  # the lease tick never waits behind a long job
        }
        cls = BlockingScheduler if self.blocking else BackgroundScheduler
        sched = cls(timezone=self.ctx.tz, executors=executors,
                    job_defaults={"coalesce": True, "max_instances": 1,
                                  "misfire_grace_time": 3600})
        renew = float(cfg["SCHEDULER_LEASE_RENEW_S"])
        sched.add_job(self._lease_tick, IntervalTrigger(seconds=renew, timezone=self.ctx.tz),
                      id=LEASE_JOB_ID, name="scheduler lease", executor="lease",
                      next_run_time=datetime.now(self.ctx.tz), coalesce=True, max_instances=1,
                      misfire_grace_time=None, replace_existing=True)
        return sched

    # ------------------------------------------------------------------ the lease
    def _lease_tick(self) -> None:
        with self._lease_lock:
            if self._stopping:
                return
            now = self.ctx.clock()
            try:
                with self.ctx.database.session() as s:
                    held = leases.acquire(s, self.owner, now, self.ctx.lease_ttl)
            except Exception:  # noqa: BLE001 - the database is away: we cannot claim to lead
                log.exception("scheduler %s: cannot reach the lease", self.owner)
                held = False
        with self._lock:
            sched = self._scheduler
            if self._stopping or sched is None or not sched.running:
                return
            if held and not self._leading:
                self._lead(sched)
            elif not held and self._leading:
                self._stand_by(sched)

    def _lead(self, sched: BaseScheduler) -> None:
        log.info("scheduler %s holds the lease: running the jobs", self.owner)
        sched.pause()  # define the jobs before any is processed
        try:
            self._dispose_store_engine()
            self._store_engine = make_engine(self.config["DATABASE_URL"])
            sched.add_jobstore(_JobStore(engine=self._store_engine, tablename=JOB_TABLE),
                               STORE_ALIAS)
            self._leading = True
            self._define_jobs(sched)
        finally:
            sched.resume()

    def _stand_by(self, sched: BaseScheduler) -> None:
        log.warning("scheduler %s lost the lease: standing by", self.owner)
        try:  # waits for the scheduler thread to finish with the store (its jobstores lock)
            sched.remove_jobstore(STORE_ALIAS)
        except KeyError:
            pass
        finally:
            # Only now: ``leading`` False means the store is detached (no job will be started).
            self._leading = False
        self._dispose_store_engine()

    def _dispose_store_engine(self) -> None:
        if self._store_engine is not None:
            self._store_engine.dispose()
            self._store_engine = None

    def _release(self) -> None:
        try:
            with self.ctx.database.session() as s:
                leases.release(s, self.owner, self.ctx.clock())
        except Exception:  # noqa: BLE001 - it will expire by itself
            log.exception("scheduler %s: could not release the lease", self.owner)

    def _define_jobs(self, sched: BaseScheduler) -> None:
        """Add or replace (explicit ids, ``replace_existing``) the jobs whose definition changed.

        An unchanged job is left as stored, so a run missed while no process led keeps its
        past ``next_run_time`` and fires once now (coalesced) instead of being rescheduled.
        """
        wanted = {spec.id: spec for spec in job_specs(self.config)}
        for job in sched.get_jobs(jobstore=STORE_ALIAS):
            if job.id not in wanted:
                sched.remove_job(job.id, jobstore=STORE_ALIAS)
        for spec in wanted.values():
            existing = sched.get_job(spec.id, jobstore=STORE_ALIAS)
            if existing is not None and _same(existing, spec):
                continue
            sched.add_job(spec.func_ref, trigger=spec.trigger, id=spec.id, name=spec.name,
                          jobstore=STORE_ALIAS, executor="default", replace_existing=True,
                          coalesce=True, max_instances=1,
                          misfire_grace_time=spec.misfire_grace_s)


def _same(job: Any, spec: JobSpec) -> bool:
    return (job.func_ref == spec.func_ref and repr(job.trigger) == repr(spec.trigger)
            and job.misfire_grace_time == spec.misfire_grace_s and job.coalesce is True
            and job.max_instances == 1 and job.executor == "default" and job.name == spec.name)


# ----------------------------------------------------------------------------- embedding
def init_app(app: Any) -> None:
    """Embedded mode: when ``SCHEDULER_ENABLED``, start on the first request served (see the
    module docstring for why the first request, not the factory)."""
    app.extensions["scheduler"] = None
    if not app.config["SCHEDULER_ENABLED"]:
        return
    lock = threading.Lock()

    def start_scheduler_once() -> None:
        if app.extensions.get("scheduler") is not None:
            return
        with lock:
            if app.extensions.get("scheduler") is not None:
                return
            app.extensions["scheduler"] = JobScheduler(app)
        app.extensions["scheduler"].start()

    app.before_request(start_scheduler_once)


# ----------------------------------------------------------------------------- reading
def stored_jobs(database: Any, tz: Any) -> list[tuple[str, datetime | None]]:
    """The jobs in the persistent store and their next run time (for the admin page)."""
    table = Table(JOB_TABLE, MetaData(), Column("id", Unicode(191), primary_key=True),
                  Column("next_run_time", Float(25)))
    with database.engine.connect() as conn:
        rows = conn.execute(select(table.c.id, table.c.next_run_time).order_by(table.c.id))
        return [(job_id, datetime.fromtimestamp(t, tz) if t is not None else None)
                for job_id, t in rows]
