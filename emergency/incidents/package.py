"""The response package (响应方案) of one incident: pure computation, no database, no Flask.

Everything the engine needs is loaded before it runs: the river network, the plans (sites on the
river), a resources snapshot (depots, teams), the chemical catalogue and the rule tables. The
flow: snap → downstream trace → plume at every site and crossing → tier, warning, Art. 4 flags
→ reporting clocks and notifications → intercept options → resources → checklist.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from emergency.config import DEFAULT_TZ
from emergency.grading import BoundaryImpact, GradingFacts, IntakeImpact, TierAssessment, grade
from emergency.incidents.inputs import FLOW_LABELS, IncidentInput
from emergency.reporting import (
    Art4Flags,
    BoundaryCrossing,
    NotificationTarget,
    ReportDeadline,
    notification_targets,
    report_deadlines,
)
from emergency.warning import ReceptorForecast, WarningAssessment, assess_warning
from plans.vocabulary import BOUNDARY_LEVELS
from rivers.assimilation import (
    Bands,
    Curves,
    Fit,
    Sample,
    apply_fit,
    ensemble_bands,
    fit_samples,
    unit_peak_exponent,
)
from rivers.network import UNNAMED_EN, UNNAMED_ZH, RiverNetwork, RiverPosition, SnapResult, Trace
from rivers.transport import Reach, plume_along_path

ENSEMBLE_MEMBERS = 1000  # ≥ 1,000 for stable 5 % tails (rivers.assimilation.ensemble_bands)

RULES_PATH = Path(__file__).resolve().parent.parent / "rules" / "response.yaml"


@lru_cache(maxsize=4)
def load_response_rules(path: Path = RULES_PATH) -> dict:
    return yaml.safe_load(path.read_text("utf-8"))


# ------------------------------------------------------------------ what the engine reads
class SiteLike(Protocol):
    id: str
    kind: str
    name_zh: str
    name_en: str | None
    lon: float
    lat: float
    segment: int
    offset_m: float
    attrs: Mapping[str, Any]


class PlansLike(Protocol):
    def sites_on_segment(self, segment_index: int) -> Sequence[SiteLike]: ...
    def plan_for_segment(self, segment_index: int) -> Any: ...


@dataclass(frozen=True)
class PlanUsed:
    id: str
    version: int | None
    kind: str = "river"  # river (一河一策一图) | park (一园一策一图)

    def as_dict(self) -> dict:
        """As an incident records it (``kind`` only for a plan that is not a river's)."""
        return {"id": self.id, "version": self.version} | (
            {"kind": self.kind} if self.kind != "river" else {})


@dataclass(frozen=True)
class Hydraulics:
    """How water moves now: the flow condition or an explicit discharge at the source."""

    flow_condition: str | None
    discharge_at_source_m3s: float
    mean_discharge_at_source_m3s: float
    ratio: float  # Q / Q_a applied along the path


# ------------------------------------------------------------------ results
@dataclass(frozen=True)
class DownstreamItem:
    kind: str
    id: str
    name_zh: str
    name_en: str | None
    km: float
    river_name_zh: str
    lon: float
    lat: float
    front_at: datetime
    front_at_earliest: datetime
    peak_at: datetime
    peak_at_earliest: datetime
    tail_at: datetime
    peak_mg_l: float
    peak_worst_mg_l: float
    limit_mg_l: float | None
    exceeds: bool | None
    worst_exceeds: bool | None
    hours_left: float            # until the earliest front, from ``as_of`` (negative: passed)
    behind_reservoir: bool
    discharge_m3s: float
    attrs: Mapping[str, Any] = field(default_factory=dict)
    # the ensemble's P5–P95 (rivers.assimilation.ensemble_bands) and P(peak > limit)
    front_at_p05: datetime | None = None
    front_at_p95: datetime | None = None
    peak_at_p05: datetime | None = None
    peak_at_p95: datetime | None = None
    peak_mg_l_p05: float | None = None
    peak_mg_l_p95: float | None = None
    p_exceed: float | None = None


@dataclass(frozen=True)
class FitSummary:
    """How the forecast was fitted to the monitoring results (None in the package: unfitted).

    ``fit`` is :class:`rivers.assimilation.Fit` (reach factors, mass and dispersion factors,
    residuals per observed site); ``model_at_samples`` the unfitted forecast at each sample
    (for residuals); ``samples`` what was fitted, in order.
    """

    fit: Fit
    samples: tuple[Sample, ...]
    model_at_samples: Curves
    fitted_at_samples: Curves


@dataclass(frozen=True)
class InterceptOption:
    site: DownstreamItem
    feasible: bool
    rank: int
    needed_hours: float
    available_hours: float
    contaminated_volume_m3: float
    storage_m3: float | None
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]
    techniques: tuple[str, ...]
    ready_by: datetime   # activate before this (earliest front − margin)


