"""The scheduler (SQLite and PostgreSQL): one process runs the jobs, each occurrence runs once,
a missed run fires once on start-up, and the jobs do what the campaign needs."""

from __future__ import annotations

import pickle
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from sqlalchemy import func, select, text, update

from emergency.jobs import leases, runner
from emergency.jobs.context import JobContext
from emergency.jobs.scheduler import LEASE_JOB_ID, STORE_ALIAS, JobScheduler, init_app
from emergency.store import make_engine
from emergency.store.refresh_models import JobNotice, JobRun, RefreshCampaign, SchedulerLease

SHANGHAI = ZoneInfo("Asia/Shanghai")
# No test waits for a lease to run out by itself (a stall is forged), so the TTL can be long:
# a loaded machine that delays a renewal by seconds must not look like a stalled leader.
LEASE_TTL_S = 30
IN_CAMPAIGN = datetime(2026, 5, 20, 9, 0, tzinfo=SHANGHAI)  # a reminder day (35 days in)


def make_app(database_url, network, tmp_path, **config):
    from app import create_app

    return create_app({"TESTING": True, "DATABASE_URL": database_url, "INSTANCE_DIR": tmp_path,
                       "SECRET_KEY": "test", "RIVER_NETWORK": network,
                       "FIXED_NOW": IN_CAMPAIGN, "SCHEDULER_LEASE_RENEW_S": 0.25,
                       "SCHEDULER_LEASE_TTL_S": LEASE_TTL_S, "INBOX_POLL_MINUTES": 0, **config})


@pytest.fixture
def apps(database_url, network, tmp_path):
    made = []

    def _make(**config):
        app = make_app(database_url, network, tmp_path, **config)
        made.append(app)
        return app

    yield _make
    for app in made:
        app.extensions["database"].engine.dispose()


@pytest.fixture
def schedulers():
    started: list[JobScheduler] = []
    yield started
    for s in started:
        s.shutdown(wait=True)


def wait_for(predicate, timeout: float = 40.0, every: float = 0.1):  # noqa: ANN001
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


def runs(app, job_id: str | None = None) -> list[JobRun]:
    with app.extensions["database"].session() as s:
        stmt = select(JobRun).order_by(JobRun.id)
        if job_id:
            stmt = stmt.where(JobRun.job_id == job_id)
        return list(s.scalars(stmt))


def notices(app, kind: str) -> list[JobNotice]:
    with app.extensions["database"].session() as s:
        return list(s.scalars(select(JobNotice).where(JobNotice.kind == kind)))


def make_due(url: str, job_id: str, when: datetime) -> None:
    """Pretend the job's run at ``when`` was missed: set its stored next run time."""
    engine = make_engine(url)
    with engine.begin() as conn:
        blob = conn.execute(text("SELECT job_state FROM apscheduler_jobs WHERE id = :i"),
                            {"i": job_id}).scalar_one()
        state = pickle.loads(blob)
        state["next_run_time"] = when
        conn.execute(text("UPDATE apscheduler_jobs SET job_state = :s, next_run_time = :t "
                          "WHERE id = :i"), {"s": pickle.dumps(state, pickle.HIGHEST_PROTOCOL),
                                             "t": when.timestamp(), "i": job_id})
    engine.dispose()


def stored_next_run(url: str, job_id: str) -> datetime:
    engine = make_engine(url)
    with engine.connect() as conn:
        t = conn.execute(text("SELECT next_run_time FROM apscheduler_jobs WHERE id = :i"),
                         {"i": job_id}).scalar_one()
    engine.dispose()
    return datetime.fromtimestamp(t, UTC)


def events_for(seen: list, job_id: str) -> list:
    return [e for e in seen if e.job_id == job_id]


