"""Deadline semantics (issue 15): a physical deadline that falls before the action could be known
is 立即 (immediate), not overdue; the default order puts the most urgent physical actions first."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from emergency.incidents.checklist import mark_immediate, most_urgent, urgency_key
from emergency.incidents.context import build_engine_context
from emergency.incidents.package import ChecklistTemplate, compute_package
from tests.unit.test_incident_engine import FakePlans, incident, site_at_km

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 7, 23, 9, 30, tzinfo=SH)


def item(id_, kind, due_h, **kw):
    due = T0 + timedelta(hours=due_h) if due_h is not None else None
    return ChecklistTemplate(id=id_, group="on_site", text_zh=id_, text_en="", responsible_zh="",
                             due_at=due, kind=kind, **kw)


def test_a_physical_deadline_before_it_was_known_is_immediate_a_legal_one_is_not():
    known = T0 + timedelta(minutes=30)  # entered half an hour after discovery
    items = [item("intake", "close_intake", 0.2), item("report", "report", 0.2),
             item("at-once", "report", 0.0), item("later", "close_intake", 3.0),
             item("card", "card", None)]
    marked = {t.id: t.immediate for t in mark_immediate(items, known, T0)}
    # the legal clock runs from discovery: a report due 12 min after it is overdue, not 立即;
    # one due at discovery itself is 立即报告 (at once)
    assert marked == {"intake": True, "report": False, "at-once": True, "later": False,
                      "card": False}


def test_immediate_actions_come_first_by_arrival_then_the_rest_by_due_time():
    arrive = T0 + timedelta(minutes=40)
    items = mark_immediate([
        item("report", "report", 2.0),
        item("sample", "sample", 0.5),
        item("intake", "close_intake", -1.2, arrival_at=arrive),
        item("notify", "notify", 0.0, arrival_at=arrive),
    ], T0)
    order = sorted(items, key=lambda t: urgency_key(t.kind, t.due_at, t.immediate, t.arrival_at))
    assert [t.id for t in order] == ["intake", "notify", "sample", "report"]
    assert most_urgent(items).id == "intake"


@pytest.fixture(scope="module")
def ctx(network):
    return build_engine_context(network)


def test_a_spill_an_hour_above_an_intake_makes_its_closure_immediate_and_nothing_overdue(ctx):
    """Hand-built: an intake 4 km below the release (about an hour's travel at flood flow)."""
    inc = incident(ctx, occurred_at="2026-07-23T09:00", discovered_at="2026-07-23T09:30",
                   flow_condition="flood")
    intake = site_at_km(ctx, inc, 4, id="p/intake-near", kind="intake", name_zh="近处取水口(示例)",
                        attrs={"place_level": "county_city"})
    snap = ctx.network.snap(inc.lon, inc.lat)
    now = inc.discovered_at
    pkg = compute_package(inc, snap=snap, network=ctx.network,
                          substance=ctx.catalogue.get(inc.substance), plans=FakePlans([intake]),
                          as_of=now, flow_ratios=ctx.flow_ratios, rules=ctx.rules)
    site = next(d for d in pkg.downstream if d.id == "p/intake-near")
    assert (site.front_at_earliest - inc.occurred_at) < timedelta(hours=2)
    close = next(c for c in pkg.checklist if c.kind == "close_intake")
    # the physical deadline (front − 2 h margin) lies before discovery: 立即, with the arrival
    assert close.due_at < inc.discovered_at and close.immediate
    assert close.arrival_at == site.front_at_earliest
    # at creation nothing is overdue: every dated item is immediate or due at/after now
    overdue = [c.id for c in pkg.checklist
               if c.due_at is not None and c.due_at < now and not c.immediate]
    assert overdue == []
    assert most_urgent(pkg.checklist).id == close.id
