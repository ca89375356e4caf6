"""The scheduled jobs (定时任务). Module-level functions, so the job store keeps a plain reference
(``emergency.jobs.tasks:nightly_checks``) and any process can run them.

APScheduler calls ``job(scheduled_for=…)`` (see :mod:`emergency.jobs.scheduler`); the function
hands over to :func:`emergency.jobs.runner.run_bound`, which claims the occurrence and runs the
body registered here. Bodies take a :class:`JobContext` and the business time, and return a
JSON-able result (stored with the run, shown to administrators).

* ``refresh_campaign``     opens the year's campaign on its opening day, reminds the prefectures
                           that have not sent their files, closes it on the closing evening;
* ``nightly_checks``       materials past / near expiry, records not confirmed this season,
                           coordinates that drifted from their river;
* ``flood_season_switch``  on the first day of the flood season: records it (the duty roster
                           reads the flood season from its own rules) and tells everyone;
* ``inbox_pickup``         stages the files dropped in the inbox folder;
* ``hazard_deadlines``     reminds each prefecture of its hazards due soon and overdue (隐患).
"""

from __future__ import annotations

import logging
import os
import shutil
import time as _time
from datetime import datetime, time, timedelta
from pathlib import Path

from emergency.inventory import service as inventory
from emergency.inventory.places import places_for
from emergency.inventory.vocab import KINDS
from emergency.jobs.context import JobContext
from emergency.jobs.runner import register, run_bound
from emergency.refresh import service
from emergency.refresh.checks import CheckSettings, SiteOnRiver, nightly_findings
from emergency.refresh.inbox import BadInboxName, is_in_progress, parse_name
from emergency.roster import service as roster
from emergency.roster.model import Period
from emergency.roster.readiness import Gap, describe

log = logging.getLogger("emergency.jobs")


# ----------------------------------------------------------------------------- job functions
def refresh_campaign(scheduled_for: datetime | None = None) -> dict:
    return run_bound("refresh_campaign", scheduled_for)


def nightly_checks(scheduled_for: datetime | None = None) -> dict:
    return run_bound("nightly_checks", scheduled_for)


def flood_season_switch(scheduled_for: datetime | None = None) -> dict:
    return run_bound("flood_season_switch", scheduled_for)


def inbox_pickup(scheduled_for: datetime | None = None) -> dict:
    return run_bound("inbox_pickup", scheduled_for)


def hazard_deadlines(scheduled_for: datetime | None = None) -> dict:
    return run_bound("hazard_deadlines", scheduled_for)


# ----------------------------------------------------------------------------- bodies
def _kinds_zh(kinds: tuple[str, ...]) -> str:
    return "、".join(KINDS[k][0] for k in kinds)


def _kinds_en(kinds: tuple[str, ...]) -> str:
    return ", ".join(KINDS[k][1] for k in kinds)


def close_moment(ctx: JobContext, year: int) -> datetime:
    """When the campaign closes: the closing day at REFRESH_CLOSE_AT (default 23:30), local."""
    hh, mm = (int(x) for x in str(ctx.config["REFRESH_CLOSE_AT"]).split(":"))
    return datetime.combine(ctx.calendar().closes_on(year), time(hh, mm), tzinfo=ctx.tz)


