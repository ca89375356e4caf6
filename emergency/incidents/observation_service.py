"""Monitoring-result use cases (应急监测数据): record, void, import, the fit — no Flask here.

Every valid result of an incident is fitted together each time its package is computed
(:mod:`rivers.assimilation`, via :func:`emergency.incidents.service.package_for`), so adding
or voiding a result re-fits everything; deadlines and grading follow (``_sync``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from emergency.incidents.inputs import FieldProblem, InvalidIncident
from emergency.incidents.observations import (
    Doubt,
    ImplausibleObservation,
    ObservationInput,
    parse_observation,
    plausibility,
)
from emergency.incidents.package import (
    ENSEMBLE_MEMBERS,
    ResponsePackage,
    forecast_curves,
    path_reaches,
)
from emergency.incidents.service import (
    EngineContext,
    NotFound,
    _event,
    _local,
    _sync,
    get_incident,
    input_from_row,
    now_for,
    package_for,
)
from emergency.store.incident_models import Incident, Observation
from rivers.assimilation import series_bands

MAX_VOID_REASON = 500


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Placed:
    """Where a result lies: its name, point and km along the path (None: not downstream)."""

    name_zh: str
    lon: float
    lat: float
    km: float | None


def _place(ctx: EngineContext, pkg: ResponsePackage, obs: ObservationInput) -> Placed:
    if obs.site_id:
        item = next((i for i in pkg.downstream if i.id == obs.site_id), None) or next(
            (i for i in pkg.downstream if i.name_zh == obs.site_id), None)
        if item is None:
            raise InvalidIncident([FieldProblem("site_id", "该点位不在污染团下游路径上",
                                                "that site is not on the plume's downstream "
                                                "path")])
        return Placed(obs.name_zh or item.name_zh, item.lon, item.lat, item.km)
    snap = ctx.network.snap(obs.lon, obs.lat, max_distance_m=ctx.snap_max_m)
    dist = pkg.trace.distance_to(snap.position)
    return Placed(obs.name_zh or "监测点", obs.lon, obs.lat,
                  None if dist is None else round(dist / 1000, 2))


def _earliest_front_s(ctx: EngineContext, pkg: ResponsePackage, km: float | None
                      ) -> float | None:
    if km is None:
        return None
    reaches = path_reaches(ctx.network, pkg.trace, pkg.hydraulics,
                           ice=pkg.incident.flow_condition == "ice")
    offset = min(max(km * 1000.0, 1.0), pkg.trace.length_m)
    curves = forecast_curves(pkg.incident, pkg.substance, pkg.hydraulics, reaches, [offset])
    return float(curves.front_earliest_s[0])


def _checked(ctx: EngineContext, pkg: ResponsePackage, obs: ObservationInput, now: datetime
             ) -> tuple[Placed, list[Doubt]]:
    place = _place(ctx, pkg, obs)
    doubts = plausibility(obs, km=place.km, occurred_at=pkg.incident.occurred_at, now=now,
                          earliest_front_s=_earliest_front_s(ctx, pkg, place.km), tz=ctx.tz)
    return place, doubts


def _store(row: Incident, obs: ObservationInput, place: Placed, doubts: list[Doubt], *,
           actor: str, now: datetime, source: str) -> Observation:
    stored = Observation(
        site_id=obs.site_id, name_zh=place.name_zh, lon=place.lon, lat=place.lat, km=place.km,
        observed_at=obs.observed_at, concentration_mg_l=obs.concentration_mg_l,
        front_detected=obs.front_detected, note=obs.note, recorded_by=actor, recorded_at=now,
        parameter=obs.parameter, not_detected=obs.not_detected,
        detection_limit_mg_l=obs.detection_limit_mg_l, source=source,
        doubts=[d.as_dict() for d in doubts] or None,
        confirmed_by=actor if doubts else None)
    row.observations.append(stored)
    return stored


def _log_observation(ctx: EngineContext, row: Incident, stored: Observation, limit, actor: str,
                     now: datetime, doubts: list[Doubt]) -> None:
    where = f"{stored.name_zh}" + (f"(km {stored.km:g})" if stored.km is not None else "(非下游)")
    value = (f"未检出(检出限 {stored.detection_limit_mg_l:g} mg/L)" if stored.not_detected
             else f"浓度 {stored.concentration_mg_l:g} mg/L")
    value_en = (f"not detected (< {stored.detection_limit_mg_l:g} mg/L)" if stored.not_detected
                else f"{stored.concentration_mg_l:g} mg/L")
    _event(row, actor, "observation",
           f"监测:{where}{_local(stored.observed_at, ctx.tz)} {value}"
           + (f"(限值 {limit:g})" if limit else "")
           + (",检出污染团前锋" if stored.front_detected else ""),
           f"measured {value_en} at "
           + (f"km {stored.km:g}" if stored.km is not None else "a point not downstream"),
           now, km=stored.km, concentration=stored.concentration_mg_l)
    if doubts:
        _event(row, actor, "observation_confirmed",
               f"{actor} 确认接受存疑监测数据({stored.name_zh}):"
               + ";".join(d.message_zh for d in doubts),
               f"{actor} confirmed an implausible result ({stored.name_zh}): "
               + "; ".join(d.message_en for d in doubts), now,
               doubts=[d.code for d in doubts])


def _refit(ctx: EngineContext, session: Session, row: Incident, actor: str, now: datetime,
           before: ResponsePackage | None) -> ResponsePackage:
    """Recompute the package with every valid result; log what the fit says."""
    session.flush()
    pkg = package_for(ctx, session, input_from_row(row), now, row=row)
    fit = pkg.fitted.fit if pkg.fitted is not None else None
    if fit is not None:
        factors = ",".join(f"km {s.offset_m / 1000:g}: ×{s.reach_factor:.2f}" for s in fit.sites)
        _event(row, "system", "refit",
               f"按 {fit.n_used} 个监测结果重新拟合:分段传播时间系数 {factors or '—'};"
               f"等效泄漏量系数 ×{fit.mass_factor:.2f}",
               f"re-fitted to {fit.n_used} results: reach factors {factors or '-'}; "
               f"effective mass × {fit.mass_factor:.2f}", now, n=fit.n_used,
               mass_factor=round(fit.mass_factor, 3))
    elif before is not None and before.fitted is not None:
        _event(row, "system", "refit", "已无有效监测结果:恢复为未经校正的预测",
               "no valid results left: back to the uncorrected forecast", now)
    _sync(row, pkg, actor, now)
    row.updated_at = now
    session.flush()
    return pkg


def record_observation(session: Session, ctx: EngineContext, incident_id: int, data: Any, *,
                       actor: str, now: datetime, drills: bool | None = False,
                       source: str = "manual") -> tuple[Observation, ResponsePackage]:
    """Record a result: checked for form (422 InvalidIncident) and plausibility (422
    ImplausibleObservation unless confirmed; a confirmation is logged), then everything
    re-fits. Returns the stored result and the re-fitted package."""
    row = get_incident(session, incident_id, drills=drills)
    now = now_for(ctx, row, now)
    obs = parse_observation(data, tz=ctx.tz)
    before = package_for(ctx, session, input_from_row(row), now, row=row)
    place, doubts = _checked(ctx, before, obs, now)
    if doubts and not obs.confirm_implausible:
        raise ImplausibleObservation(doubts)
    stored = _store(row, obs, place, doubts, actor=actor, now=now, source=source)
    _log_observation(ctx, row, stored, before.substance.limit_mg_l, actor, now, doubts)
    pkg = _refit(ctx, session, row, actor, now, before)
    return stored, pkg


def void_observation(session: Session, ctx: EngineContext, incident_id: int,
                     observation_id: int, data: Any, *, actor: str, now: datetime,
                     drills: bool | None = False) -> tuple[Observation, ResponsePackage]:
    """Void a result with a reason: kept (struck through), excluded from the fit, logged."""
    row = get_incident(session, incident_id, drills=drills)
    now = now_for(ctx, row, now)
    stored = next((o for o in row.observations if o.id == observation_id), None)
    if stored is None:
        raise NotFound(f"监测结果 {observation_id}", f"observation {observation_id}")
    reason = data.get("reason") if isinstance(data, dict) else None
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_VOID_REASON:
        raise InvalidIncident([FieldProblem(
            "reason", f"须说明作废原因(不超过 {MAX_VOID_REASON} 字)",
            f"give the reason (at most {MAX_VOID_REASON} characters)")])
    if stored.voided_at is not None:
        raise InvalidIncident([FieldProblem("observation", "该监测结果已作废",
                                            "that result is already void")])
    before = package_for(ctx, session, input_from_row(row), now, row=row)
    stored.voided_at, stored.voided_by, stored.void_reason = now, actor, reason.strip()
    _event(row, actor, "observation_voided",
           f"作废监测结果:{stored.name_zh} {_local(stored.observed_at, ctx.tz)}"
           f"(原因:{reason.strip()})",
           f"voided the result at {stored.name_zh} ({reason.strip()})", now,
           observation=stored.id, reason=reason.strip())
    pkg = _refit(ctx, session, row, actor, now, before)
    return stored, pkg


@dataclass(frozen=True)
class RowProblem:
    """A problem with one row (1-based, as the spreadsheet shows it) and column of an import."""

    row: int
    column: str
    message_zh: str
    message_en: str


class ImportRefused(ValueError):
    """An import with problems: nothing was saved (all-or-nothing)."""

    code = "import_refused"

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems
        self.message_zh = f"导入未执行:{len(problems)} 处问题,请修改后重新上传(未保存任何数据)"
        self.message_en = (f"nothing imported: {len(problems)} problem(s); fix them and upload "
                           "again")


def record_many(session: Session, ctx: EngineContext, incident_id: int,
                bodies: Sequence[tuple[int, dict]], *, actor: str, now: datetime,
                drills: bool | None = False, source: str = "import",
                confirm_implausible: bool = False, prior: Sequence[RowProblem] = ()
                ) -> tuple[list[Observation], ResponsePackage]:
    """Record many results at once, all or nothing: every row is checked first (form and
    plausibility against the same forecast); any problem → :class:`ImportRefused` listing
    each row and column, nothing saved. ``bodies`` are (row number, JSON-like body);
    ``prior`` the problems already found in the file (reported together)."""
    row = get_incident(session, incident_id, drills=drills)
    now = now_for(ctx, row, now)
    before = package_for(ctx, session, input_from_row(row), now, row=row)
    problems: list[RowProblem] = list(prior)
    checked = []
    for number, body in bodies:
        try:
            obs = parse_observation(body, tz=ctx.tz)
            place, doubts = _checked(ctx, before, obs, now)
        except InvalidIncident as err:
            problems += [RowProblem(number, p.field, p.message_zh, p.message_en)
                         for p in err.problems]
            continue
        except Exception as err:  # an unusable point: snap refusals carry zh/en messages
            zh = getattr(err, "message_zh", None)
            if zh is None:
                raise
            problems.append(RowProblem(number, "location", zh, getattr(err, "message_en", zh)))
            continue
        if doubts and not (confirm_implausible or obs.confirm_implausible):
            problems += [RowProblem(number, d.code, d.message_zh, d.message_en) for d in doubts]
            continue
        checked.append((obs, place, doubts))
    if not bodies and not problems:
        problems.append(RowProblem(0, "file", "文件中没有数据行", "the file has no data rows"))
    if problems:
        raise ImportRefused(problems)
    stored = []
    for obs, place, doubts in checked:
        one = _store(row, obs, place, doubts, actor=actor, now=now, source=source)
        session.flush()
        _log_observation(ctx, row, one, before.substance.limit_mg_l, actor, now, doubts)
        stored.append(one)
    _event(row, actor, "observations_imported",
           f"导入监测结果 {len(stored)} 条({source})",
           f"imported {len(stored)} results ({source})", now, n=len(stored), source=source)
    pkg = _refit(ctx, session, row, actor, now, before)
    return stored, pkg


@dataclass(frozen=True)
class SiteSeries:
    """Concentration against time at one downstream item: the fitted forecast (``mid``) with
    the ensemble's P5–P95, the limit, and the results recorded there."""

    item: Any
    times: list[datetime]
    p05: list[float]
    mid: list[float]
    p95: list[float]
    observations: list[Observation]
    members: int


