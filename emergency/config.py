"""Configuration (配置): every key the application reads, declared once, with its default, unit
and meaning (``SETTINGS``). Defaults are overridden by environment variables (``env``), then by
``create_app(config)``.

Code reads ``app.config["KEY"]`` (or ``ctx.config["KEY"]``) without an inline default: the
default lives here only. ``tests/unit/test_config_keys.py`` walks the source and fails on a key
read that is not declared here, and on a default given at a read site.

Environment variables: DATABASE_URL, SECRET_KEY, EEC_INSTANCE_DIR, EEC_SCHEDULER (1 = this
web process embeds the scheduler; see emergency/jobs/scheduler.py), EEC_SCHEDULER_LEASE_TTL_S,
EEC_SCHEDULER_LEASE_RENEW_S, EEC_INBOX_DIR (the refresh inbox folder, default instance/inbox),
EEC_BASEMAP_URL (optional intranet tile server), EEC_BASEMAP_ATTRIBUTION,
EEC_SESSION_COOKIE_SECURE (1 = cookies over HTTPS only), EEC_RATELIMIT_STORAGE_URI.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from emergency.auth_rules import (
    DEFAULT_HASH_METHOD,
    LOGIN_LIMITS_PER_ACCOUNT,
    LOGIN_LIMITS_PER_ADDRESS,
)
from emergency.inspection.photos import MAX_BYTES as PHOTO_MAX_BYTES
from emergency.inventory.vocab import EXPIRY_WARNING_DAYS
from rivers.network import SNAP_MAX_DISTANCE_M, SNAP_WARN_DISTANCE_M

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The business time zone (业务时区) when TIMEZONE is not configured: every local time a user
#: reads. Pure code takes a ``tz`` argument defaulting to this; services pass the configured one.
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_TZ = ZoneInfo(DEFAULT_TIMEZONE)

MiB = 2**20


@dataclass(frozen=True)
class Setting:
    """One configuration key: its default, its unit and what it means.

    ``env`` names the environment variable that replaces the default (parsed by ``parse``);
    ``derive`` computes the default from the keys declared before it (the instance folder)."""

    default: Any
    unit: str
    meaning: str
    env: str | None = None
    parse: Callable[[str], Any] = str
    derive: Callable[[dict], Any] | None = None


def _flag(text: str) -> bool:
    return text == "1"


#: Every key, in dependency order (a derived default reads only keys above it).
SETTINGS: dict[str, Setting] = {
    # ---------------------------------------------------------------- installation
    "INSTANCE_DIR": Setting(
        PROJECT_ROOT / "instance", "path",
        "the installation's private folder: SQLite database, secret key, uploads, inbox",
        env="EEC_INSTANCE_DIR", parse=Path),
    "DATABASE_URL": Setting(
        None, "SQLAlchemy URL", "the database (default: SQLite in INSTANCE_DIR)",
        env="DATABASE_URL", derive=lambda c: f"sqlite:///{c['INSTANCE_DIR'] / 'eec.sqlite3'}"),
    "SECRET_KEY": Setting(
        None, "text", "signs session cookies; None: INSTANCE_DIR/secret_key is used",
        env="SECRET_KEY"),
    "RIVER_CACHE_DIR": Setting(
        None, "path", "the built river network's cache (INSTANCE_DIR/cache)",
        derive=lambda c: c["INSTANCE_DIR"] / "cache"),
    "TIMEZONE": Setting(DEFAULT_TIMEZONE, "IANA zone", "the business time zone (业务时区)"),
    "FIXED_NOW": Setting(
        None, "datetime", "pins the business clock (tests, drills); naive = in TIMEZONE"),
    "REPORTING_UNIT": Setting(
        None, "text", "the unit named as sender of reports and command orders (报送单位)"),
    "JSON_SORT_KEYS": Setting(False, "bool", "JSON keys keep their order (app.json.sort_keys)"),
    # ---------------------------------------------------------------- prebuilt data (tests)
    "RIVER_NETWORK": Setting(
        None, "RiverNetwork", "a prebuilt river network; None: built from the bundled data"),
    "PLAN_SET": Setting(None, "PlanSet", "prebuilt plan files; None: the bundled plan files"),
    "PARK_SET": Setting(None, "ParkSet", "prebuilt park plans; None: the bundled park plans"),
    "PLAN_SNAPSHOT_CHECK_S": Setting(
        1.0, "s", "how often the published-plan snapshot checks the database for a new version"),
    "KEY_RIVERS": Setting(
        None, "container of names", "the province map's key rivers; None: the rivers the "
        "published plans name"),
    # ---------------------------------------------------------------- snapping
    "SNAP_MAX_DISTANCE_M": Setting(
        SNAP_MAX_DISTANCE_M, "m", "a point farther than this from any river is refused"),
    "SNAP_WARN_DISTANCE_M": Setting(
        SNAP_WARN_DISTANCE_M, "m", "a point farther than this from its river is warned about"),
    # ---------------------------------------------------------------- map
    "BASEMAP_URL": Setting(None, "URL template", "an intranet tile server for the maps",
                           env="EEC_BASEMAP_URL"),
    "BASEMAP_ATTRIBUTION": Setting(None, "text", "the attribution shown with BASEMAP_URL",
                                   env="EEC_BASEMAP_ATTRIBUTION"),
    # ---------------------------------------------------------------- uploads
    "MAX_CONTENT_LENGTH": Setting(
        None, "bytes", "Flask's request body limit (None: none; each upload has its own)"),
    "INVENTORY_MAX_UPLOAD_BYTES": Setting(50 * MiB, "bytes", "largest inventory file accepted"),
    "MONITORING_MAX_UPLOAD_BYTES": Setting(5 * MiB, "bytes",
                                           "largest monitoring results file accepted"),
    "PLAN_MAX_IMPORT_BYTES": Setting(5 * MiB, "bytes", "largest plan workbook/YAML accepted"),
    "INSPECTION_PHOTO_MAX_BYTES": Setting(PHOTO_MAX_BYTES, "bytes",
                                          "largest inspection photo accepted"),
    "INSPECTION_INCIDENT_REACH_KM": Setting(
        50.0, "km", "open hazards this far upstream of an incident are shown with it"),
    # ---------------------------------------------------------------- accounts and sessions
    "PASSWORD_HASH_METHOD": Setting(DEFAULT_HASH_METHOD, "werkzeug method",
                                    "how new passwords are hashed"),
    "API_TOKEN_TTL": Setting(timedelta(days=30), "timedelta", "an API token's lifetime"),
    "SESSION_LIFETIME": Setting(timedelta(hours=12), "timedelta",
                                "a login session's lifetime (one duty shift and a margin)"),
    "PERMANENT_SESSION_LIFETIME": Setting(
        None, "timedelta", "Flask's cookie lifetime: set to SESSION_LIFETIME by init_auth",
        derive=lambda c: c["SESSION_LIFETIME"]),
    "SESSION_COOKIE_NAME": Setting("eec_session", "text", "the session cookie's name"),
    "SESSION_COOKIE_HTTPONLY": Setting(True, "bool", "scripts cannot read the session cookie"),
    "SESSION_COOKIE_SAMESITE": Setting("Lax", "text", "the session cookie's SameSite"),
    "SESSION_COOKIE_SECURE": Setting(
        False, "bool", "cookies over HTTPS only (the intranet default is plain HTTP)",
        env="EEC_SESSION_COOKIE_SECURE", parse=_flag),
    "RATELIMIT_STORAGE_URI": Setting(
        "memory://", "limits storage URI", "where login throttles count (memory: per process)",
        env="EEC_RATELIMIT_STORAGE_URI"),
    "LOGIN_LIMITS_PER_ACCOUNT": Setting(LOGIN_LIMITS_PER_ACCOUNT, "limits string",
                                        "failed logins allowed per account name"),
    "LOGIN_LIMITS_PER_ADDRESS": Setting(LOGIN_LIMITS_PER_ADDRESS, "limits string",
                                        "failed logins allowed per client address"),
    # ---------------------------------------------------------------- scheduler and jobs
    "SCHEDULER_ENABLED": Setting(False, "bool", "this web process embeds the scheduler",
                                 env="EEC_SCHEDULER", parse=_flag),
    # one process holds the lease and runs the jobs; the others stand by
    "SCHEDULER_LEASE_TTL_S": Setting(90.0, "s", "the scheduler lease lasts this long unrenewed",
                                     env="EEC_SCHEDULER_LEASE_TTL_S", parse=float),
    "SCHEDULER_LEASE_RENEW_S": Setting(20.0, "s", "the lease holder renews this often",
                                       env="EEC_SCHEDULER_LEASE_RENEW_S", parse=float),
    "SCHEDULER_WORKERS": Setting(4, "threads", "jobs run at once by the scheduler"),
    "JOB_STALE_AFTER_S": Setting(6 * 3600, "s", "a job run claimed this long ago is abandoned"),
    "INBOX_DIR": Setting(None, "path", "the refresh inbox folder; None: INSTANCE_DIR/inbox",
                         env="EEC_INBOX_DIR"),
    "INBOX_POLL_MINUTES": Setting(5, "min", "how often the inbox is read (0: no inbox job)"),
    "INBOX_SETTLE_S": Setting(10, "s", "a file unchanged this long is complete"),
    # ---------------------------------------------------------------- yearly inventory refresh
    "REFRESH_OPENS": Setting("04-15", "MM-DD", "the refresh campaign opens, every year"),
    "REFRESH_CLOSES": Setting("05-31", "MM-DD", "the refresh campaign closes"),
    "REFRESH_CLOSE_AT": Setting("23:30", "HH:MM", "local time of closing on the closing day"),
    "REFRESH_NEXT_CAMPAIGN_AFTER": Setting(
        None, "MM-DD", "after this day the board looks at next year's campaign; "
        "None: REFRESH_CLOSES"),
    "REFRESH_CAMPAIGN_AT": Setting("08:00", "HH:MM", "daily: open the campaign, remind"),
    "REFRESH_REMIND_EVERY_DAYS": Setting(7, "days", "reminders during the campaign"),
    "REFRESH_REMIND_DAILY_LAST_DAYS": Setting(7, "days", "daily reminders in the last days"),
    "REFRESH_REQUIRED_KINDS": Setting(("risk_sources", "materials"), "inventory kinds",
                                      "what every prefecture must submit"),
    "REFRESH_DRIFT_TOLERANCE_M": Setting(100.0, "m", "a record moved farther is flagged"),
    "INVENTORY_COUNTY_TOLERANCE_M": Setting(
        1_000.0, "m", "a point this close outside its county still counts as in it"),
    "EXPIRY_WARNING_DAYS": Setting(EXPIRY_WARNING_DAYS, "days",
                                   "materials expiring within this are warned about"),
    # ---------------------------------------------------------------- nightly checks
    "NIGHTLY_CHECKS_AT": Setting("02:00", "HH:MM", "daily inventory and roster checks"),
    "NIGHTLY_FINDINGS_LISTED": Setting(100, "findings", "findings listed in a nightly result"),
    "DUTY_GAP_LOOKAHEAD_DAYS": Setting(14, "days", "unfilled duty seats looked for ahead"),
    "FLOOD_SEASON_START": Setting(
        "06-01", "MM-DD", "Jilin's flood season (DOMAIN.md §4); the roster has its own rules"),
    "FLOOD_SEASON_END": Setting("09-30", "MM-DD", "the flood season's last day"),
    "HAZARD_REMINDERS_AT": Setting("08:30", "HH:MM", "daily hazard deadline reminders"),
    "HAZARD_REMIND_BEFORE_DAYS": Setting(7, "days", "hazards due within this are reminded"),
}


def default_config() -> dict:
    """Every declared key at its default, environment variables applied."""
    out: dict[str, Any] = {}
    for key, s in SETTINGS.items():
        raw = os.environ.get(s.env) if s.env else None
        if raw is not None:
            out[key] = s.parse(raw)
        elif s.derive is not None:
            out[key] = s.derive(out)
        else:
            out[key] = s.default
    return out