@register("refresh_campaign")
def refresh_campaign_body(ctx: JobContext, now: datetime) -> dict:
    cal = ctx.calendar()
    today = ctx.today(now)
    year = today.year
    kinds = ctx.required_kinds()
    closes = cal.closes_on(year)
    result: dict = {"today": today.isoformat(), "opens": cal.opens_on(year).isoformat(),
                    "closes": closes.isoformat(), "opened": False, "closed": False,
                    "reminded": []}
    with ctx.database.session() as s:
        closing = ctx.local(now) >= close_moment(ctx, year)
        if cal.is_open(today) and not closing:
            _campaign, opened = service.open_campaign(s, year, cal, now)
            result["opened"] = opened
            if opened:
                service.add_notice(
                    s, kind="campaign_opened", year=year, dedup_key=f"campaign_opened:{year}",
                    message_zh=f"{year} 年汛前清单更新已开始:请各市州于 {closes:%m月%d日} 前报送"
                               f"{_kinds_zh(kinds)}清单",
                    message_en=f"The {year} pre-flood-season refresh has opened: every "
                               f"prefecture sends its {_kinds_en(kinds)} by {closes:%d %B}",
                    details={"opens": result["opens"], "closes": result["closes"]}, now=now)
            if cal.is_reminder_day(today):
                left = (closes - today).days
                for name in service.missing_prefectures(s, year, kinds):
                    if service.add_notice(
                            s, kind="reminder", year=year, prefecture_zh=name,
                            dedup_key=f"reminder:{year}:{name}:{today.isoformat()}",
                            message_zh=f"{name}尚未报送有效的{year}年{_kinds_zh(kinds)}清单:请于 "
                                       f"{closes:%m月%d日} 前报送(剩余 {left} 天)",
                            message_en=f"{name} has not yet sent a valid {year} "
                                       f"{_kinds_en(kinds)} list: send it by {closes:%d %B} "
                                       f"({left} days left)",
                            details={"days_left": left}, now=now):
                        result["reminded"].append(name)
        elif today >= closes:
            campaign = service.campaign(s, year)
            if campaign is not None and campaign.status == "open" and closing:
                service.close_campaign(s, year, now)
                missing = service.missing_prefectures(s, year, kinds)
                result["closed"], result["missing"] = True, missing
                service.add_notice(
                    s, kind="campaign_closed", year=year, dedup_key=f"campaign_closed:{year}",
                    message_zh=f"{year} 年汛前清单更新已截止"
                               + (f";未报送:{'、'.join(missing)}" if missing
                                  else ";各市州均已报送"),
                    message_en=f"The {year} refresh has closed"
                               + (f"; not sent: {', '.join(missing)}" if missing
                                  else "; every prefecture has sent its files"),
                    details={"missing": missing}, now=now)
        result["state"] = ("before" if today < cal.opens_on(year) else
                           "open" if cal.is_open(today) and not closing else "closed")
    return result


@register("nightly_checks")
def nightly_checks_body(ctx: JobContext, now: datetime) -> dict:
    cal = ctx.calendar()
    today = ctx.today(now)
    network = ctx.network()
    with ctx.database.session() as s:
        risk_sources = inventory.records_of(s, "risk_sources")
        depots = inventory.records_of(s, "materials")
    sites = _intercept_sites(ctx, network)
    c = ctx.config
    settings = CheckSettings(today=today, season_start=cal.season_start(today),
                             expiry_warning_days=ctx.expiry_warning_days,
                             snap_max_m=float(c["SNAP_MAX_DISTANCE_M"]),
                             snap_warn_m=float(c["SNAP_WARN_DISTANCE_M"]),
                             drift_tolerance_m=float(c["REFRESH_DRIFT_TOLERANCE_M"]))
    found = nightly_findings(risk_sources=risk_sources, depots=depots, sites=sites,  # type: ignore
                             network=network, settings=settings)
    by_pref = found.by_prefecture()
    with ctx.database.session() as s:
        for name, counts in sorted(by_pref.items()):
            if not name or not any(counts.values()):
                continue
            service.add_notice(
                s, kind="nightly_check", year=today.year, prefecture_zh=name,
                dedup_key=f"nightly:{today.isoformat()}:{name}",
                message_zh=f"{name}每日核查:已过期物资 {counts['expired']} 项,"
                           f"{settings.expiry_warning_days} 天内过期 {counts['expiring']} 项,"
                           f"本季未核实 {counts['unconfirmed']} 条,"
                           f"坐标偏离河道 {counts['drift']} 处",
                message_en=f"{name} nightly check: {counts['expired']} items past expiry, "
                           f"{counts['expiring']} expiring within {settings.expiry_warning_days} "
                           f"days, {counts['unconfirmed']} records not confirmed this season, "
                           f"{counts['drift']} coordinates off their river",
                details=counts, now=now)
    ahead = Period(today, today + timedelta(days=int(c["DUTY_GAP_LOOKAHEAD_DAYS"]) - 1))
    gaps = _duty_gaps(ctx, ahead)
    if gaps:
        zh, en = describe(gaps, ctx.roster_rules())
        with ctx.database.session() as s:
            service.add_notice(
                s, kind="duty_gap", year=today.year, dedup_key=f"duty_gap:{today.isoformat()}",
                message_zh=f"未来 {len(ahead)} 天值班表有 {len(gaps)} 个班次未排满:{zh}"
                           "(请生成并发布值班表)",
                message_en=f"{len(gaps)} duty seats in the next {len(ahead)} days are not on a "
                           f"published roster: {en} (generate and publish a roster)",
                details={"from": ahead.start.isoformat(), "to": ahead.end.isoformat(),
                         "gaps": len(gaps)}, now=now)
    out = found.as_dict(limit=int(c["NIGHTLY_FINDINGS_LISTED"]))
    out["duty_gaps"] = _gaps_dict(gaps, ahead)
    out.update({"today": today.isoformat(), "season_start": settings.season_start.isoformat(),
                "checked": {"risk_sources": len(risk_sources), "depots": len(depots),
                            "items": sum(len(d.items) for d in depots),  # type: ignore
                            "intercept_sites": len(sites)}})
    return out