SERIES_POINTS = 121


def series_at(session: Session, ctx: EngineContext, incident_id: int, site_id: str,
              now: datetime, *, members: int = ENSEMBLE_MEMBERS) -> SiteSeries:
    """The chart of one site: forecast with its band and the observations (NotFound: the site
    is not downstream)."""
    row, pkg = fit_of(session, ctx, incident_id, now)
    item = next((i for i in pkg.downstream if i.id == site_id and i.kind != "point"), None)
    if item is None:
        raise NotFound(f"下游点位 {site_id}", f"downstream site {site_id}")
    inc = pkg.incident
    reaches = path_reaches(ctx.network, pkg.trace, pkg.hydraulics,
                           ice=inc.flow_condition == "ice")
    offset = min(max(item.km * 1000.0, 1.0), pkg.trace.length_m)
    curves = forecast_curves(inc, pkg.substance, pkg.hydraulics, reaches, [offset])
    fit = pkg.fitted.fit if pkg.fitted is not None else None
    start_s = max(((item.front_at_p05 or item.front_at_earliest) - inc.occurred_at)
                  .total_seconds() * 0.8, 0.0)
    end_s = max(((item.peak_at_p95 or item.tail_at) - inc.occurred_at).total_seconds(),
                (item.tail_at - inc.occurred_at).total_seconds()) * 1.3
    here = [o for o in row.observations
            if o.km is not None and (o.site_id == item.id or abs(o.km - item.km) < 0.1)]
    for o in here:
        t = (_aware(o.observed_at) - inc.occurred_at).total_seconds()
        end_s = max(end_s, t * 1.05)
        start_s = min(start_s, max(t * 0.95, 0.0))
    times_s = np.linspace(start_s, max(end_s, start_s + 3600.0), SERIES_POINTS)
    lo, mid, hi = series_bands(curves, fit, times_s, members=members)
    return SiteSeries(item=item, times=[inc.occurred_at + timedelta(seconds=float(t))
                                        for t in times_s],
                      p05=[float(v) for v in lo[0]], mid=[float(v) for v in mid[0]],
                      p95=[float(v) for v in hi[0]], observations=here, members=members)


def fit_of(session: Session, ctx: EngineContext, incident_id: int, now: datetime
           ) -> tuple[Incident, ResponsePackage]:
    """The incident and its fitted package (``pkg.fitted``: None without valid results)."""
    row = get_incident(session, incident_id, drills=None)
    return row, package_for(ctx, session, input_from_row(row), now_for(ctx, row, now), row=row)


__all__ = ["record_observation", "void_observation", "record_many", "fit_of", "ImportRefused",
           "RowProblem", "ImplausibleObservation", "series_at", "SiteSeries"]
