"""The jobs: explicit ids, triggers (in the app's time zone) and misfire grace, from the config.

===================== ============================================ ======================
job id                when (defaults; config keys)                 misfire grace
===================== ============================================ ======================
refresh_campaign      daily 08:00 (REFRESH_CAMPAIGN_AT), and the    12 h
                      closing day at 23:30 (REFRESH_CLOSES,
                      REFRESH_CLOSE_AT)
nightly_checks        daily 02:00 (NIGHTLY_CHECKS_AT)               20 h
flood_season_switch   the flood season's first day 00:00            30 days
                      (FLOOD_SEASON_START, default 06-01)
inbox_pickup          every 5 min (INBOX_POLL_MINUTES; 0 = off)     5 min
hazard_deadlines      daily 08:30 (HAZARD_REMINDERS_AT)             12 h
===================== ============================================ ======================

Every job is ``coalesce=True`` (runs missed while the process was down fire once, on start-up)
and ``max_instances=1``; a run later than its grace is skipped and the next one waits for its
time. The misfire grace is long for the daily and yearly jobs on purpose: a check that runs late
is worth more than one that does not run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

JOB_TITLES: dict[str, tuple[str, str]] = {
    "refresh_campaign": ("汛前清单更新(开启、催报、截止)",
                         "Refresh campaign (open, remind, close)"),
    "nightly_checks": ("每日核查(过期物资、未核实、坐标偏离)",
                       "Nightly checks (expiry, unconfirmed, drift)"),
    "flood_season_switch": ("汛期切换", "Flood-season switch"),
    "inbox_pickup": ("收件目录", "Inbox pickup"),
    "hazard_deadlines": ("隐患整改期限提醒(到期前、逾期)",
                         "Hazard deadlines (before and after)"),
}


@dataclass(frozen=True)
class JobSpec:
    id: str
    func_ref: str           # textual reference: the job store never pickles a function object
    trigger: BaseTrigger
    misfire_grace_s: int

    @property
    def name(self) -> str:
        return JOB_TITLES[self.id][1]


def _hhmm(text: str) -> tuple[int, int]:
    hh, mm = str(text).split(":")
    return int(hh), int(mm)


def _mmdd(text: str) -> tuple[int, int]:
    mm, dd = str(text).split("-")
    return int(mm), int(dd)


def job_specs(config: Mapping[str, Any]) -> list[JobSpec]:
    tz = ZoneInfo(config["TIMEZONE"])
    h, m = _hhmm(config["REFRESH_CAMPAIGN_AT"])
    close_month, close_day = _mmdd(config["REFRESH_CLOSES"])
    ch, cm = _hhmm(config["REFRESH_CLOSE_AT"])
    nh, nm = _hhmm(config["NIGHTLY_CHECKS_AT"])
    fm, fd = _mmdd(config["FLOOD_SEASON_START"])
    hh, hm = _hhmm(config["HAZARD_REMINDERS_AT"])
    specs = [
        JobSpec("refresh_campaign", "emergency.jobs.tasks:refresh_campaign",
                OrTrigger([CronTrigger(hour=h, minute=m, timezone=tz),
                           CronTrigger(month=close_month, day=close_day, hour=ch, minute=cm,
                                       timezone=tz)]), 12 * 3600),
        JobSpec("nightly_checks", "emergency.jobs.tasks:nightly_checks",
                CronTrigger(hour=nh, minute=nm, timezone=tz), 20 * 3600),
        JobSpec("flood_season_switch", "emergency.jobs.tasks:flood_season_switch",
                CronTrigger(month=fm, day=fd, hour=0, minute=0, timezone=tz), 30 * 86400),
        JobSpec("hazard_deadlines", "emergency.jobs.tasks:hazard_deadlines",
                CronTrigger(hour=hh, minute=hm, timezone=tz), 12 * 3600),
    ]
    every = int(config["INBOX_POLL_MINUTES"])
    if every > 0:
        # A fixed start keeps the trigger (and so the stored job) the same on every start-up.
        specs.append(JobSpec("inbox_pickup", "emergency.jobs.tasks:inbox_pickup",
                             IntervalTrigger(minutes=every, timezone=tz,
                                             start_date=datetime(2020, 1, 1, tzinfo=tz)),
                             every * 60))
    return specs