def _duty_gaps(ctx: JobContext, period: Period) -> list[Gap]:
    """The seats of ``period`` the published rosters leave empty (see roster.readiness)."""
    with ctx.database.session() as s:
        return roster.gaps_ahead(s, period, ctx.roster_rules())


def _gaps_dict(gaps: list[Gap], period: Period) -> dict:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "count": len(gaps),
            "first": [{"day": g.day.isoformat(), "shift": g.shift, "position": g.position,
                       "missing": g.missing} for g in gaps[:20]]}


def _intercept_sites(ctx: JobContext, network) -> list[SiteOnRiver]:  # noqa: ANN001
    try:
        plan_set = ctx.plans()
    except Exception:  # noqa: BLE001 - a broken plan file must not stop the other checks
        log.exception("nightly checks: the river plans could not be loaded")
        return []
    sites = [s for s in plan_set.sites if s.kind == "intercept"]
    if not sites:
        return []
    located = places_for(network).locate_many([s.lon for s in sites], [s.lat for s in sites])
    return [SiteOnRiver(s.id, s.name_zh, plan_set.plans[s.plan_id].river_name_zh,
                        where.county.prefecture_zh if where.county else None,
                        float(s.snap_distance_m))
            for s, where in zip(sites, located, strict=True)]


@register("flood_season_switch")
def flood_season_switch_body(ctx: JobContext, now: datetime) -> dict:
    cal = ctx.calendar()
    today = ctx.today(now)
    year = today.year
    if not cal.in_flood_season(today):
        return {"today": today.isoformat(), "switched": False,
                "reason": f"not in the flood season ({cal.flood_start}–{cal.flood_end})"}
    start, end = cal.flood_start_on(year), cal.flood_end_on(year)
    season = Period(start, end)
    gaps = _duty_gaps(ctx, season)
    if gaps:
        gaps_zh, gaps_en = describe(gaps, ctx.roster_rules())
        cover_zh = f"汛期值班表尚有 {len(gaps)} 个班次未排满:{gaps_zh}"
        cover_en = f"{len(gaps)} flood-season duty seats are not on a published roster: {gaps_en}"
    else:
        cover_zh = "已发布的值班表覆盖汛期全部班次"
        cover_en = "the published rosters cover every flood-season duty seat"
    with ctx.database.session() as s:
        closed = False
        campaign = service.campaign(s, year)
        if campaign is not None and campaign.status == "open":
            closed = service.close_campaign(s, year, now)
        switched = service.add_notice(
            s, kind="flood_season", year=year, dedup_key=f"flood_season:{year}",
            message_zh=f"{year} 年汛期开始({start:%m月%d日}—{end:%m月%d日}):执行汛期值班制度"
                       f"(领导干部带班、24 小时值班),值班表按汛期规则生成;{cover_zh}",
            message_en=f"The {year} flood season has begun ({start:%d %b}–{end:%d %b}): "
                       "flood-season duty applies (leader on duty, 24-hour duty); rosters follow "
                       f"the flood-season rules; {cover_en}",
            details={"flood_start": start.isoformat(), "flood_end": end.isoformat(),
                     "duty_gaps": len(gaps)}, now=now)
    return {"today": today.isoformat(), "switched": switched, "campaign_closed": closed,
            "flood_start": start.isoformat(), "flood_end": end.isoformat(),
            "duty_gaps": _gaps_dict(gaps, season)}