@dataclass(frozen=True)
class ResourceOffer:
    kind: str            # 'depot' | 'team'
    id: Any
    name_zh: str
    distance_km: float
    travel_hours: float
    arrives_at: datetime
    in_time: bool
    phone: str | None
    contact_zh: str | None
    items: tuple[dict, ...] = ()  # for depots: relevant items with quantity vs needed
    sample: bool = True


@dataclass(frozen=True)
class SiteResources:
    site_id: str
    site_name_zh: str
    needed: tuple[dict, ...]
    depots: tuple[ResourceOffer, ...]
    teams: tuple[ResourceOffer, ...]


@dataclass(frozen=True)
class ChecklistTemplate:
    """A checklist item as the engine proposes it; persisted state (done/by/at) lives in the DB."""

    id: str
    group: str
    text_zh: str
    text_en: str
    responsible_zh: str
    due_at: datetime | None
    basis_zh: str = ""
    kind: str = ""       # e.g. 'report', 'close_intake', 'activate_intercept', 'sample', 'card'
    #: 立即: the physical deadline (the plume's clock) fell before the moment the action could be
    #: known (discovery, or the recomputation that set it): it is due now, never "overdue".
    immediate: bool = False
    #: the predicted (earliest) arrival of the plume the action races, shown beside 立即
    arrival_at: datetime | None = None


@dataclass(frozen=True)
class ResponsePackage:
    incident: IncidentInput
    as_of: datetime
    substance: Any
    snap: SnapResult
    trace: Trace
    hydraulics: Hydraulics
    downstream: tuple[DownstreamItem, ...]
    tier: TierAssessment
    warning: WarningAssessment
    art4: Art4Flags
    report_deadlines: tuple[ReportDeadline, ...]
    notifications: tuple[NotificationTarget, ...]
    intercept_options: tuple[InterceptOption, ...]
    resources: tuple[SiteResources, ...]
    checklist: tuple[ChecklistTemplate, ...]
    plan_id: str | None
    notes_zh: tuple[str, ...]
    notes_en: tuple[str, ...]
    tz: tzinfo = DEFAULT_TZ  # the business time zone the package was computed in
    fitted: FitSummary | None = None   # the assimilation of monitoring results, if any
    members: int = 0                   # ensemble size behind the P5–P95 bands
    #: For a release inside a chemical park: the three-level assessment
    #: (:class:`emergency.parks.engine.ContainedRelease`); None elsewhere.
    containment: Any = None
    #: The plans (预案) this package used — the response card's and every plan with a site
    #: downstream — with the published version of each (None: a plan read from a file).
    plans_used: tuple[PlanUsed, ...] = ()


