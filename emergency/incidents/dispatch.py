"""Dispatch of teams and materials (调度): from the ranked resources of the response package to a
site, tracked requested → dispatched → en route → arrived → released. Pure: no Flask, no
SQLAlchemy.

* A request names a site of the package's resources (an intercept site), a team or a depot
  among that site's offers, and for a depot the quantities per item; a depot's stock is reserved
  while the dispatch is active (not released or cancelled).
* The predicted arrival is the offer's travel time from the moment it is dispatched (before that,
  from the package's start + notification); it is compared with the site's ready-by deadline.
* The shortfall per site is what the technique needs (the package's ``needed``) minus what
  active dispatches bring.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

STATUSES = ("requested", "dispatched", "en_route", "arrived", "released", "cancelled")
ACTIVE = frozenset({"requested", "dispatched", "en_route", "arrived"})
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "requested": ("dispatched", "cancelled"),
    "dispatched": ("en_route", "cancelled"),
    "en_route": ("arrived",),
    "arrived": ("released",),
    "released": (),
    "cancelled": (),
}
STATUS_LABELS = {"requested": ("已申请", "requested"), "dispatched": ("已派出", "dispatched"),
                 "en_route": ("在途", "en route"), "arrived": ("已到达", "arrived"),
                 "released": ("已撤回", "released"), "cancelled": ("已取消", "cancelled")}
KINDS = {"team": ("队伍", "team"), "depot": ("物资", "materials")}


class DispatchRefused(ValueError):
    def __init__(self, field: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.field, self.message_zh, self.message_en = field, message_zh, message_en


@dataclass(frozen=True)
class ActiveDispatch:
    """What the rules read of a stored dispatch."""

    kind: str
    resource_id: int
    site_id: str
    status: str
    items: tuple[dict, ...]   # [{"item", "unit", "quantity"}]


@dataclass(frozen=True)
class DispatchRequest:
    """A validated request, ready to be stored."""

    kind: str
    resource_id: int
    resource_name_zh: str
    resource_lon: float | None
    resource_lat: float | None
    site_id: str
    site_name_zh: str
    site_lon: float
    site_lat: float
    items: tuple[dict, ...]
    travel_hours: float
    eta: datetime
    ready_by: datetime | None
    phone: str | None
    contact_zh: str | None
    sample: bool
    note: str


def reserved(dispatches: Iterable[ActiveDispatch]) -> dict[tuple[int, str], float]:
    """Quantities held back per (depot id, item) by active dispatches."""
    out: dict[tuple[int, str], float] = defaultdict(float)
    for d in dispatches:
        if d.kind == "depot" and d.status in ACTIVE:
            for it in d.items:
                out[(d.resource_id, it["item"])] += float(it["quantity"])
    return dict(out)


def check_request(data: Any, *, resources: Sequence[Any], options: Sequence[Any],
                  depots: Sequence[Any], teams: Sequence[Any],
                  dispatches: Sequence[ActiveDispatch], now: datetime) -> DispatchRequest:
    """Validate a request against the package's ranked resources (``SiteResources``) and the
    stock left after reservations; raise :class:`DispatchRefused`."""
    if not isinstance(data, dict):
        raise DispatchRefused("body", "请求体须为 JSON 对象", "the body must be a JSON object")
    site = next((r for r in resources if r.site_id == data.get("site_id")), None)
    if site is None:
        raise DispatchRefused("site_id", "该点位不在本事件的调度方案中",
                              "that site is not among this incident's intercept sites")
    kind = data.get("kind")
    if kind not in KINDS:
        raise DispatchRefused("kind", "kind 须为 team 或 depot", "kind must be team or depot")
    try:
        resource_id = int(data.get("resource_id"))
    except (TypeError, ValueError):
        raise DispatchRefused("resource_id", "缺少队伍或物资库编号",
                              "resource_id is required") from None
    offers = site.teams if kind == "team" else site.depots
    offer = next((o for o in offers if o.id == resource_id), None)
    if offer is None:
        raise DispatchRefused("resource_id", "该队伍/物资库不在此点位的推荐资源中",
                              "that team or depot is not among the site's ranked resources")
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > 2000:
        raise DispatchRefused("note", "备注须为不超过 2000 字的文本",
                              "note must be text up to 2000 characters")
    items: list[dict] = []
    unit = None
    if kind == "depot":
        unit = next((d for d in depots if d.id == resource_id), None)
        wanted = data.get("items")
        if not isinstance(wanted, list) or not wanted:
            raise DispatchRefused("items", "须列出调拨的物资和数量",
                                  "list the items and quantities to send")
        held = reserved(dispatches)
        stock = {it.item: (float(it.quantity), it.unit) for it in (unit.items if unit else ())}
        for w in wanted:
            name = w.get("item") if isinstance(w, dict) else None
            try:
                qty = float(w.get("quantity"))
                if not math.isfinite(qty) or qty <= 0:
                    raise ValueError
            except (AttributeError, TypeError, ValueError):
                raise DispatchRefused("items", "数量须为大于 0 的数字",
                                      "quantities must be numbers above 0") from None
            if name not in stock:
                raise DispatchRefused("items", f"该物资库没有「{name}」",
                                      f"the depot holds no {name!r}")
            left = stock[name][0] - held.get((resource_id, name), 0.0)
            if qty > left + 1e-9:
                raise DispatchRefused(
                    "items", f"「{name}」可调拨 {left:g} {stock[name][1]}(其余已被占用),"
                             f"申请 {qty:g}",
                    f"only {left:g} {stock[name][1]} of {name} left (the rest is reserved); "
                    f"asked {qty:g}")
            items.append({"item": name, "unit": stock[name][1], "quantity": qty})
    else:
        unit = next((t for t in teams if t.id == resource_id), None)
        if any(d.kind == "team" and d.resource_id == resource_id and d.status in ACTIVE
               for d in dispatches):
            raise DispatchRefused("resource_id", "该队伍已在本事件中调度",
                                  "that team is already dispatched for this incident")
    option = next((o for o in options if o.site.id == site.site_id), None)
    eta = now + timedelta(hours=float(offer.travel_hours))
    return DispatchRequest(
        kind=kind, resource_id=resource_id, resource_name_zh=offer.name_zh,
        resource_lon=getattr(unit, "lon", None), resource_lat=getattr(unit, "lat", None),
        site_id=site.site_id, site_name_zh=site.site_name_zh,
        site_lon=option.site.lon if option else float("nan"),
        site_lat=option.site.lat if option else float("nan"),
        items=tuple(items), travel_hours=float(offer.travel_hours),
        eta=max(eta, offer.arrives_at) if offer.arrives_at else eta,
        ready_by=option.ready_by if option else None, phone=offer.phone,
        contact_zh=offer.contact_zh, sample=bool(offer.sample), note=note)


def check_transition(current: str, new: Any) -> str:
    if new not in STATUSES:
        raise DispatchRefused("status", "状态须为 " + "/".join(STATUSES),
                              "status must be one of " + ", ".join(STATUSES))
    if new not in TRANSITIONS.get(current, ()):
        zh_from, zh_to = STATUS_LABELS[current][0], STATUS_LABELS[new][0]
        raise DispatchRefused("status", f"不能由「{zh_from}」改为「{zh_to}」",
                              f"cannot go from {current} to {new}")
    return new


def eta_after(status: str, at: datetime, travel_hours: float, eta: datetime) -> datetime:
    """The predicted arrival once the status changes at ``at``: from dispatch, the travel time."""
    if status == "dispatched":
        return at + timedelta(hours=travel_hours)
    return eta


@dataclass(frozen=True)
class Shortfall:
    site_id: str
    site_name_zh: str
    items: tuple[dict, ...]   # {"item", "unit", "needed", "sent", "arrived", "short"}
    teams_sent: int
    teams_arrived: int


def shortfalls(resources: Sequence[Any], dispatches: Sequence[ActiveDispatch]) -> list[Shortfall]:
    """Per site: what the technique needs against what active dispatches bring (and what has
    arrived)."""
    out = []
    for site in resources:
        mine = [d for d in dispatches if d.site_id == site.site_id and d.status in ACTIVE]
        sent: Mapping[str, float] = defaultdict(float)
        arrived: Mapping[str, float] = defaultdict(float)
        for d in mine:
            for it in d.items:
                sent[it["item"]] += float(it["quantity"])
                if d.status == "arrived":
                    arrived[it["item"]] += float(it["quantity"])
        items = tuple({"item": n["item"], "unit": n["unit"], "needed": n["quantity"],
                       "sent": round(sent[n["item"]], 3), "arrived": round(arrived[n["item"]], 3),
                       "short": round(max(float(n["quantity"]) - sent[n["item"]], 0.0), 3)}
                      for n in site.needed)
        teams = [d for d in mine if d.kind == "team"]
        out.append(Shortfall(site.site_id, site.site_name_zh, items, len(teams),
                             sum(1 for d in teams if d.status == "arrived")))
    return out
