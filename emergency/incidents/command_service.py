"""Commander decisions as a use case (指挥决策): read the decision log and the termination
conditions, record a decision. No Flask; the caller commits.

Each decision is a row of ``incident_decisions`` (append-only) and an event in the incident's
timeline, with who and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from emergency.incidents import service
from emergency.incidents.command import (
    Condition,
    Decision,
    OpenItem,
    Sample,
    check_decision,
    termination_conditions,
)
from emergency.incidents.package import ResponsePackage
from emergency.store.command_models import IncidentDecision
from emergency.store.incident_models import Incident, IncidentEvent


@dataclass(frozen=True)
class DecisionsView:
    incident: Incident
    decisions: list[IncidentDecision]
    response_level: int | None
    computed_tier: int | None
    conditions: list[Condition]

    @property
    def termination_ready(self) -> bool:
        return all(c.met for c in self.conditions)


def decision_log(session: Session, incident_id: int) -> list[IncidentDecision]:
    return list(session.scalars(select(IncidentDecision)
                                .where(IncidentDecision.incident_id == incident_id)
                                .order_by(IncidentDecision.id)))


def response_level(decisions: list[IncidentDecision]) -> int | None:
    """The level in force: the latest start or change_level decision's."""
    for d in reversed(decisions):
        if d.kind in ("start", "change_level") and d.level:
            return d.level
    return None


def _conditions(row: Incident, pkg: ResponsePackage, now: datetime, rules) -> list[Condition]:
    samples = [Sample(o.site_id or f"km{o.km:.1f}", o.name_zh, service._aware(o.observed_at),
                      o.concentration_mg_l) for o in row.observations
               if o.voided_at is None and o.km is not None]  # voided / not downstream: out
    items = [OpenItem(i.kind, i.text_zh, service._aware(i.due_at), bool(i.immediate))
             for i in row.checklist if i.status == "open"]
    return termination_conditions(pkg, samples, items, now, rules)


def decisions_view(session: Session, ctx: service.EngineContext, incident_id: int,
                   now: datetime) -> DecisionsView:
    row = service.get_incident(session, incident_id, drills=None)
    at = service.now_for(ctx, row, now)
    pkg = service.package_now(session, ctx, row, now)
    log = decision_log(session, incident_id)
    return DecisionsView(row, log, response_level(log), pkg.tier.level,
                         _conditions(row, pkg, at, ctx.rules))


def decide(session: Session, ctx: service.EngineContext, incident_id: int, data, *, actor: str,
           role: str, now: datetime) -> tuple[IncidentDecision, Decision]:
    """Record a commander's decision (raises :class:`emergency.incidents.command.DecisionRefused`
    when it may not be taken: wrong state, bad level, override without a reason, unmet
    termination conditions without an override)."""
    row = service.get_incident(session, incident_id, drills=None)
    at = service.now_for(ctx, row, now)
    log = decision_log(session, incident_id)
    pkg = service.package_now(session, ctx, row, now)
    conditions = (_conditions(row, pkg, at, ctx.rules)
                  if isinstance(data, dict) and data.get("kind") == "terminate" else [])
    decision = check_decision(data, status=row.status, current_level=response_level(log),
                              computed_tier=pkg.tier.level, conditions=conditions)
    record = IncidentDecision(
        incident_id=row.id, kind=decision.kind, level=decision.level,
        computed_tier=decision.computed_tier, basis=decision.basis,
        override_reason=decision.override_reason,
        unmet=[{"id": c.id, "text_zh": c.text_zh, "text_en": c.text_en} for c in decision.unmet],
        actor=actor, role=role, at=at)
    session.add(record)
    kind = {"start": "status_responding", "terminate": "status_terminated"}.get(
        decision.kind, "level_changed")
    row.events.append(IncidentEvent(
        actor=actor, kind=kind, summary_zh=decision.summary_zh, summary_en=decision.summary_en,
        at=at, data={"decision": decision.kind, "level": decision.level,
                     "override": bool(decision.override_reason)}))
    if decision.new_status:
        row.status = decision.new_status
    row.updated_at = at
    session.flush()
    return record, decision