# ------------------------------------------------------------------ computation
def compute_package(
    incident: IncidentInput,
    *,
    snap: SnapResult,
    network: RiverNetwork,
    substance: Any,
    plans: PlansLike | None = None,
    resources: Any = None,
    as_of: datetime,
    flow_ratios: Mapping[str, float],
    rules: Mapping[str, Any] | None = None,
    extra_points: Sequence[tuple[str, float, float, RiverPosition]] = (),
    tz: tzinfo = DEFAULT_TZ,
    samples: Sequence[Sample] = (),
    members: int = ENSEMBLE_MEMBERS,
    reaches_river: bool = True,
) -> ResponsePackage:
    """Everything a duty officer needs about ``incident``, as of ``as_of``.

    ``snap`` is where the release enters the river (from the point or the risk source's
    discharge route). ``extra_points`` are (id, lon, lat, position) of queried points. ``tz``
    is the business time zone: deadlines and the texts that name a time are local to it.
    ``samples`` are the valid monitoring results on the path (offsets along this trace, s since
    the release started): all of them are fitted together (:mod:`rivers.assimilation`) and every
    time, concentration, deadline and grade below follows the fitted forecast. ``members``:
    the size of the uncertainty ensemble (0: no bands).
    ``reaches_river`` False: the release is held on land (a park's containment), so nothing
    downstream is affected — the trace is kept for the map, the plume is not computed.
    """
    rules = rules or load_response_rules()
    trace = network.trace_downstream(snap.position)
    hyd = _hydraulics(incident, network, snap.position, flow_ratios)
    reaches = _reaches(network, trace, hyd, ice=incident.flow_condition == "ice")
    candidates = list(_sites_on_trace(network, trace, plans)) if reaches_river else []
    candidates += _crossing_points(trace) if reaches_river else []
    for pid, lon, lat, pos in extra_points if reaches_river else ():
        dist = trace.distance_to(pos)
        if dist is not None:
            candidates.append(("point", pid, "查询点", "queried point", dist, lon, lat, {}, pos))
    candidates.sort(key=lambda c: c[4])
    offsets = np.clip(np.array([c[4] for c in candidates], dtype=float), 1.0, trace.length_m)
    limit = substance.limit_mg_l
    samples = tuple(s for s in samples if 0.0 <= s.offset_m <= trace.length_m + 1.0)
    model, behind = _forecast(incident, substance, hyd, reaches, np.concatenate(
        (offsets, np.clip([s.offset_m for s in samples], 1.0, trace.length_m))))
    at_sites, at_samples = model.take(slice(0, len(offsets))), model.take(
        slice(len(offsets), None))
    fit = fit_samples(samples, at_samples) if samples else None
    fitted = (FitSummary(fit, samples, at_samples, apply_fit(at_samples, fit))
              if fit is not None else None)
    bands = None
    if len(candidates) and members:
        bands = ensemble_bands(at_sites, fit, members=members, limit_mg_l=limit)
    downstream = tuple(_items(candidates, apply_fit(at_sites, fit), behind, bands, network,
                              trace, incident, limit, as_of, reaches, offsets))

    tier = grade(_grading_facts(incident, downstream, limit))
    warning = assess_warning(tier.level, _forecasts(downstream, limit))
    art4 = _art4(incident, substance, downstream)
    deadlines = tuple(report_deadlines(incident.discovered_at, tier.level, art4, tz=tz))
    notify = tuple(notification_targets(
        _notifiable_crossings(downstream, limit, rules), discovered_at=incident.discovered_at,
        tier=tier.level, flags=art4, tz=tz))
    options = tuple(intercept_options(downstream, incident, resources, as_of, rules, substance))
    site_resources = tuple(rank_resources(options, downstream, incident, resources, as_of, rules,
                                          network))
    plan = plans.plan_for_segment(snap.position.segment) if plans is not None else None
    if plan is None and plans is not None:
        plan = next((plans.plan_for_segment(p.segment) for p in trace.pieces
                     if plans.plan_for_segment(p.segment) is not None), None)
    from emergency.incidents.checklist import build_checklist

    checklist = build_checklist(
        incident=incident, substance=substance, downstream=downstream, deadlines=deadlines,
        notifications=notify, options=options, plan=plan, rules=rules, as_of=as_of,
        snap=snap, tier=tier, tz=tz,
    )
    notes_zh, notes_en = _notes(incident, hyd, substance, downstream, snap)
    return ResponsePackage(
        incident=incident, as_of=as_of, substance=substance, snap=snap, trace=trace,
        hydraulics=hyd, downstream=downstream, tier=tier, warning=warning, art4=art4,
        report_deadlines=deadlines, notifications=notify, intercept_options=options,
        resources=site_resources, checklist=checklist,
        plan_id=getattr(plan, "id", None), notes_zh=notes_zh, notes_en=notes_en, tz=tz,
        fitted=fitted, members=members if bands is not None else 0,
        plans_used=_plans_used(plans, plan, downstream),
    )


def forecast_curves(incident: IncidentInput, substance: Any, hyd: Hydraulics,
                    reaches: Sequence[Reach], offsets_m) -> Curves:
    """The unfitted forecast (Jobson 1996) at ``offsets_m`` along the path, as the arrays the
    assimilation works on; times scaled by the incident's stored ``velocity_factor``."""
    return _forecast(incident, substance, hyd, reaches, offsets_m)[0]


def _forecast(incident: IncidentInput, substance: Any, hyd: Hydraulics,
              reaches: Sequence[Reach], offsets_m) -> tuple[Curves, np.ndarray]:
    """The forecast curves and, per offset, whether it lies in or below a reservoir."""
    x = np.asarray(offsets_m, dtype=float)
    decay = float(substance.decay_per_day or 0.0)
    exponent = unit_peak_exponent(hyd.ratio)
    if not len(x):
        e = np.zeros(0)
        return Curves(e, e, e, e, e, e, e, e, exponent=exponent,
                      decay_per_s=decay / 86_400.0), np.zeros(0, dtype=bool)
    plume = plume_along_path(reaches, x, mass_kg=incident.mass_kg, decay_per_day=decay,
                             release_hours=incident.release_hours)
    curves = Curves.from_plume(plume, exponent=exponent, decay_per_day=decay,
                               time_scale=incident.velocity_factor)
    return curves, np.asarray(plume.in_reservoir_or_below, dtype=bool)


