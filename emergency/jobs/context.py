"""What a job needs, built once from the application (no Flask import: the app is duck-typed).

``now()`` is the business clock (``FIXED_NOW`` in tests and drills, else the wall clock);
``clock()`` is always the wall clock — the scheduler lease never follows a pinned clock.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from emergency.inventory.rules import RuleSettings
from emergency.refresh.season import RefreshCalendar
from emergency.refresh.service import StageInputs
from emergency.river_risks import PlanFinder
from emergency.roster.rules import default_roster_rules
from emergency.store import Database


def default_owner() -> str:
    """This process, as the lease and the job runs name it: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class JobContext:
    database: Database
    config: Mapping[str, Any]
    network: Callable[[], Any]      # → rivers.network.RiverNetwork (loaded on first use)
    plans: Callable[[], Any]        # → plans.loader.PlanSet
    owner: str
    roster_rules: Callable[[], Any] = default_roster_rules  # → roster.rules.RosterRules

    @classmethod
    def from_app(cls, app: Any, owner: str | None = None) -> JobContext:
        return cls(database=app.extensions["database"], config=app.config,
                   network=app.extensions["rivers"].get, plans=app.extensions["plans"].get,
                   owner=owner or default_owner(),
                   roster_rules=lambda: app.extensions.get("roster_rules")
                   or default_roster_rules())

    # ------------------------------------------------------------------ time
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config["TIMEZONE"])

    def clock(self) -> datetime:
        return datetime.now(UTC)

    def now(self) -> datetime:
        fixed = self.config["FIXED_NOW"]
        if isinstance(fixed, datetime):
            return fixed if fixed.tzinfo else fixed.replace(tzinfo=self.tz)
        return self.clock()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def today(self, moment: datetime | None = None) -> date:
        return self.local(moment or self.now()).date()

    # ------------------------------------------------------------------ settings
    def calendar(self) -> RefreshCalendar:
        c = self.config
        return RefreshCalendar(opens=c["REFRESH_OPENS"],
                               closes=c["REFRESH_CLOSES"],
                               flood_start=c["FLOOD_SEASON_START"],
                               flood_end=c["FLOOD_SEASON_END"],
                               remind_every_days=int(c["REFRESH_REMIND_EVERY_DAYS"]),
                               remind_daily_last_days=int(c["REFRESH_REMIND_DAILY_LAST_DAYS"]),
                               next_campaign_after=(c["REFRESH_NEXT_CAMPAIGN_AFTER"]
                                                    or c["REFRESH_CLOSES"]))

    def required_kinds(self) -> tuple[str, ...]:
        return tuple(self.config["REFRESH_REQUIRED_KINDS"])

    @property
    def expiry_warning_days(self) -> int:
        return int(self.config["EXPIRY_WARNING_DAYS"])

    def stage_inputs(self, today: date | None = None) -> StageInputs:
        c = self.config
        settings = RuleSettings(today=today or self.today(),
                                county_tolerance_m=c["INVENTORY_COUNTY_TOLERANCE_M"],
                                snap_max_distance_m=c["SNAP_MAX_DISTANCE_M"],
                                expiry_warning_days=self.expiry_warning_days)
        return StageInputs(self.network(), settings, plan_finder=self.plan_finder(),
                           campaign_year=self.calendar().campaign_year(settings.today))

    def plan_finder(self) -> PlanFinder:
        """Which key-river plan a river entry belongs to (for the refresh's plan warnings)."""
        return PlanFinder(self.network(), self.plans())

    @property
    def inbox_dir(self) -> Path:
        return Path(self.config["INBOX_DIR"] or Path(self.config["INSTANCE_DIR"]) / "inbox")

    @property
    def lease_ttl(self) -> timedelta:
        return timedelta(seconds=float(self.config["SCHEDULER_LEASE_TTL_S"]))
