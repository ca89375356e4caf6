"""Finding incidents (事件检索): the list's filters and sorting, the 市/县 of each incident, and the
open incidents for the province map. No Flask; reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from emergency.incidents import service
from emergency.store.incident_models import STATUSES, Incident

SORTS = ("discovered", "-discovered", "tier", "status", "title", "county")


@dataclass(frozen=True)
class IncidentQuery:
    text: str | None = None
    status: str | None = None        # reported | responding | terminated | open
    tier: int | None = None
    river: str | None = None
    prefecture: str | None = None
    since: date | None = None
    until: date | None = None
    sort: str = "-discovered"
    drills: bool = False
    limit: int = 500


@dataclass(frozen=True)
class FoundIncident:
    incident: Incident
    lon: float | None
    lat: float | None
    prefecture_zh: str | None
    county_zh: str | None


def _where(ctx: service.EngineContext, session: Session, row: Incident,
           sources: dict) -> FoundIncident:
    lon, lat = row.lon, row.lat
    if (lon is None or lat is None) and row.risk_source_id in sources:
        src = sources[row.risk_source_id]
        lon, lat = src.lon, src.lat
    pref = county = None
    if lon is not None and lat is not None:
        try:
            found = ctx.network.locate(lon, lat)
            pref = found["prefecture"].name_zh if found.get("prefecture") else None
            county = found["county"].name_zh if found.get("county") else None
        except Exception:  # noqa: BLE001 - outside the data: no names
            pass
    return FoundIncident(row, lon, lat, pref, county)


def _day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def find_incidents(session: Session, ctx: service.EngineContext,
                   q: IncidentQuery) -> list[FoundIncident]:
    stmt = select(Incident).where(Incident.is_drill.is_(q.drills))
    if q.status == "open":
        stmt = stmt.where(Incident.status != "terminated")
    elif q.status in STATUSES:
        stmt = stmt.where(Incident.status == q.status)
    if q.tier:
        stmt = stmt.where(Incident.tier_level == q.tier)
    if q.river:
        stmt = stmt.where(Incident.river_name_zh == q.river)
    if q.since:
        stmt = stmt.where(Incident.discovered_at >= _day_start(q.since, ctx.tz))
    if q.until:
        stmt = stmt.where(Incident.discovered_at < _day_start(q.until + timedelta(days=1),
                                                              ctx.tz))
    if q.text:
        like = f"%{q.text}%"
        stmt = stmt.where(or_(Incident.title.ilike(like), Incident.description.ilike(like),
                              Incident.river_name_zh.ilike(like), Incident.substance.ilike(like)))
    rows = list(session.scalars(stmt.order_by(Incident.discovered_at.desc()).limit(q.limit)))
    resources = ctx.resources(session)
    sources = {s.id: s for s in getattr(resources, "risk_sources", ()) or ()}
    found = [_where(ctx, session, r, sources) for r in rows]
    if q.prefecture:
        found = [f for f in found if f.prefecture_zh == q.prefecture]
    key = q.sort.lstrip("-")
    reverse = q.sort.startswith("-")
    far = datetime.min.replace(tzinfo=UTC)
    keys = {
        "discovered": lambda f: service._aware(f.incident.discovered_at) or far,
        "tier": lambda f: f.incident.tier_level or 9,
        "status": lambda f: STATUSES.index(f.incident.status)
        if f.incident.status in STATUSES else 9,
        "title": lambda f: f.incident.title,
        "county": lambda f: (f.prefecture_zh or "~", f.county_zh or "~"),
    }
    found.sort(key=keys.get(key, keys["discovered"]), reverse=reverse)
    return found


def rivers(session: Session, drills: bool = False) -> list[str]:
    """The rivers incidents were reported on (for the list's filter)."""
    return sorted(r for r in session.scalars(
        select(Incident.river_name_zh).where(Incident.is_drill.is_(drills)).distinct()) if r)


def stat_rows(session: Session, ctx: service.EngineContext, year: int | None):
    """One :class:`emergency.incidents.statistics.StatRow` per real incident (never a drill)
    discovered in ``year`` (business time zone), all years when None."""
    from emergency.incidents.statistics import StatRow

    q = IncidentQuery(since=date(year, 1, 1) if year else None,
                      until=date(year, 12, 31) if year else None, limit=100_000)
    out = []
    for f in find_incidents(session, ctx, q):
        sub = ctx.catalogue.get(f.incident.substance)
        out.append(StatRow(
            discovered=service._aware(f.incident.discovered_at).astimezone(ctx.tz).date(),
            tier=f.incident.tier_level, substance_zh=sub.name_zh if sub else f.incident.substance,
            river_zh=f.incident.river_name_zh, prefecture_zh=f.prefecture_zh))
    return out