def path_reaches(network: RiverNetwork, trace: Trace, hyd: Hydraulics, *, ice: bool
                 ) -> list[Reach]:
    """The reaches of a downstream trace with their hydraulics (public name of _reaches)."""
    return _reaches(network, trace, hyd, ice=ice)


def _plans_used(plans: PlansLike | None, plan: Any, downstream: Sequence[DownstreamItem]
                ) -> tuple[PlanUsed, ...]:
    """The card's plan first, then the plans of the downstream sites, each once."""
    if plans is None:
        return ()
    ids = [plan.id] if plan is not None else []
    for item in downstream:
        if item.kind not in ("boundary", "point") and "/" in item.id:
            pid = item.id.split("/", 1)[0]
            if pid not in ids:
                ids.append(pid)
    by_id = getattr(plans, "plans", {}) or {}
    return tuple(PlanUsed(pid, getattr(by_id.get(pid), "version", None)) for pid in ids)


def _hydraulics(incident: IncidentInput, network: RiverNetwork, pos: RiverPosition,
                flow_ratios: Mapping[str, float]) -> Hydraulics:
    qa = float(network.data.hydraulics["mean_discharge_m3s"][pos.segment])
    if incident.discharge_m3s is not None:
        ratio = incident.discharge_m3s / qa
        return Hydraulics(None, incident.discharge_m3s, qa, ratio)
    ratio = float(flow_ratios[incident.flow_condition or "normal"])
    return Hydraulics(incident.flow_condition, qa * ratio, qa, ratio)


def _reaches(network: RiverNetwork, trace: Trace, hyd: Hydraulics, *, ice: bool) -> list[Reach]:
    h = network.data.hydraulics
    out = []
    for piece in trace.pieces:
        length = piece.to_m - piece.from_m
        if length <= 0:
            continue
        i = piece.segment
        qa = float(h["mean_discharge_m3s"][i])
        volume = float(h["reservoir_volume_m3"][i])
        share = length / float(network.data.length_m[i])
        out.append(Reach(
            length_m=length, discharge_m3s=qa * hyd.ratio, mean_discharge_m3s=qa,
            drainage_area_m2=float(h["area_eff_km2"][i]) * 1e6, slope=float(h["slope"][i]),
            width_m=float(h["width_m"][i]),
            reservoir_volume_m3=volume * share if volume > 0 else None, ice_covered=ice,
        ))
    if not out:  # a release at the very outlet: a token reach keeps the arithmetic defined
        i = trace.start.segment
        out.append(Reach(1.0, float(h["mean_discharge_m3s"][i]) * hyd.ratio,
                         float(h["mean_discharge_m3s"][i]), float(h["area_eff_km2"][i]) * 1e6,
                         float(h["slope"][i]), float(h["width_m"][i])))
    return out


def _sites_on_trace(network: RiverNetwork, trace: Trace, plans: PlansLike | None):
    if plans is None:
        return
    for piece in trace.pieces:
        for site in plans.sites_on_segment(piece.segment):
            if piece.from_offset_m - 1e-6 <= site.offset_m <= piece.to_offset_m + 1e-6:
                dist = piece.from_m + site.offset_m - piece.from_offset_m
                yield (site.kind, site.id, site.name_zh, site.name_en, dist, site.lon, site.lat,
                       dict(site.attrs), RiverPosition(site.segment, site.offset_m))


def _crossing_points(trace: Trace) -> list[tuple]:
    out = []
    for c in trace.crossings:
        label_zh, label_en = BOUNDARY_LEVELS[c.level]
        frm = c.from_unit.name_zh if c.from_unit else "?"
        name_zh = f"{frm}→{c.to_unit.name_zh}{label_zh}"
        frm_en = (c.from_unit.name_en or c.from_unit.name_zh) if c.from_unit else "?"
        name_en = f"{label_en}: {frm_en} → {c.to_unit.name_en or c.to_unit.name_zh}"
        attrs = {"level": c.level, "from_zh": frm, "to_zh": c.to_unit.name_zh,
                 "to_id": c.to_unit.uid, "from_id": c.from_unit.uid if c.from_unit else None,
                 "to_is_jilin": c.to_unit.is_jilin}
        out.append(("boundary", c.to_unit.uid, name_zh, name_en, c.km * 1000,
                    c.lon, c.lat, attrs, None))
    return out


