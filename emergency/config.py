"""Configuration (配置): defaults, overridden by environment variables, then by create_app(config).

Environment variables: DATABASE_URL, SECRET_KEY, EEC_INSTANCE_DIR, EEC_SCHEDULER (1 = this
web process embeds the scheduler; see emergency/jobs/scheduler.py), EEC_INBOX_DIR (the refresh
inbox folder, default instance/inbox), EEC_BASEMAP_URL (optional intranet tile server).
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

from rivers.network import SNAP_MAX_DISTANCE_M, SNAP_WARN_DISTANCE_M

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The business time zone (业务时区) when TIMEZONE is not configured: every local time a user
#: reads. Pure code takes a ``tz`` argument defaulting to this; services pass the configured one.
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_TZ = ZoneInfo(DEFAULT_TIMEZONE)


def default_config() -> dict:
    instance = Path(os.environ.get("EEC_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    return {
        "INSTANCE_DIR": instance,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'eec.sqlite3'}"),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "RIVER_CACHE_DIR": instance / "cache",
        "TIMEZONE": DEFAULT_TIMEZONE,
        # Snapping (rivers.network.RiverNetwork.snap): refuse beyond, warn beyond.
        "SNAP_MAX_DISTANCE_M": SNAP_MAX_DISTANCE_M,
        "SNAP_WARN_DISTANCE_M": SNAP_WARN_DISTANCE_M,
        "SCHEDULER_ENABLED": os.environ.get("EEC_SCHEDULER") == "1",
        # Scheduled jobs and the yearly inventory refresh (emergency.jobs, emergency.refresh).
        # one process holds the lease and runs the jobs; the others stand by
        "SCHEDULER_LEASE_TTL_S": float(os.environ.get("EEC_SCHEDULER_LEASE_TTL_S", 90)),
        "SCHEDULER_LEASE_RENEW_S": float(os.environ.get("EEC_SCHEDULER_LEASE_RENEW_S", 20)),
        "INBOX_DIR": os.environ.get("EEC_INBOX_DIR"),  # None: INSTANCE_DIR / "inbox"
        "INBOX_POLL_MINUTES": 5,              # 0: no inbox job
        "REFRESH_OPENS": "04-15",             # MM-DD, every year
        "REFRESH_CLOSES": "05-31",
        "REFRESH_CLOSE_AT": "23:30",          # local time on the closing day
        "REFRESH_CAMPAIGN_AT": "08:00",       # daily: open, remind
        "REFRESH_REMIND_EVERY_DAYS": 7,
        "REFRESH_REMIND_DAILY_LAST_DAYS": 7,
        "REFRESH_REQUIRED_KINDS": ("risk_sources", "materials"),
        "REFRESH_DRIFT_TOLERANCE_M": 100.0,
        "NIGHTLY_CHECKS_AT": "02:00",
        "FLOOD_SEASON_START": "06-01",        # Jilin (DOMAIN.md §4); the roster has its own rules
        "FLOOD_SEASON_END": "09-30",
        "BASEMAP_URL": os.environ.get("EEC_BASEMAP_URL"),
        "JSON_SORT_KEYS": False,
    }
