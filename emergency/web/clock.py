"""The business clock of a request (业务时钟): ``FIXED_NOW`` when tests or drills pin it, else now.

One place for every blueprint (the jobs read the same setting through
:meth:`emergency.jobs.context.JobContext.now`). Times are aware, in ``TIMEZONE``
(Asia/Shanghai by default); a naive ``FIXED_NOW`` is read in that zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def now() -> datetime:
    fixed = current_app.config["FIXED_NOW"]
    if isinstance(fixed, datetime):
        return fixed if fixed.tzinfo else fixed.replace(tzinfo=tz())
    return datetime.now(tz())


def today() -> date:
    return now().astimezone(tz()).date()


def iso(value: datetime | None) -> str | None:
    """A time as the API writes it: ISO 8601 to the minute, in ``TIMEZONE``. A naive time is
    UTC (SQLite returns stored times without their zone)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz()).isoformat(timespec="minutes")