def _items(candidates, curves: Curves, behind: np.ndarray, bands: Bands | None,
           network: RiverNetwork, trace: Trace, incident: IncidentInput, limit: float | None,
           as_of: datetime, reaches: list[Reach], offsets: np.ndarray
           ) -> Iterable[DownstreamItem]:
    """One item per candidate, from the (fitted) forecast ``curves`` and the ensemble."""
    start = incident.occurred_at
    ends = np.cumsum([r.length_m for r in reaches])

    def at(seconds: float) -> datetime:
        return start + timedelta(seconds=float(seconds))

    for k, (kind, sid, name_zh, name_en, dist, lon, lat, attrs, _pos) in enumerate(candidates):
        reach = reaches[min(int(np.searchsorted(ends, offsets[k])), len(reaches) - 1)]
        peak = float(curves.peak_mg_l[k])
        worst = float(curves.peak_worst_mg_l[k])
        front_earliest = at(curves.front_earliest_s[k])
        band = {}
        if bands is not None and _finite_band(bands, k):
            band = dict(
                front_at_p05=at(bands.front_p05_s[k]), front_at_p95=at(bands.front_p95_s[k]),
                peak_at_p05=at(bands.peak_p05_s[k]), peak_at_p95=at(bands.peak_p95_s[k]),
                peak_mg_l_p05=float(bands.peak_mg_l_p05[k]),
                peak_mg_l_p95=float(bands.peak_mg_l_p95[k]),
                p_exceed=None if bands.p_exceed is None else round(float(bands.p_exceed[k]), 3))
        yield DownstreamItem(
            kind=kind, id=sid, name_zh=name_zh, name_en=name_en, km=round(dist / 1000, 2),
            river_name_zh=_river_at(network, trace, dist), lon=lon, lat=lat,
            front_at=at(curves.front_s[k]), front_at_earliest=front_earliest,
            peak_at=at(curves.peak_s[k]), peak_at_earliest=at(curves.peak_earliest_s[k]),
            tail_at=at(curves.tail_s[k]),
            peak_mg_l=peak, peak_worst_mg_l=worst, limit_mg_l=limit,
            exceeds=None if limit is None else peak > limit,
            worst_exceeds=None if limit is None else worst > limit,
            hours_left=round((front_earliest - as_of).total_seconds() / 3600, 2),
            behind_reservoir=bool(behind[k]),
            discharge_m3s=round(reach.discharge_m3s, 2), attrs=attrs, **band,
        )


def _finite_band(bands: Bands, k: int) -> bool:
    """A band is shown only when every bound is a finite number (times within ~300 years)."""
    values = np.array([bands.front_p05_s[k], bands.front_p95_s[k], bands.peak_p05_s[k],
                       bands.peak_p95_s[k], bands.peak_mg_l_p05[k], bands.peak_mg_l_p95[k]])
    return bool(np.all(np.isfinite(values)) and np.all(np.abs(values[:4]) < 1e10))


def _river_at(network: RiverNetwork, trace: Trace, dist_m: float) -> str:
    for reach in trace.reaches:
        if reach.from_km * 1000 <= dist_m <= reach.to_km * 1000 + 1e-6:
            return reach.river_name_zh or UNNAMED_ZH
    return UNNAMED_ZH


def _grading_facts(incident: IncidentInput, downstream: Sequence[DownstreamItem],
                   limit: float | None) -> GradingFacts:
    intakes, boundaries = [], []
    if limit is not None:
        for item in downstream:
            if item.kind in ("intake", "water_source") and item.attrs.get("place_level"):
                intakes.append(IntakeImpact(item.name_zh, str(item.attrs["place_level"]),
                                            item.peak_mg_l, limit))
            elif item.kind == "boundary":
                boundaries.append(BoundaryImpact(
                    item.attrs["level"], item.attrs["from_zh"], item.attrs["to_zh"],
                    item.peak_mg_l, limit, item.km))
    return GradingFacts(
        deaths=incident.deaths, injured=incident.injured, evacuated=incident.evacuated,
        economic_loss_cny=incident.economic_loss_cny, intake_interruptions=tuple(intakes),
        boundary_impacts=tuple(boundaries), sensitive_area=incident.sensitive_area,
        important_period=incident.important_period, public_attention=incident.public_attention,
    )


_WARNING_KIND = {"intake": "intake", "water_source": "intake", "section": "section",
                 "boundary": "boundary"}