@register("inbox_pickup")
def inbox_pickup_body(ctx: JobContext, now: datetime) -> dict:
    inbox = ctx.inbox_dir
    settle = float(ctx.config["INBOX_SETTLE_S"])
    picked: list[dict] = []
    for sub in ("processing", "done", "rejected"):  # the folder is ready for the first file
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    candidates = sorted((p for p in inbox.iterdir() if p.is_file()),
                        key=lambda p: p.stat().st_mtime)
    for path in candidates:
        if is_in_progress(path.name) or _time.time() - path.stat().st_mtime < settle:
            continue
        claimed = inbox / "processing" / f"{path.name}.{ctx.owner.replace(':', '-')}"
        try:
            os.rename(path, claimed)  # atomic: of two processes, one moves it
        except FileNotFoundError:
            continue
        picked.append(_stage_inbox_file(ctx, claimed, path.name, now))
    return {"inbox": str(inbox), "files": picked}


def _stage_inbox_file(ctx: JobContext, claimed: Path, name: str, now: datetime) -> dict:
    inbox = claimed.parent.parent
    try:
        parsed = parse_name(name)
    except BadInboxName as exc:
        target = _free(inbox / "rejected" / name)
        shutil.move(claimed, target)
        target.with_name(target.name + ".reason.txt").write_text(
            f"{exc.message_zh}\n{exc.message_en}\n", "utf-8")
        return {"file": name, "status": "rejected", "reason": exc.message_en}
    data = claimed.read_bytes()
    with ctx.database.session() as s:
        sub = service.stage(s, kind=parsed.kind, scope=parsed.prefecture.name_zh, data=data,
                            filename=name, inputs=ctx.stage_inputs(ctx.today(now)),
                            user="inbox", source="inbox", now=now)
        sub_id, status, errors = sub.id, sub.status, sub.error_count
        service.add_notice(
            s, kind="inbox", year=ctx.today(now).year, prefecture_zh=sub.prefecture_zh,
            dedup_key=f"inbox:{sub_id}",
            message_zh=f"收件目录文件「{name}」已校验:" + (
                f"{errors} 处错误,请改正后重新报送" if errors else "无错误,已暂存待应用"),
            message_en=f"Inbox file {name} validated: " + (
                f"{errors} error(s), correct and send again" if errors
                else "no errors, staged for applying"),
            details={"submission": sub_id}, now=now)
    shutil.move(claimed, _free(inbox / "done" / f"{sub_id}_{name}"))
    return {"file": name, "status": status, "submission": sub_id, "errors": errors}


def _free(path: Path) -> Path:
    """``path``, or ``path`` with a counter when that name is taken."""
    if not path.exists():
        return path
    for n in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}.{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)


@register("hazard_deadlines")
def hazard_deadlines_body(ctx: JobContext, now: datetime) -> dict:
    """Remind the responsible prefecture of hazards due within HAZARD_REMIND_BEFORE_DAYS
    (default 7) and of those past their deadline: one notice per prefecture and day."""
    from emergency.inspection import service as inspection

    today = ctx.today(now)
    before = int(ctx.config["HAZARD_REMIND_BEFORE_DAYS"])
    out = []
    with ctx.database.session() as s:
        for r in inspection.reminders(s, today, before):
            majors = sum(h.grade == "major" for h in r.overdue)
            ids = [h.id for h in (*r.overdue, *r.due_soon)]
            soon_zh = f"{len(r.due_soon)} 项将于 {before} 天内到期" if r.due_soon else ""
            late_zh = f"{len(r.overdue)} 项已逾期(其中重大 {majors} 项)" if r.overdue else ""
            soon_en = f"{len(r.due_soon)} due within {before} days" if r.due_soon else ""
            late_en = f"{len(r.overdue)} overdue ({majors} major)" if r.overdue else ""
            names = "、".join(dict.fromkeys(h.risk_source_name for h in r.overdue[:5]))
            added = service.add_notice(
                s, kind="hazard_deadline", year=today.year, prefecture_zh=r.prefecture_zh,
                dedup_key=f"hazards:{today.isoformat()}:{r.prefecture_zh}",
                message_zh=f"{r.prefecture_zh}隐患整改提醒:" + ",".join(
                    x for x in (late_zh, soon_zh) if x) + (f"。逾期:{names}" if names else "")
                + "(请督促整改并报告)",
                message_en=f"{r.prefecture_zh} hazard rectification: " + ", ".join(
                    x for x in (late_en, soon_en) if x) + " (follow up and report)",
                details={"due_soon": [h.id for h in r.due_soon],
                         "overdue": [h.id for h in r.overdue]}, now=now)
            out.append({"prefecture": r.prefecture_zh, "due_soon": len(r.due_soon),
                        "overdue": len(r.overdue), "hazards": ids, "notice_added": added})
    return {"today": today.isoformat(), "remind_before_days": before, "prefectures": out}
