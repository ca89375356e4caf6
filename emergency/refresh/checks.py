"""Nightly checks of the live inventory (每日核查). Pure: records, plans, network in; findings out.

* materials past their expiry date, or within ``expiry_warning_days`` of it (调得出、用得上);
* risk sources and depots not confirmed this season (核实日期 before the latest campaign opened,
  or empty);
* coordinates that drifted from their river, measured with the river network's snap distance
  (metres, :meth:`rivers.network.RiverNetwork.snap`):

  - a risk source's discharge point (outfall, else the site) is snapped again onto the segment
    recorded as its river entry; the record is flagged when that segment no longer exists, when
    the point is now beyond the snapping distance, or when the distance differs from the one
    recorded at validation by more than ``drift_tolerance_m`` (the coordinates or the network
    changed since the entry was computed); an outfall (which sits on the bank) farther than
    ``snap_warn_m`` from its river is flagged too;
  - an intercept site of a river plan (拦截点: sluice, dam, weir …) must sit on its river: it is
    flagged when its snap distance onto its own river exceeds ``snap_warn_m``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from emergency.inventory.records import DepotRecord, RiskSourceRecord
from rivers.exceptions import RiverError
from rivers.network import SNAP_MAX_DISTANCE_M, SNAP_WARN_DISTANCE_M, RiverNetwork


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to look at: what, where, and why (zh/en)."""

    check: str            # expired | expiring | unconfirmed | drift
    prefecture_zh: str | None
    subject: str          # risk_source | depot | intercept_site
    label: str
    detail_zh: str
    detail_en: str
    value: str | None = None


@dataclass(frozen=True)
class CheckSettings:
    today: date
    season_start: date
    expiry_warning_days: int = 90
    snap_max_m: float = SNAP_MAX_DISTANCE_M
    snap_warn_m: float = SNAP_WARN_DISTANCE_M
    drift_tolerance_m: float = 100.0