def _forecasts(downstream: Sequence[DownstreamItem], limit: float | None) -> list[ReceptorForecast]:
    if limit is None:
        return []
    return [ReceptorForecast(item.name_zh, _WARNING_KIND.get(item.kind, "other"),
                             max(item.hours_left, 0.0), item.peak_mg_l, limit)
            for item in downstream if item.kind != "point"]


def _art4(incident: IncidentInput, substance: Any,
          downstream: Sequence[DownstreamItem]) -> Art4Flags:
    water = any(i.kind in ("intake", "water_source") and i.worst_exceeds for i in downstream)
    cross = any(i.kind == "boundary" and i.attrs.get("level") in ("province", "nation")
                and i.worst_exceeds for i in downstream)
    return Art4Flags(
        drinking_water_source=water,
        residential_school_hospital=incident.residential_school_hospital,
        heavy_metal=bool(substance.heavy_metal_or_metalloid),
        cross_provincial_or_national=cross,
        mass_incident=incident.mass_incident,
    )


def _notifiable_crossings(downstream: Sequence[DownstreamItem], limit: float | None,
                          rules: Mapping[str, Any]) -> list[BoundaryCrossing]:
    out = []
    for item in downstream:
        if item.kind != "boundary":
            continue
        if limit is not None:
            relevant = item.peak_worst_mg_l >= limit * float(rules["notify_fraction_of_limit"])
        else:
            relevant = item.hours_left <= float(rules["notify_horizon_hours_without_limit"])
        if relevant:
            out.append(BoundaryCrossing(item.attrs["level"], item.attrs["from_zh"],
                                        item.attrs["to_zh"], item.front_at_earliest))
    return out


# ------------------------------------------------------------------ intercepts and resources
def travel_hours(distance_km: float, rules: Mapping[str, Any]) -> float:
    return distance_km * float(rules["road_detour_factor"]) / float(rules["road_speed_kmh"])


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance (km); numpy-vectorised over either argument pair."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(
        (lon2 - lon1) / 2) ** 2
    return 6371.0088 * 2 * np.arcsin(np.sqrt(a))


def contaminated_volume_m3(item: DownstreamItem) -> float:
    """Water carrying the plume above the limit past a site: Q × time above the limit.

    The passage is Jobson's triangle (front → peak → 10 % of peak); without a limit, the whole
    passage counts.
    """
    passage_s = (item.tail_at - item.front_at).total_seconds()
    if item.limit_mg_l is None:
        fraction = 1.0
    elif item.peak_mg_l <= item.limit_mg_l:
        return 0.0
    else:
        fraction = 1.0 - item.limit_mg_l / item.peak_mg_l
    return max(passage_s, 0.0) * fraction * item.discharge_m3s


def _nearest_crew_hours(item: DownstreamItem, resources: Any, rules: Mapping[str, Any]
                        ) -> tuple[float, str | None]:
    teams = list(getattr(resources, "teams", ()) or ())
    if not teams:
        return math.nan, None
    dist = haversine_km(np.array([t.lon for t in teams]), np.array([t.lat for t in teams]),
                        item.lon, item.lat)
    k = int(np.argmin(dist))
    return travel_hours(float(dist[k]), rules), teams[k].name_zh