def events_of(sched: JobScheduler) -> list:
    seen: list = []
    sched.add_listener(seen.append, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return seen


def define_jobs(apps, schedulers, **config) -> None:  # noqa: ANN001
    """Run one scheduler until it has stored the jobs, then stop it (the lease is released)."""
    first = JobScheduler(apps(**config), owner="setup")
    first.start()
    wait_for(lambda: first.leading)
    wait_for(lambda: first._scheduler.get_job("nightly_checks", jobstore=STORE_ALIAS))
    first.shutdown(wait=True)


# ----------------------------------------------------------------------------- the lease
def test_the_lease_is_held_by_one_owner_until_it_expires_or_is_released(apps):
    db = apps().extensions["database"]
    t0 = datetime.now(UTC)
    ttl = timedelta(seconds=90)
    with db.session() as s:
        assert leases.acquire(s, "a", t0, ttl)
    with db.session() as s:
        assert not leases.acquire(s, "b", t0 + timedelta(seconds=30), ttl)
        assert leases.acquire(s, "a", t0 + timedelta(seconds=30), ttl)  # renewal
        assert leases.holds(s, "a", t0 + timedelta(seconds=100), "scheduler")
        acquired = leases.holder(s).acquired_at
    with db.session() as s:  # a lost its lease (did not renew): b takes over
        assert leases.acquire(s, "b", t0 + timedelta(seconds=121), ttl)
        assert leases.holder(s).owner == "b" and leases.holder(s).acquired_at > acquired
    with db.session() as s:
        assert leases.release(s, "b", t0 + timedelta(seconds=130))
        assert leases.acquire(s, "a", t0 + timedelta(seconds=131), ttl)


def test_processes_racing_for_the_lease_never_both_get_it(apps):
    db = apps().extensions["database"]
    now = datetime.now(UTC)
    won: list[str] = []
    barrier = threading.Barrier(6)

    def contend(owner: str) -> None:
        barrier.wait()
        with db.session() as s:
            if leases.acquire(s, owner, now, timedelta(seconds=90)):
                won.append(owner)

    threads = [threading.Thread(target=contend, args=(f"p{k}",)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(SchedulerLease)) == 1


# ----------------------------------------------------------------------------- once
def test_an_occurrence_runs_once_when_two_instances_try_it(apps):
    a, b = apps(), apps()
    contexts = [JobContext.from_app(a, "instance-a"), JobContext.from_app(b, "instance-b")]
    when = datetime(2026, 5, 20, 8, 0, tzinfo=SHANGHAI)
    outcomes: list = []
    barrier = threading.Barrier(2)

    def attempt(ctx: JobContext) -> None:
        barrier.wait()
        outcomes.append(runner.run_job(ctx, "refresh_campaign", trigger="scheduled",
                                       scheduled_for=when, fenced=False))

    threads = [threading.Thread(target=attempt, args=(c,)) for c in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.status for o in outcomes) == ["ok", "skipped"]
    assert [r.occurrence for r in runs(a)] == ["2026-05-20T08:00"]
    assert len(notices(a, "campaign_opened")) == 1
    assert len(notices(a, "reminder")) == 9  # no prefecture has sent anything yet


def test_a_scheduled_run_needs_the_lease(apps):
    ctx = JobContext.from_app(apps(), "no-lease")
    outcome = runner.run_job(ctx, "flood_season_switch", trigger="scheduled",
                             scheduled_for=datetime(2026, 6, 1, tzinfo=SHANGHAI))
    assert (outcome.status, outcome.reason) == ("skipped", "lease_not_held")
    assert runs(apps()) == []


def test_two_app_instances_sharing_a_database_run_each_job_once(apps, schedulers,
                                                               database_url):
    define_jobs(apps, schedulers)
    make_due(database_url, "refresh_campaign", datetime.now(UTC) - timedelta(seconds=30))
    observer = apps()
    a, b = JobScheduler(apps(), owner="instance-a"), JobScheduler(apps(), owner="instance-b")
    seen = {a.owner: events_of(a), b.owner: events_of(b)}
    schedulers += [a, b]
    starters = [threading.Thread(target=s.start) for s in (a, b)]
    for t in starters:  # both try, at the same moment
        t.start()
    for t in starters:
        t.join()

    done = wait_for(lambda: [r for r in runs(observer, "refresh_campaign") if r.status == "ok"])
    # the run is recorded before the executor reports it: wait for the report too
    wait_for(lambda: events_for(seen[a.owner] + seen[b.owner], "refresh_campaign"))
    time.sleep(1.5)  # give the standby every chance to run it too
    assert len(runs(observer, "refresh_campaign")) == 1
    assert [a.leading, b.leading].count(True) == 1
    leader, standby = (a, b) if a.leading else (b, a)
    assert done[0].owner == leader.owner
    assert [e.job_id for e in seen[leader.owner]
            if e.code == EVENT_JOB_EXECUTED and e.job_id != LEASE_JOB_ID] == ["refresh_campaign"]
    assert [e for e in seen[standby.owner] if e.job_id != LEASE_JOB_ID] == []
    with pytest.raises(KeyError):
        standby._scheduler._lookup_jobstore(STORE_ALIAS)  # the standby never opened the store
    assert len(notices(observer, "campaign_opened")) == 1


def test_a_missed_run_fires_once_on_start_up(apps, schedulers, database_url):
    # The nightly check is set to an hour ago (in the app's zone), so its last missed run is
    # within the 20 h misfire grace whatever the time of day the test runs at (with 02:00 it
    # was skipped — correctly — between 22:00 and 02:00).
    at = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(hours=1)).strftime("%H:%M")
    define_jobs(apps, schedulers, NIGHTLY_CHECKS_AT=at)
    # The process was down for three days: three daily runs missed.
    make_due(database_url, "nightly_checks", datetime.now(UTC) - timedelta(days=3, minutes=1))
    observer = apps()
    later = JobScheduler(apps(NIGHTLY_CHECKS_AT=at), owner="after-the-outage")
    seen = events_of(later)
    schedulers.append(later)
    later.start()

    wait_for(lambda: [r for r in runs(observer, "nightly_checks") if r.status != "running"],
             timeout=90)
    wait_for(lambda: events_for(seen, "nightly_checks"))  # reported after the run is recorded
    time.sleep(1.0)
    # coalesced: once, not three times
    assert [e.code for e in events_for(seen, "nightly_checks")] == [EVENT_JOB_EXECUTED]
    (run,) = runs(observer, "nightly_checks")
    assert run.status == "ok" and run.trigger == "scheduled"
    assert run.result["checked"]["depots"] >= 0
    assert stored_next_run(database_url, "nightly_checks") > datetime.now(UTC)


def test_a_leader_that_loses_the_lease_stands_by_and_a_standby_takes_over(apps, schedulers):
    a = JobScheduler(apps(), owner="instance-a")
    schedulers.append(a)
    a.start()
    wait_for(lambda: a.leading)
    b = JobScheduler(apps(), owner="instance-b")
    schedulers.append(b)
    b.start()
    time.sleep(0.8)
    assert not b.leading
    # a stalls: its lease runs out and b takes it before a renews
    db = apps().extensions["database"]
    with db.session() as s:
        s.execute(update(SchedulerLease).values(expires_at=datetime.now(UTC) - timedelta(1)))
        assert leases.acquire(s, "instance-b", datetime.now(UTC),
                              timedelta(seconds=LEASE_TTL_S))
    wait_for(lambda: b.leading and not a.leading)
    with pytest.raises(KeyError):  # ``leading`` turns False only once the store is detached
        a._scheduler._lookup_jobstore(STORE_ALIAS)
    b._scheduler._lookup_jobstore(STORE_ALIAS)
    a.shutdown()
    b.shutdown()
    with db.session() as s:  # b gave the lease up on shutdown
        assert not leases.holder(s).live(datetime.now(UTC))


def test_the_embedded_scheduler_starts_once_on_the_first_request(apps, schedulers):
    app = apps(SCHEDULER_ENABLED=True)
    assert app.extensions["scheduler"] is None  # not at import, not in create_app
    client = app.test_client()
    for _ in range(3):
        client.get("/login")
    sched = app.extensions["scheduler"]
    schedulers.append(sched)
    assert sched is not None and sched.running
    wait_for(lambda: sched.leading)
    assert app.extensions["scheduler"] is sched
    off = apps()
    off.test_client().get("/login")
    assert off.extensions["scheduler"] is None


def test_init_app_without_the_flag_registers_nothing(apps):
    app = apps()
    before = len(app.before_request_funcs.get(None, []))
    init_app(app)
    assert len(app.before_request_funcs.get(None, [])) == before


# ----------------------------------------------------------------------------- the jobs
def run_at(apps, job_id: str, when: datetime, **config):  # noqa: ANN001
    app = apps(FIXED_NOW=when, **config)
    return app, runner.run_job(JobContext.from_app(app, "test"), job_id)


def test_the_campaign_opens_reminds_only_the_missing_and_closes_before_the_flood_season(apps):
    app, first = run_at(apps, "refresh_campaign", datetime(2026, 4, 15, 8, 0, tzinfo=SHANGHAI))
    assert first.status == "ok" and first.result["opened"] and first.result["state"] == "open"
    assert len(first.result["reminded"]) == 9
    _app, again = run_at(apps, "refresh_campaign", datetime(2026, 4, 15, 9, 0, tzinfo=SHANGHAI))
    assert not again.result["opened"] and again.result["reminded"] == []  # once a day

    from emergency.refresh.service import submissions  # noqa: F401 - the service is used below
    from emergency.store.refresh_models import RefreshSubmission

    with app.extensions["database"].session() as s:
        for kind in ("risk_sources", "materials"):
            s.add(RefreshSubmission(
                created_at=datetime.now(UTC), created_by="t", source="upload",
                campaign_year=2026, kind=kind, prefecture_zh="长春市", filename="x.csv",
                file_sha256="0" * 64, file_size=0, file_blob=b"", status="applied",
                rows_read=0, record_count=0, error_count=0, warning_count=0, problems_blob=b"",
                added=0, removed=0, changed=0, unchanged=0))
    _app, week = run_at(apps, "refresh_campaign", datetime(2026, 4, 22, 8, 0, tzinfo=SHANGHAI))
    assert len(week.result["reminded"]) == 8 and "长春市" not in week.result["reminded"]
    _app, quiet = run_at(apps, "refresh_campaign", datetime(2026, 4, 23, 8, 0, tzinfo=SHANGHAI))
    assert quiet.result["reminded"] == []

    _app, evening = run_at(apps, "refresh_campaign",
                           datetime(2026, 5, 31, 23, 30, tzinfo=SHANGHAI))
    assert evening.result["closed"] and "长春市" not in evening.result["missing"]
    with app.extensions["database"].session() as s:
        assert s.get(RefreshCampaign, 2026).status == "closed"
    assert len(notices(app, "campaign_closed")) == 1


def test_the_flood_season_switch_is_recorded_once_and_closes_the_campaign(apps):
    app, _ = run_at(apps, "refresh_campaign", datetime(2026, 5, 30, 8, 0, tzinfo=SHANGHAI))
    _app, switch = run_at(apps, "flood_season_switch", datetime(2026, 6, 1, 0, 0,
                                                                tzinfo=SHANGHAI))
    assert switch.result["switched"] and switch.result["campaign_closed"]
    _app, twice = run_at(apps, "flood_season_switch", datetime(2026, 6, 1, 0, 5,
                                                               tzinfo=SHANGHAI))
    assert not twice.result["switched"]
    (notice,) = notices(app, "flood_season")
    assert notice.prefecture_zh is None and "汛期" in notice.message_zh
    # no roster is published: every flood-season seat is a gap, and the notice says so
    assert switch.result["duty_gaps"]["count"] > 122  # at least a leader a day, 1 Jun–30 Sep
    assert "个班次未排满" in notice.message_zh and "6月1日" in notice.message_zh
    _app, november = run_at(apps, "flood_season_switch", datetime(2026, 11, 22, 9, 0,
                                                                  tzinfo=SHANGHAI))
    assert november.result["switched"] is False


def test_the_nightly_check_finds_expiry_unconfirmed_records_and_drift(apps, network):
    from emergency.inventory import service as inventory
    from emergency.store.inventory_models import RiskSource

    app = apps()
    db = app.extensions["database"]
    with db.session() as s:
        inventory.load_sample(s, network, as_of=IN_CAMPAIGN.date())
        moved = s.scalars(select(RiskSource).where(RiskSource.outfall_lon.is_(None))
                          .order_by(RiskSource.id).limit(1)).one()
        moved.lon += 0.03  # edited without recomputing the river entry: drifted
        moved.lat += 0.03
        name = moved.name
    _app, outcome = run_at(apps, "nightly_checks", datetime(2026, 5, 21, 2, 0, tzinfo=SHANGHAI))
    assert outcome.status == "ok", outcome.error
    counts = outcome.result["counts"]
    assert counts["unconfirmed"] > 0 and counts["expired"] + counts["expiring"] > 0
    drifted = [f["label"] for f in outcome.result["findings"]["drift"]]
    assert any(label.startswith(name) for label in drifted)
    assert outcome.result["checked"]["intercept_sites"] > 0
    assert notices(app, "nightly_check")


def test_the_inbox_stages_good_files_and_sets_aside_badly_named_ones(apps, network, tmp_path):
    from emergency.inventory import export
    from emergency.inventory import service as inventory
    from emergency.refresh import service
    from emergency.substances import load_catalogue

    app = apps()
    with app.extensions["database"].session() as s:
        inventory.load_sample(s, network, as_of=IN_CAMPAIGN.date())
        records = [x.record for x in service.live_slice(s, "materials", "长春市")]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = export.to_csv("materials", records, load_catalogue())
    (inbox / "220100_materials_2026.csv").write_bytes(good)
    (inbox / "220200_materials_2026.csv").write_bytes(good)  # 长春 rows sent as 吉林市
    (inbox / "materials.csv").write_bytes(good)
    (inbox / "~$220100_teams.xlsx").write_bytes(b"lock file")
    _app, outcome = run_at(apps, "inbox_pickup", IN_CAMPAIGN, INBOX_SETTLE_S=0)
    by_file = {f["file"]: f for f in outcome.result["files"]}
    assert by_file["220100_materials_2026.csv"]["status"] == "staged"
    assert by_file["220200_materials_2026.csv"]["status"] == "invalid"
    assert by_file["materials.csv"]["status"] == "rejected"
    assert "~$220100_teams.xlsx" not in by_file
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        f"{by_file['220100_materials_2026.csv']['submission']}_220100_materials_2026.csv",
        f"{by_file['220200_materials_2026.csv']['submission']}_220200_materials_2026.csv"]
    assert (inbox / "rejected" / "materials.csv.reason.txt").read_text("utf-8").startswith("文件名")
    assert list((inbox / "processing").iterdir()) == []
    assert len(notices(app, "inbox")) == 2