@dataclass
class NightlyFindings:
    findings: list[Finding] = field(default_factory=list)

    def of(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]

    def counts(self) -> dict[str, int]:
        out = {"expired": 0, "expiring": 0, "unconfirmed": 0, "drift": 0}
        for f in self.findings:
            out[f.check] += 1
        return out

    def by_prefecture(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for f in self.findings:
            row = out.setdefault(f.prefecture_zh or "", {"expired": 0, "expiring": 0,
                                                          "unconfirmed": 0, "drift": 0})
            row[f.check] += 1
        return out

    def as_dict(self, limit: int = 500) -> dict:
        """Counts in full, findings up to ``limit`` per check (for the job run's result)."""
        listed: dict[str, list[dict]] = {}
        for f in self.findings:
            bucket = listed.setdefault(f.check, [])
            if len(bucket) < limit:
                bucket.append(asdict(f))
        return {"counts": self.counts(), "by_prefecture": self.by_prefecture(),
                "findings": listed}


def expiry_findings(depots: Iterable[DepotRecord], s: CheckSettings) -> list[Finding]:
    out = []
    soon = s.today + timedelta(days=s.expiry_warning_days)
    for d in depots:
        for it in d.items:
            if it.expiry is None or it.expiry > soon:
                continue
            label = f"{d.name}({d.county_zh}):{it.item}"
            if it.expiry < s.today:
                out.append(Finding("expired", d.prefecture_zh, "depot", label,
                                   f"已过有效期({it.expiry.isoformat()})",
                                   f"past its expiry date ({it.expiry.isoformat()})",
                                   it.expiry.isoformat()))
            else:
                days = (it.expiry - s.today).days
                out.append(Finding("expiring", d.prefecture_zh, "depot", label,
                                   f"{days} 天后过期({it.expiry.isoformat()})",
                                   f"expires in {days} days ({it.expiry.isoformat()})",
                                   it.expiry.isoformat()))
    return out


def unconfirmed_findings(records: Iterable[RiskSourceRecord | DepotRecord], s: CheckSettings
                         ) -> list[Finding]:
    out = []
    for r in records:
        if r.confirmed_at is not None and r.confirmed_at >= s.season_start:
            continue
        subject = "depot" if isinstance(r, DepotRecord) else "risk_source"
        when = r.confirmed_at.isoformat() if r.confirmed_at else None
        out.append(Finding(
            "unconfirmed", r.prefecture_zh, subject, f"{r.name}({r.county_zh})",
            f"本季未核实(上次核实:{when or '无'};本季自 {s.season_start.isoformat()} 起)",
            f"not confirmed this season (last: {when or 'never'}; season from "
            f"{s.season_start.isoformat()})", when))
    return out


def risk_source_drift(network: RiverNetwork, sources: Iterable[RiskSourceRecord],
                      s: CheckSettings) -> list[Finding]:
    out = []
    for r in sources:
        has_outfall = r.outfall_lon is not None and r.outfall_lat is not None
        lon, lat = (r.outfall_lon, r.outfall_lat) if has_outfall else (r.lon, r.lat)
        label = f"{r.name}({r.county_zh})"

        def flag(zh: str, en: str, value: str | None = None, _label: str = label,
                 _r: RiskSourceRecord = r) -> None:
            out.append(Finding("drift", _r.prefecture_zh, "risk_source", _label, zh, en, value))

        try:
            snapped = network.snap(float(lon), float(lat),  # type: ignore[arg-type]
                                   max_distance_m=s.snap_max_m, warn_distance_m=s.snap_warn_m,
                                   segment_id=r.entry_seg_id)
        except RiverError as exc:
            flag(f"入河河段 {r.entry_seg_id} 已无法接入:{exc.message_zh}",
                 f"river entry segment {r.entry_seg_id} no longer fits: {exc.message_en}",
                 str(r.entry_seg_id))
            continue
        moved = abs(snapped.distance_m - r.entry_distance_m)
        if moved > s.drift_tolerance_m:
            flag(f"距入河河段 {snapped.distance_m:.0f} m,登记时为 {r.entry_distance_m:.0f} m"
                 f"(偏移 {moved:.0f} m):坐标或河网已变化,请核实入河点",
                 f"{snapped.distance_m:.0f} m from its entry segment, {r.entry_distance_m:.0f} m "
                 f"when recorded ({moved:.0f} m apart): check the river entry",
                 f"{snapped.distance_m:.0f}")
        elif has_outfall and snapped.distance_m > s.snap_warn_m:
            flag(f"排放口距河道 {snapped.distance_m:.0f} m(超过 {s.snap_warn_m:.0f} m):"
                 "请核实排放口坐标",
                 f"the outfall is {snapped.distance_m:.0f} m from its river (over "
                 f"{s.snap_warn_m:.0f} m): check its coordinates", f"{snapped.distance_m:.0f}")
    return out


@dataclass(frozen=True, slots=True)
class SiteOnRiver:
    """An intercept site of a plan as the checks need it (from :class:`plans.loader.Site`)."""

    id: str
    name_zh: str
    river_zh: str
    prefecture_zh: str | None
    snap_distance_m: float


def site_drift(sites: Iterable[SiteOnRiver], s: CheckSettings) -> list[Finding]:
    return [Finding("drift", site.prefecture_zh, "intercept_site",
                    f"{site.name_zh}({site.river_zh})",
                    f"拦截点距所在河流 {site.snap_distance_m:.0f} m(超过 {s.snap_warn_m:.0f} m):"
                    "请核实坐标",
                    f"the intercept site is {site.snap_distance_m:.0f} m from its river (over "
                    f"{s.snap_warn_m:.0f} m): check its coordinates",
                    f"{site.snap_distance_m:.0f}")
            for site in sites if site.snap_distance_m > s.snap_warn_m]


def nightly_findings(*, risk_sources: Sequence[RiskSourceRecord],
                     depots: Sequence[DepotRecord], sites: Iterable[SiteOnRiver],
                     network: RiverNetwork | None, settings: CheckSettings) -> NightlyFindings:
    """Every finding of the nightly check, in a stable order (check, then input order)."""
    found = NightlyFindings()
    found.findings += expiry_findings(depots, settings)
    found.findings += unconfirmed_findings([*risk_sources, *depots], settings)
    if network is not None:
        found.findings += risk_source_drift(network, risk_sources, settings)
    found.findings += site_drift(sites, settings)
    return found
