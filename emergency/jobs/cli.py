"""Operator commands (命令行): the scheduler process, and the inventory refresh by hand.

::

    flask --app app scheduler run                 # the dedicated scheduler process (blocks)
    flask --app app scheduler status              # lease holder, stored jobs, last runs
    flask --app app scheduler run-job nightly_checks

    flask --app app inventory refresh --now       # run the campaign job and the inbox now
    flask --app app inventory submit FILE --prefecture 长春市 [--kind materials] [--apply]
    flask --app app inventory rollback VERSION
    flask --app app inventory versions [--prefecture 长春市] [--kind materials]

The app object is closed over (``job_commands(app, AppGroup)``), so this module needs no Flask
import; emergency/web/cli.py registers the groups.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from emergency.inventory.vocab import KINDS
from emergency.jobs import leases, runner
from emergency.jobs.context import JobContext
from emergency.jobs.definitions import JOB_TITLES
from emergency.jobs.scheduler import JobScheduler, stored_jobs
from emergency.refresh import service
from emergency.refresh.inbox import BadInboxName, parse_name


def job_commands(app: Any, group: type[click.Group]) -> list[click.Group]:
    """``flask scheduler …`` and ``flask inventory …`` on ``app``, as ``group`` (Flask's
    AppGroup); registered by emergency/web/cli.py."""

    @click.group("scheduler", cls=group)
    def scheduler() -> None:
        """Scheduled jobs (定时任务): the scheduler process and its state."""

    @scheduler.command("run")
    @click.option("--owner", default=None, help="name of this process in the lease and runs")
    def scheduler_run(owner: str | None) -> None:
        """Run the scheduler in this process until stopped (SIGTERM / Ctrl-C).

        Safe to start on several hosts: one holds the lease and runs the jobs, the others stand
        by and take over within the lease TTL when it stops.
        """
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        sched = JobScheduler(app, blocking=True, owner=owner)
        click.echo(f"scheduler {sched.owner}: started; jobs run while it holds the lease")
        sched.run_forever()
        click.echo(f"scheduler {sched.owner}: stopped")

    @scheduler.command("status")
    def scheduler_status() -> None:
        """Who holds the lease, the stored jobs' next runs, the last runs."""
        ctx = JobContext.from_app(app, "cli")
        db = ctx.database
        with db.session() as s:
            lease = leases.holder(s)
            runs = runner.recent_runs(s, 10)
        now = ctx.clock()
        if lease is None:
            click.echo("lease: never taken (no scheduler has run)")
        else:
            state = "live" if lease.live(now) else "expired"
            click.echo(f"lease: {lease.owner} ({state}, expires "
                       f"{ctx.local(lease.expires_at):%Y-%m-%d %H:%M:%S})")
        for job_id, next_run in stored_jobs(db, ctx.tz):
            click.echo(f"job {job_id:22} next {next_run:%Y-%m-%d %H:%M}" if next_run
                       else f"job {job_id:22} paused")
        for r in runs:
            click.echo(f"run {r.id:5} {r.job_id:22} {r.occurrence:28} {r.status:8} "
                       f"{ctx.local(r.started_at):%m-%d %H:%M:%S} {r.owner}")

    @scheduler.command("run-job")
    @click.argument("job_id", type=click.Choice(sorted(JOB_TITLES)))
    def scheduler_run_job(job_id: str) -> None:
        """Run one job now, in this process (recorded as a manual run)."""
        _echo_outcome(runner.run_job(JobContext.from_app(app, "cli"), job_id))

    @click.group("inventory", cls=group)
    def inventory() -> None:
        """Inventory refresh (清单更新): campaign, submissions, versions."""

    @inventory.command("refresh")
    @click.option("--now", "now_", is_flag=True, help="run the campaign job and the inbox now")
    def inventory_refresh(now_: bool) -> None:
        """The refresh campaign: its state, or (--now) run its jobs at once."""
        ctx = JobContext.from_app(app, "cli")
        if not now_:
            cal, today = ctx.calendar(), ctx.today()
            click.echo(f"campaign {today.year}: {cal.opens_on(today.year)} – "
                       f"{cal.closes_on(today.year)}; flood season from "
                       f"{cal.flood_start_on(today.year)} "
                       f"({cal.days_to_flood_season(today)} days)")
            click.echo("use --now to open / remind / close and pick up the inbox now")
            return
        for job_id in ("refresh_campaign", "inbox_pickup"):
            _echo_outcome(runner.run_job(ctx, job_id))

    @inventory.command("submit")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--prefecture", required=True, help="市州: 长春市, 长春, 220100 …")
    @click.option("--kind", type=click.Choice(list(KINDS)), default=None,
                  help="inventory (default: from the file name, <adcode>_<kind>_….csv)")
    @click.option("--apply", "apply_", is_flag=True, help="apply at once when it validates")
    @click.option("--delete-missing", type=int, default=None,
                  help="confirm deleting the N live records missing from the file")
    @click.option("--keep-missing", is_flag=True, help="keep the records missing from the file")
    @click.option("--user", default="cli", show_default=True)
    def inventory_submit(file: Path, prefecture: str, kind: str | None, apply_: bool,
                         delete_missing: int | None, keep_missing: bool, user: str) -> None:
        """Validate FILE and stage it as PREFECTURE's submission; print errors or the diff."""
        if kind is None:
            try:
                kind = parse_name(file.name).kind
            except BadInboxName as exc:
                raise click.UsageError(f"--kind is needed: {exc.message_en}") from None
        ctx = JobContext.from_app(app, "cli")
        now = ctx.now()
        try:
            with ctx.database.session() as s:
                sub = service.stage(s, kind=kind, scope=prefecture, data=file.read_bytes(),
                                    filename=file.name, inputs=ctx.stage_inputs(ctx.today(now)),
                                    user=user, source="cli", now=now)
                sub_id, status = sub.id, sub.status
                problems = service.problems_of(sub)
                counts = (sub.added, sub.removed, sub.changed, sub.unchanged)
        except service.RefreshError as exc:
            raise click.ClickException(f"{exc.message_zh} / {exc.message_en}") from None
        click.echo(f"submission {sub_id}: {status} ({len(problems['errors'])} errors, "
                   f"{len(problems['warnings'])} warnings)")
        for p in problems["errors"][:50]:
            where = f"row {p['row']}" if p["row"] is not None else "file"
            click.echo(f"  {where} [{p['column'] or '-'}] {p['message_zh']} / {p['message_en']}")
        if status != "staged":
            raise click.ClickException("not staged: correct the file and submit it again")
        click.echo("diff: +{} added, -{} removed, ~{} changed, ={} unchanged".format(*counts))
        if apply_:
            _apply(ctx, sub_id, user, delete_missing, keep_missing)

    @inventory.command("apply")
    @click.argument("submission_id", type=int)
    @click.option("--delete-missing", type=int, default=None,
                  help="confirm deleting the N live records missing from the file")
    @click.option("--keep-missing", is_flag=True, help="keep the records missing from the file")
    @click.option("--user", default="cli", show_default=True)
    def inventory_apply(submission_id: int, delete_missing: int | None, keep_missing: bool,
                        user: str) -> None:
        """Apply a staged submission as a new version (records missing from the file: confirm
        their deletion with --delete-missing N, or --keep-missing)."""
        _apply(JobContext.from_app(app, "cli"), submission_id, user, delete_missing,
               keep_missing)

    @inventory.command("rollback")
    @click.argument("version_id", type=int)
    @click.option("--user", default="cli", show_default=True)
    def inventory_rollback(version_id: int, user: str) -> None:
        """Restore VERSION: apply its snapshot as a new version of its prefecture's slice."""
        ctx = JobContext.from_app(app, "cli")
        try:
            with ctx.database.session() as s:
                v = service.restore(s, version_id, user=user, now=ctx.now(),
                                    plan_finder=ctx.plan_finder())
                line = (f"version {v.id}: {v.prefecture_zh} {v.kind} restored to version "
                        f"{version_id} (+{v.added} -{v.removed} ~{v.changed} ={v.unchanged})")
        except service.RefreshError as exc:
            raise click.ClickException(f"{exc.message_zh} / {exc.message_en}") from None
        click.echo(line)

    @inventory.command("versions")
    @click.option("--prefecture", default=None)
    @click.option("--kind", type=click.Choice(list(KINDS)), default=None)
    def inventory_versions(prefecture: str | None, kind: str | None) -> None:
        """List versions (newest first)."""
        ctx = JobContext.from_app(app, "cli")
        with ctx.database.session() as s:
            scope = service.check_scope(kind or "experts", prefecture) if prefecture else None
            rows = service.versions(s, kind=kind, scope=scope)
            for v in rows:
                click.echo(f"{v.id:5} {v.prefecture_zh:10} {v.kind:13} seq {v.seq:3} "
                           f"{v.source:10} {ctx.local(v.created_at):%Y-%m-%d %H:%M} "
                           f"{v.created_by:12} {v.record_count:6} records "
                           f"(+{v.added} -{v.removed} ~{v.changed})")
    return [scheduler, inventory]



def _apply(ctx: JobContext, submission_id: int, user: str, delete_missing: int | None = None,
           keep_missing: bool = False) -> None:
    try:
        with ctx.database.session() as s:
            v = service.apply(s, submission_id, user=user, now=ctx.now(),
                              delete_all=delete_missing, keep_missing=keep_missing)
            line = f"applied: version {v.id} ({v.prefecture_zh} {v.kind}, seq {v.seq})"
    except service.RefreshError as exc:
        raise click.ClickException(f"{exc.message_zh} / {exc.message_en}") from None
    click.echo(line)


def _echo_outcome(outcome: runner.RunOutcome) -> None:
    click.echo(f"{outcome.job_id}: {outcome.status} (run {outcome.run_id}, {outcome.occurrence})")
    if outcome.error:
        click.echo(f"  error: {outcome.error}")
    if outcome.result:
        for key, value in outcome.result.items():
            if key != "findings":
                click.echo(f"  {key}: {value}")
