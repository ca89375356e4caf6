"""Source tracing use case (溯源) and the automatic stations as data — no Flask here.

Stations (水质自动监测站): the plans' monitoring sections (kind ``section``), sample data
(示例) like the plans themselves, each snapped onto its river; a station is named by its plan
site id. Tracing reads the inventories' risk sources (with what they hold and where their water
enters the river) and the flow condition of the month of the detection (or the one given).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from emergency.incidents.inputs import (
    FLOW_CONDITIONS,
    FieldProblem,
    InvalidIncident,
    parse_time,
)
from emergency.incidents.package import Hydraulics, path_reaches
from emergency.incidents.service import EngineContext
from emergency.monitoring.tracing import (
    CleanReading,
    Detection,
    SourceCandidate,
    TraceHit,
    trace_sources,
)
from rivers.network import RiverPosition

FUTURE_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class Station:
    """An automatic water-quality station (sample: at a plan's monitoring section)."""

    id: str
    name_zh: str
    river_zh: str
    lon: float
    lat: float
    position: RiverPosition
    level: str | None
    sample: bool = True


def stations(ctx: EngineContext) -> list[Station]:
    """The sample stations: one at every monitoring section of the plans."""
    plans = ctx.plans()
    out = []
    for plan in getattr(plans, "plans", {}).values():
        for site in plan.sites_of_kind("section"):
            out.append(Station(site.id, site.name_zh, plan.river_name_zh, site.lon, site.lat,
                               RiverPosition(site.segment, site.offset_m),
                               str(site.attrs.get("level") or "") or None, plan.sample))
    return out


@dataclass(frozen=True)
class TraceResult:
    detection: Detection
    where_zh: str
    flow_condition: str
    hits: list[TraceHit]


def _position(ctx: EngineContext, data: dict, problems: list[FieldProblem], prefix: str = ""
              ) -> tuple[RiverPosition | None, str]:
    sid = data.get("station_id")
    if sid not in (None, ""):
        found = next((s for s in stations(ctx) if s.id == sid), None)
        if found is None:
            problems.append(FieldProblem(prefix + "station_id", f"没有编号为 {sid!r} 的自动站",
                                         f"no station {sid!r}"))
            return None, ""
        return found.position, found.name_zh
    try:
        lon, lat = float(data["lon"]), float(data["lat"])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError
    except (KeyError, TypeError, ValueError):
        problems.append(FieldProblem(prefix + "location", "须给出自动站(station_id)或经纬度",
                                     "give a station_id or lon and lat"))
        return None, ""
    snap = ctx.network.snap(lon, lat, max_distance_m=ctx.snap_max_m)
    return snap.position, snap.river_name_zh or "监测点"


def trace(session: Session, ctx: EngineContext, data: Any, *, now: datetime) -> TraceResult:
    """Rank the upstream risk sources for a detection (422 InvalidIncident on bad input)."""
    if not isinstance(data, dict):
        raise InvalidIncident([FieldProblem("body", "请求体须为 JSON 对象", "not a JSON object")])
    problems: list[FieldProblem] = []
    position, where = _position(ctx, data, problems)
    substance = ctx.catalogue.get(str(data.get("substance") or ""))
    if substance is None:
        problems.append(FieldProblem("substance", "化学品目录中没有该物质",
                                     "not in the chemical catalogue"))
    try:
        conc = float(data.get("concentration_mg_l"))
        if not math.isfinite(conc) or conc <= 0:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(FieldProblem("concentration_mg_l", "浓度须为 > 0 的数字(mg/L)",
                                     "concentration must be a number > 0 (mg/L)"))
        conc = 0.0
    try:
        observed_at = parse_time(data.get("observed_at"), ctx.tz)
        if observed_at > now + FUTURE_GRACE:
            problems.append(FieldProblem("observed_at", "监测时间晚于当前时间",
                                         "observed in the future"))
    except (TypeError, ValueError):
        problems.append(FieldProblem("observed_at", "缺少或无效的监测时间(ISO 8601)",
                                     "missing or invalid observed_at"))
        observed_at = now
    flow = data.get("flow_condition") or ctx.season_by_month[observed_at.astimezone(ctx.tz).month]
    if flow not in FLOW_CONDITIONS:
        problems.append(FieldProblem("flow_condition", f"水情须为 {' / '.join(FLOW_CONDITIONS)}",
                                     f"must be one of {', '.join(FLOW_CONDITIONS)}"))
    clean: list[CleanReading] = []
    for k, item in enumerate(data.get("clean") or []):
        if not isinstance(item, dict):
            problems.append(FieldProblem(f"clean[{k}]", "须为对象", "must be an object"))
            continue
        pos, name = _position(ctx, item, problems, prefix=f"clean[{k}].")
        try:
            at = parse_time(item.get("observed_at"), ctx.tz)
        except (TypeError, ValueError):
            problems.append(FieldProblem(f"clean[{k}].observed_at", "时间无效", "invalid time"))
            continue
        if pos is not None:
            clean.append(CleanReading(pos, at, str(item.get("name_zh") or name)))
    if problems:
        raise InvalidIncident(problems)
    ratio = float(ctx.flow_ratios[flow])
    hyd = Hydraulics(flow, 0.0, 0.0, ratio)

    def reaches_of(trace):
        return path_reaches(ctx.network, trace, hyd, ice=flow == "ice")

    resources = ctx.resources(session)
    candidates = []
    for src in getattr(resources, "risk_sources", ()) or ():
        entry = ctx.network.snap(src.entry_lon, src.entry_lat, segment_id=src.entry_seg_id,
                                 max_distance_m=ctx.snap_max_m)
        classes = tuple({getattr(ctx.catalogue.get(sid), "pollutant_class", None)
                         for sid, _q in src.substances} - {None})
        candidates.append(SourceCandidate(src.id, src.name_zh, entry.position,
                                          tuple(src.substances), classes, src.sample))
    detection = Detection(position, observed_at, conc, substance.id,
                          substance.pollutant_class, float(substance.decay_per_day or 0.0))
    hits = trace_sources(detection, candidates, network=ctx.network, reaches_of=reaches_of,
                         now=now, clean=clean)
    return TraceResult(detection, where, flow, hits)


__all__ = ["Station", "stations", "trace", "TraceResult"]