def intercept_options(downstream: Sequence[DownstreamItem], incident: IncidentInput,
                      resources: Any, as_of: datetime, rules: Mapping[str, Any],
                      substance: Any) -> Iterable[InterceptOption]:
    """Intercept sites on the path, feasible (most upstream first) before infeasible.

    Feasible: the earliest front reaches the site no earlier than notification + the nearest
    crew's travel + the site's deploy time + the margin, and (for facilities that hold water)
    the storage covers the contaminated volume. Intakes are listed last as the fallback: close
    the intake and switch to the backup source.
    """
    start = max(as_of, incident.discovered_at)
    suitable = set(getattr(substance, "techniques", ()) or ())
    holding = set(rules["holding_facilities"])
    options = []
    for item in downstream:
        if item.kind not in ("intercept", "intake", "water_source"):
            continue
        fallback = item.kind != "intercept"
        deploy = float(item.attrs.get("deploy_hours") or (0.5 if fallback else 4.0))
        crew_h, crew = _nearest_crew_hours(item, resources, rules)
        crew_h = 0.0 if fallback or math.isnan(crew_h) else crew_h
        margin = float(rules["intake_close_margin_hours" if fallback else "intercept_margin_hours"])
        needed = float(rules["notify_hours"]) + crew_h + deploy + margin
        available = (item.front_at_earliest - start).total_seconds() / 3600
        volume = contaminated_volume_m3(item)
        storage = item.attrs.get("storage_m3")
        techniques = tuple(item.attrs.get("techniques") or ())
        reasons_zh, reasons_en = [], []
        ok_time = available >= needed
        reasons_zh.append(
            f"最早到达前可用 {available:.1f} h,需 {needed:.1f} h(通知 {rules['notify_hours']} h"
            + (f"+队伍({crew})赶赴 {crew_h:.1f} h" if crew_h else "")
            + f"+布设 {deploy:g} h+余量 {margin:g} h)" + (":来得及" if ok_time else ":来不及"))
        reasons_en.append(
            f"{available:.1f} h until the earliest front; {needed:.1f} h needed (notify, "
            f"{'crew travel ' + format(crew_h, '.1f') + ' h, ' if crew_h else ''}deploy "
            f"{deploy:g} h, margin {margin:g} h): " + ("in time" if ok_time else "too late"))
        ok_capacity = True
        if not fallback and item.attrs.get("facility_type") in holding and storage is not None:
            ok_capacity = float(storage) >= volume
            reasons_zh.append(f"库容 {float(storage) / 1e4:.1f} 万m³,"
                              f"超标水量约 {volume / 1e4:.1f} 万m³"
                              + (":可容纳" if ok_capacity else ":不足"))
            reasons_en.append(f"storage {float(storage):,.0f} m³ vs ~{volume:,.0f} m³ above the "
                              "limit: " + ("enough" if ok_capacity else "not enough"))
        if suitable and techniques and not fallback:
            usable = [t for t in techniques if t in suitable]
            if usable:
                reasons_zh.append("适用技术:" + "、".join(usable))
                reasons_en.append(f"suitable techniques: {len(usable)}")
            else:
                reasons_zh.append("该点技术不适用于此污染物")
                reasons_en.append("no technique of this site suits the substance")
                ok_capacity = False
        if fallback:
            backup = item.attrs.get("backup_source_zh")
            reasons_zh.append("兜底措施:关闭取水口"
                              + (f",启用备用水源({backup})" if backup else ""))
            reasons_en.append("fallback: close the intake" + (", switch to the backup source"
                                                               if backup else ""))
        options.append(InterceptOption(
            site=item, feasible=ok_time and ok_capacity, rank=0, needed_hours=round(needed, 2),
            available_hours=round(available, 2), contaminated_volume_m3=round(volume),
            storage_m3=float(storage) if storage is not None else None,
            reasons_zh=tuple(reasons_zh), reasons_en=tuple(reasons_en), techniques=techniques,
            ready_by=item.front_at_earliest - timedelta(hours=margin),
        ))
    options.sort(key=lambda o: (o.site.kind != "intercept", not o.feasible, o.site.km))
    return [InterceptOption(**{**o.__dict__, "rank": k + 1}) for k, o in enumerate(options)]


def rank_resources(options: Sequence[InterceptOption], downstream: Sequence[DownstreamItem],
                   incident: IncidentInput, resources: Any, as_of: datetime,
                   rules: Mapping[str, Any], network: RiverNetwork,
                   limit_sites: int = 3) -> Iterable[SiteResources]:
    """Depots and teams by travel time to the best intercept sites, with what they hold."""
    depots = list(getattr(resources, "depots", ()) or ())
    teams = list(getattr(resources, "teams", ()) or ())
    if not (depots or teams):
        return []
    chosen = [o for o in options if o.site.kind == "intercept" and o.feasible][:limit_sites]
    if not chosen:
        chosen = [o for o in options if o.site.kind == "intercept"][:1]
    start = max(as_of, incident.discovered_at) + timedelta(hours=float(rules["notify_hours"]))
    out = []
    for option in chosen:
        item = option.site
        needed = _needed_materials(option, incident, rules, network)
        offers_d = _offers("depot", depots, item, start, option.ready_by, rules, needed)
        offers_t = _offers("team", teams, item, start, option.ready_by, rules, ())
        out.append(SiteResources(item.id, item.name_zh, tuple(needed), offers_d[:5],
                                 offers_t[:5]))
    return out


def _needed_materials(option: InterceptOption, incident: IncidentInput,
                      rules: Mapping[str, Any], network: RiverNetwork) -> list[dict]:
    width = float(option.site.attrs.get("width_m") or 50.0)
    totals: dict[tuple[str, str], float] = {}
    for technique in option.techniques:
        for need in rules["materials_needed"].get(technique) or ():
            qty = (float(need.get("per_kg_released", 0)) * incident.mass_kg
                   + float(need.get("per_m_width", 0)) * width + float(need.get("fixed", 0)))
            key = (need["item"], need["unit"])
            totals[key] = max(totals.get(key, 0.0), qty)
    return [{"item": k[0], "unit": k[1], "quantity": round(v, 1)} for k, v in totals.items()]


