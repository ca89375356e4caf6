"""Dispatch as use cases (调度): list, request, move along. No Flask; the caller commits.

Every change is an event in the incident's timeline. Status changes carry the dispatch's version:
a stale one is refused (:class:`emergency.incidents.service.Conflict` → 409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from emergency.incidents import service
from emergency.incidents.dispatch import (
    ACTIVE,
    KINDS,
    STATUS_LABELS,
    ActiveDispatch,
    DispatchRefused,
    Shortfall,
    check_request,
    check_transition,
    eta_after,
    reserved,
    shortfalls,
)
from emergency.store.command_models import IncidentDispatch
from emergency.store.incident_models import IncidentEvent


@dataclass(frozen=True)
class DispatchBoard:
    dispatches: list[IncidentDispatch]
    shortfalls: list[Shortfall]
    reserved: dict[tuple[int, str], float]  # by every incident's active dispatches


def _active(rows) -> list[ActiveDispatch]:
    return [ActiveDispatch(r.kind, r.resource_id, r.site_id, r.status, tuple(r.items or ()))
            for r in rows]


def _all_active_depot_dispatches(session: Session) -> list[IncidentDispatch]:
    return list(session.scalars(select(IncidentDispatch).where(
        IncidentDispatch.kind == "depot", IncidentDispatch.status.in_(sorted(ACTIVE)))))


def of_incident(session: Session, incident_id: int) -> list[IncidentDispatch]:
    return list(session.scalars(select(IncidentDispatch)
                                .where(IncidentDispatch.incident_id == incident_id)
                                .order_by(IncidentDispatch.id)))


def board(session: Session, ctx: service.EngineContext, incident_id: int,
          now: datetime) -> DispatchBoard:
    row = service.get_incident(session, incident_id, drills=None)
    pkg = service.package_now(session, ctx, row, now)
    mine = of_incident(session, incident_id)
    return DispatchBoard(mine, shortfalls(pkg.resources, _active(mine)),
                         reserved(_active(_all_active_depot_dispatches(session))))


def request(session: Session, ctx: service.EngineContext, incident_id: int, data, *,
            actor: str, now: datetime) -> IncidentDispatch:
    row = service.get_incident(session, incident_id, drills=None)
    at = service.now_for(ctx, row, now)
    if row.status == "terminated":
        raise DispatchRefused("status", "响应已终止,不能再调度", "the response is terminated")
    pkg = service.package_now(session, ctx, row, now)
    res = ctx.resources(session)
    mine = of_incident(session, incident_id)
    others = [d for d in _all_active_depot_dispatches(session) if d.incident_id != incident_id]
    req = check_request(data, resources=pkg.resources, options=pkg.intercept_options,
                        depots=getattr(res, "depots", ()) or (),
                        teams=getattr(res, "teams", ()) or (),
                        dispatches=_active(mine + others), now=at)
    d = IncidentDispatch(
        incident_id=row.id, kind=req.kind, resource_id=req.resource_id,
        resource_name_zh=req.resource_name_zh, resource_lon=req.resource_lon,
        resource_lat=req.resource_lat, site_id=req.site_id, site_name_zh=req.site_name_zh,
        site_lon=req.site_lon, site_lat=req.site_lat, items=list(req.items),
        status="requested", history=[{"status": "requested", "at": at.isoformat(), "by": actor}],
        travel_hours=req.travel_hours, eta=req.eta, ready_by=req.ready_by, phone=req.phone,
        contact_zh=req.contact_zh, sample=req.sample, note=req.note, requested_by=actor,
        requested_at=at, updated_at=at)
    session.add(d)
    what = "、".join(f"{i['item']} {i['quantity']:g} {i['unit']}" for i in req.items)
    row.events.append(IncidentEvent(
        actor=actor, kind="dispatch", at=at,
        summary_zh=f"申请调度{KINDS[req.kind][0]}:{req.resource_name_zh}"
                   + (f"({what})" if what else "") + f" → {req.site_name_zh}",
        summary_en=f"{KINDS[req.kind][1]} requested: {req.resource_name_zh} → site",
        data={"status": "requested"}))
    session.flush()
    return d


def move(session: Session, ctx: service.EngineContext, incident_id: int, dispatch_id: int,
         data, *, actor: str, now: datetime) -> IncidentDispatch:
    row = service.get_incident(session, incident_id, drills=None)
    at = service.now_for(ctx, row, now)
    d = session.get(IncidentDispatch, dispatch_id)
    if d is None or d.incident_id != incident_id:
        raise service.NotFound(f"调度 {dispatch_id}", f"dispatch {dispatch_id}")
    if not isinstance(data, dict):
        raise DispatchRefused("body", "请求体须为 JSON 对象", "the body must be a JSON object")
    if data.get("version") is None:
        raise DispatchRefused("version", "缺少版本号(防止覆盖他人的修改)",
                              "the record's version is required")
    if int(data["version"]) != d.version:
        raise service.Conflict(d.version)
    status = check_transition(d.status, data.get("status"))
    d.status = status
    d.history = [*(d.history or []), {"status": status, "at": at.isoformat(), "by": actor}]
    d.eta = eta_after(status, at, d.travel_hours, service._aware(d.eta))
    d.updated_at = at
    zh, en = STATUS_LABELS[status]
    row.events.append(IncidentEvent(
        actor=actor, kind="dispatch", at=at,
        summary_zh=f"调度:{d.resource_name_zh} → {d.site_name_zh} {zh}",
        summary_en=f"dispatch {d.id}: {en}", data={"status": status, "dispatch": d.id}))
    session.flush()
    return d