def test_the_nightly_check_warns_of_duty_seats_no_published_roster_covers(apps):
    from emergency.roster import service as roster
    from emergency.roster import staff_service
    from emergency.roster.model import Period

    app = apps(DUTY_GAP_LOOKAHEAD_DAYS=14)
    with app.extensions["database"].session() as s:
        staff_service.load_sample_staff(s, as_of=date(2026, 5, 20), now=IN_CAMPAIGN)
        made = roster.generate(s, Period(date(2026, 6, 1), date(2026, 6, 14)),
                               actor="manager", now=IN_CAMPAIGN)
    with app.extensions["database"].session() as s:
        roster.publish(s, made.row.id, actor="manager", now=IN_CAMPAIGN)

    _app, covered = run_at(apps, "nightly_checks", datetime(2026, 6, 1, 2, 0, tzinfo=SHANGHAI),
                           DUTY_GAP_LOOKAHEAD_DAYS=14)
    assert covered.status == "ok" and covered.result["duty_gaps"]["count"] == 0
    assert notices(app, "duty_gap") == []
    _app, later = run_at(apps, "nightly_checks", datetime(2026, 6, 8, 2, 0, tzinfo=SHANGHAI),
                         DUTY_GAP_LOOKAHEAD_DAYS=14)
    first = later.result["duty_gaps"]["first"][0]
    assert first["day"] == "2026-06-15"  # the day after the published roster ends
    (notice,) = notices(app, "duty_gap")
    assert "未来 14 天值班表有" in notice.message_zh and "6月15日" in notice.message_zh