def _offers(kind: str, units: Sequence[Any], item: DownstreamItem, start: datetime,
            ready_by: datetime, rules: Mapping[str, Any], needed: Sequence[dict]
            ) -> tuple[ResourceOffer, ...]:
    if not units:
        return ()
    dist = haversine_km(np.array([u.lon for u in units]), np.array([u.lat for u in units]),
                        item.lon, item.lat)
    offers = []
    wanted = {n["item"] for n in needed}
    for k in np.argsort(dist)[:12]:
        u = units[int(k)]
        hours = travel_hours(float(dist[k]), rules)
        arrives = start + timedelta(hours=hours)
        held = ()
        if kind == "depot":
            held = tuple({"item": it.item, "category": it.category, "quantity": it.quantity,
                          "unit": it.unit, "expiry": it.expiry.isoformat() if it.expiry else None,
                          "needed": next((n["quantity"] for n in needed if n["item"] == it.item),
                                         None)}
                         for it in u.items if not wanted or it.item in wanted)
        offers.append(ResourceOffer(
            kind=kind, id=u.id, name_zh=u.name_zh, distance_km=round(float(dist[k]), 1),
            travel_hours=round(hours, 2), arrives_at=arrives, in_time=arrives <= ready_by,
            phone=getattr(u, "phone", None),
            contact_zh=getattr(u, "contact_zh", None) or getattr(u, "leader_zh", None),
            items=held, sample=bool(getattr(u, "sample", True)),
        ))
    if kind == "depot" and wanted:
        offers.sort(key=lambda o: (not o.items, o.travel_hours))
    return tuple(offers)


def _notes(incident: IncidentInput, hyd: Hydraulics, substance: Any,
           downstream: Sequence[DownstreamItem], snap: SnapResult) -> tuple[tuple, tuple]:
    zh, en = [], []
    if hyd.flow_condition:
        label_zh, label_en = FLOW_LABELS[hyd.flow_condition]
        how_zh = "按发生月份默认" if incident.flow_chosen_from_date else "按上报"
        how_en = "chosen from the month" if incident.flow_chosen_from_date else "as reported"
        zh.append(f"水情:{label_zh}({how_zh}),事发处流量约 {hyd.discharge_at_source_m3s:.1f} m³/s"
                  f"(多年平均 {hyd.mean_discharge_at_source_m3s:.1f} m³/s 的 {hyd.ratio:.2f} 倍)")
        en.append(f"flow: {label_en} ({how_en}), about {hyd.discharge_at_source_m3s:.1f} m³/s at "
                  f"the source ({hyd.ratio:.2f} × the mean {hyd.mean_discharge_at_source_m3s:.1f})")
    else:
        zh.append(f"流量:按上报 {hyd.discharge_at_source_m3s:.1f} m³/s")
        en.append(f"discharge as reported: {hyd.discharge_at_source_m3s:.1f} m³/s")
    if incident.flow_condition == "ice":
        zh.append("冰封期:经验公式针对明渠,冰下流速和混合可能偏离预测,须以实测校正")
        en.append("ice cover: the relations are for open channels; correct with measurements")
    if substance.limit_mg_l is None:
        zh.append(f"{substance.name_zh} 无地表水标准限值:是否超标须结合监测判断,"
                  "分级未考虑取水口和跨界超标")
        en.append(f"{substance.name_en} has no surface-water limit: exceedance-based grading "
                  "criteria could not be applied")
    if any(i.behind_reservoir for i in downstream):
        zh.append("水库/湖泊下游的到达时间和浓度按完全混合水库估算,不确定性大,应结合闸坝调度")
        en.append("below a reservoir, times and concentrations assume a fully mixed reservoir: "
                  "uncertain; coordinate with dam operation")
    if snap.warning_zh:
        zh.append(snap.warning_zh)
        en.append(snap.warning_en or "")
    zh.append("到达时间和浓度为 Jobson(1996)经验公式预测,须以应急监测结果校正")
    en.append("arrival times and concentrations are Jobson (1996) predictions: correct them "
              "with monitoring results")
    return tuple(zh), tuple(en)


__all__ = ["compute_package", "ResponsePackage", "DownstreamItem", "InterceptOption",
           "ChecklistTemplate", "load_response_rules", "UNNAMED_EN", "FitSummary",
           "forecast_curves", "path_reaches", "ENSEMBLE_MEMBERS"]
