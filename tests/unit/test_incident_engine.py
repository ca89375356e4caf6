"""The incident engine on the real network: tier, warning, deadlines, intercepts, resources."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from emergency.incidents.context import build_engine_context
from emergency.incidents.inputs import InvalidIncident, parse_incident
from emergency.incidents.package import compute_package
from rivers.network import RiverPosition

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 7, 23, 10, 0, tzinfo=SH)
JILIN_CITY = (126.55, 43.86)
YANJI = (129.5, 42.9)


@pytest.fixture(scope="module")
def ctx(network):
    return build_engine_context(network)


def incident(ctx, **overrides):
    data = {"lon": JILIN_CITY[0], "lat": JILIN_CITY[1], "substance": "硝基苯",
            "mass_kg": 20000, "occurred_at": "2026-07-23T09:00",
            "discovered_at": "2026-07-23T09:30"} | overrides
    return parse_incident(data, substances=ctx.catalogue, season_by_month=ctx.season_by_month,
                          now=NOW)


def package(ctx, inc, plans=None, resources=None, as_of=NOW):
    snap = ctx.network.snap(inc.lon, inc.lat)
    return compute_package(inc, snap=snap, network=ctx.network,
                           substance=ctx.catalogue.get(inc.substance), plans=plans,
                           resources=resources, as_of=as_of, flow_ratios=ctx.flow_ratios,
                           rules=ctx.rules)


# ------------------------------------------------------------------ fakes of plans / inventory
@dataclass(frozen=True)
class FakeSite:
    id: str
    kind: str
    name_zh: str
    lon: float
    lat: float
    segment: int
    offset_m: float
    attrs: dict = field(default_factory=dict)
    name_en: str | None = None


class FakePlans:
    def __init__(self, sites):
        self.sites = sites

    def sites_on_segment(self, segment_index):
        return [s for s in self.sites if s.segment == segment_index]

    def plan_for_segment(self, segment_index):
        return None


def site_at_km(ctx, inc, km, **kw):
    """A site on the downstream path ``km`` below the release."""
    snap = ctx.network.snap(inc.lon, inc.lat)
    trace = ctx.network.trace_downstream(snap.position)
    for piece in trace.pieces:
        if piece.from_m <= km * 1000 <= piece.to_m:
            offset = piece.from_offset_m + km * 1000 - piece.from_m
            lon, lat = ctx.network.lonlat_at(RiverPosition(piece.segment, offset))
            return FakeSite(segment=piece.segment, offset_m=offset, lon=lon, lat=lat, **kw)
    raise AssertionError("km beyond the path")


@dataclass(frozen=True)
class Item:
    item: str
    category: str
    quantity: float
    unit: str
    expiry: object = None


@dataclass(frozen=True)
class Depot:
    id: int
    name_zh: str
    lon: float
    lat: float
    items: tuple
    phone: str = "0431-80000000"
    contact_zh: str = "示例联系人"
    sample: bool = True


@dataclass(frozen=True)
class Team:
    id: int
    name_zh: str
    lon: float
    lat: float
    phone: str = "0431-80000001"
    leader_zh: str = "示例队长"
    sample: bool = True


@dataclass(frozen=True)
class Resources:
    depots: tuple = ()
    teams: tuple = ()
    risk_sources: tuple = ()


# ------------------------------------------------------------------ tests
def test_a_spill_in_jilin_city_crossing_into_heilongjiang_grades_at_least_ii(ctx):
    pkg = package(ctx, incident(ctx))
    assert pkg.tier.level is not None and pkg.tier.level <= 2
    province = [r for r in pkg.tier.reasons if "省" in r.text_zh and r.level == 2]
    assert province, [r.text_zh for r in pkg.tier.reasons]
    assert "黑龙江省" in province[0].text_zh


def test_a_spill_on_a_tumen_tributary_exceeding_at_the_border_grades_i(ctx):
    inc = incident(ctx, lon=YANJI[0], lat=YANJI[1], substance="氰化钠", mass_kg=5000)
    pkg = package(ctx, inc)
    assert pkg.tier.level == 1
    nation = [r for r in pkg.tier.reasons if r.level == 1]
    assert nation and "朝鲜" in nation[0].text_zh
    assert pkg.art4.cross_provincial_or_national
    assert any(c.kind == "international" for c in pkg.checklist)


def test_a_tiny_spill_that_exceeds_nothing_is_iv_with_the_residual_reason(ctx):
    pkg = package(ctx, incident(ctx, substance="苯", mass_kg=0.01))
    assert pkg.tier.level == 4
    assert not any(i.exceeds for i in pkg.downstream)
    assert str(pkg.warning.level) == "blue"


def test_casualties_grade_by_the_table(ctx):
    assert package(ctx, incident(ctx, substance="苯", mass_kg=0.01, deaths=3)).tier.level == 3
    assert package(ctx, incident(ctx, substance="苯", mass_kg=0.01, deaths=10)).tier.level == 2


def test_the_first_report_is_due_two_hours_after_discovery_for_a_major_event(ctx):
    pkg = package(ctx, incident(ctx))
    first = next(c for c in pkg.checklist if c.id == "report:first_report")
    assert first.due_at == datetime(2026, 7, 23, 11, 30, tzinfo=SH)


def test_every_response_group_has_an_item(ctx):
    pkg = package(ctx, incident(ctx))
    groups = {c.group for c in pkg.checklist}
    assert groups >= {"reporting", "on_site", "relocation", "medical", "monitoring", "market",
                      "information", "stability", "international"}


def test_times_increase_downstream_and_concentrations_fall(ctx):
    pkg = package(ctx, incident(ctx))
    bounds = [i for i in pkg.downstream if i.kind == "boundary"]
    fronts = [i.front_at for i in bounds]
    assert fronts == sorted(fronts)
    assert bounds[0].peak_mg_l > bounds[-1].peak_mg_l
    for i in bounds:
        assert i.front_at_earliest <= i.front_at < i.peak_at < i.tail_at


def test_ice_cover_slows_the_plume_and_flood_speeds_it(ctx):
    ice = package(ctx, incident(ctx, flow_condition="ice"))
    flood = package(ctx, incident(ctx, flow_condition="flood"))
    first = lambda p: next(i for i in p.downstream if i.attrs.get("level") == "province")  # noqa: E731
    assert first(ice).front_at > first(flood).front_at + timedelta(hours=12)


def test_the_flow_condition_is_chosen_from_the_month_when_not_given(ctx):
    assert incident(ctx).flow_condition == "flood"          # July
    winter = incident(ctx, occurred_at="2026-01-10T09:00", discovered_at="2026-01-10T10:00")
    assert winter.flow_condition == "ice" and winter.flow_chosen_from_date


def test_a_continuous_release_lowers_the_peak(ctx):
    slug = package(ctx, incident(ctx))
    long = package(ctx, incident(ctx, release_hours=48))
    assert long.downstream[3].peak_mg_l < slug.downstream[3].peak_mg_l


def test_an_intake_must_close_before_the_earliest_front_minus_the_margin(ctx):
    inc = incident(ctx)
    intake = site_at_km(ctx, inc, 120, id="p/intake-1", kind="intake", name_zh="示例取水口",
                        attrs={"place_level": "county_city", "backup_source_zh": "地下水"})
    pkg = package(ctx, inc, plans=FakePlans([intake]))
    item = next(i for i in pkg.downstream if i.id == "p/intake-1")
    assert item.km == pytest.approx(120, abs=0.01)
    close = next(c for c in pkg.checklist if c.id == "intake:p/intake-1:close")
    margin = timedelta(hours=ctx.rules["intake_close_margin_hours"])
    assert close.due_at == item.front_at_earliest - margin
    assert "地下水" in close.text_zh
    # A county-city intake interrupted grades II.
    assert any(r.level == 2 and "示例取水口" in r.text_zh for r in pkg.tier.reasons)


def test_intercept_sites_too_close_are_infeasible_and_the_most_upstream_feasible_ranks_first(ctx):
    inc = incident(ctx)
    near = site_at_km(ctx, inc, 3, id="p/near", kind="intercept", name_zh="近处闸(示例)",
                      attrs={"facility_type": "闸", "deploy_hours": 4, "storage_m3": 1e9})
    mid = site_at_km(ctx, inc, 150, id="p/mid", kind="intercept", name_zh="中游坝(示例)",
                     attrs={"facility_type": "坝", "deploy_hours": 4, "storage_m3": 1e9})
    far = site_at_km(ctx, inc, 250, id="p/far", kind="intercept", name_zh="下游桥(示例)",
                     attrs={"facility_type": "桥", "deploy_hours": 6})
    pkg = package(ctx, inc, plans=FakePlans([far, near, mid]))
    options = {o.site.id: o for o in pkg.intercept_options}
    assert not options["p/near"].feasible
    assert options["p/mid"].feasible and options["p/far"].feasible
    assert options["p/mid"].rank == 1 and options["p/far"].rank == 2
    assert any("来不及" in r for r in options["p/near"].reasons_zh)


def test_a_holding_facility_too_small_for_the_contaminated_volume_is_infeasible(ctx):
    inc = incident(ctx)
    small = site_at_km(ctx, inc, 150, id="p/pond", kind="intercept", name_zh="小坑塘(示例)",
                       attrs={"facility_type": "坑塘", "deploy_hours": 2, "storage_m3": 1000})
    option = package(ctx, inc, plans=FakePlans([small])).intercept_options[0]
    assert not option.feasible and option.contaminated_volume_m3 > 1000
    assert any("不足" in r for r in option.reasons_zh)


def test_resources_are_ranked_by_travel_time_with_what_they_hold(ctx):
    inc = incident(ctx)
    mid = site_at_km(ctx, inc, 150, id="p/mid", kind="intercept", name_zh="中游坝(示例)",
                     attrs={"facility_type": "坝", "deploy_hours": 4, "storage_m3": 1e9,
                            "techniques": ["活性炭吸附坝"]})
    carbon = (Item("活性炭", "污染物控制", 50, "t"),)
    near = Depot(1, "近库", mid.lon + 0.1, mid.lat, carbon)
    far = Depot(2, "远库", mid.lon + 2.0, mid.lat, carbon)
    team = Team(1, "示例应急队", mid.lon + 0.5, mid.lat)
    pkg = package(ctx, inc, plans=FakePlans([mid]),
                  resources=Resources(depots=(far, near), teams=(team,)))
    site = pkg.resources[0]
    assert [d.name_zh for d in site.depots] == ["近库", "远库"]
    assert site.depots[0].in_time
    assert site.needed[0]["item"] == "活性炭" and site.needed[0]["quantity"] == 200.0
    assert site.depots[0].items[0]["needed"] == 200.0


def test_a_decaying_substance_arrives_weaker(ctx):
    inc = incident(ctx)
    sub = ctx.catalogue.get(inc.substance)
    snap = ctx.network.snap(inc.lon, inc.lat)
    args = dict(snap=snap, network=ctx.network, as_of=NOW, flow_ratios=ctx.flow_ratios)
    plain = compute_package(inc, substance=sub, **args)
    decaying = compute_package(inc, substance=replace(sub, decay_per_day=0.5), **args)
    assert decaying.downstream[-1].peak_mg_l < plain.downstream[-1].peak_mg_l * 0.5


def test_bad_reports_list_every_problem(ctx):
    with pytest.raises(InvalidIncident) as err:
        parse_incident({"substance": "不存在的物质", "mass_kg": 0, "occurred_at": "yesterday"},
                       substances=ctx.catalogue, season_by_month=ctx.season_by_month, now=NOW)
    fields = {p.field for p in err.value.problems}
    assert fields == {"substance", "mass_kg", "occurred_at", "location"}


def test_discovery_before_occurrence_or_in_the_future_is_refused(ctx):
    for times in ({"occurred_at": "2026-07-23T09:00", "discovered_at": "2026-07-23T08:00"},
                  {"occurred_at": "2026-07-23T09:00", "discovered_at": "2026-07-24T09:00"}):
        with pytest.raises(InvalidIncident) as err:
            incident(ctx, **times)
        assert err.value.problems[0].field == "discovered_at"


def test_times_without_offset_are_read_in_shanghai_time(ctx):
    assert incident(ctx).occurred_at == datetime(2026, 7, 23, 1, 0, tzinfo=ZoneInfo("UTC"))
