"""Reports as use cases (信息报告): draft 初报 / 续报 / 处理结果报告 from the incident, edit them,
record their sending against the legal clock, render them as .docx. No Flask; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emergency.incidents import dispatch_service, service
from emergency.incidents.command_service import decision_log, response_level
from emergency.incidents.dispatch import STATUS_LABELS
from emergency.incidents.inputs import FieldProblem, InvalidIncident, parse_time
from emergency.incidents.report_docx import report_docx
from emergency.incidents.reports import (
    KINDS,
    TBD,
    Facts,
    Measure,
    Place,
    ReportDraft,
    draft_report,
    draft_text,
)
from emergency.store.command_models import IncidentReport
from emergency.store.incident_models import Incident, IncidentEvent

#: Which legal deadline a report's sending answers (emergency/rules/reporting.yaml ids).
DEADLINE_OF_KIND = {"first": "first_report"}
FIELDS = ("reporting_unit", "signer", "contact", "phone")
MAX_FIELD = 200


def place_of(ctx: service.EngineContext, lon: float, lat: float) -> Place:
    """市/县 of a point from the bundled administrative boundaries (never raises)."""
    try:
        found = ctx.network.locate(lon, lat)
    except Exception:  # noqa: BLE001 - a point outside the data: no names, not an error
        return Place()

    def name(level: str) -> str | None:
        unit = found.get(level)
        return unit.name_zh if unit is not None else None

    return Place(prefecture_zh=name("prefecture"), county_zh=name("county"),
                 province_zh=name("province"))


def facts_of(session: Session, ctx: service.EngineContext, row: Incident, pkg,
             info_source: str = "") -> Facts:
    tz = ctx.tz
    measures = [Measure(service._aware(i.done_at), i.text_zh, i.responsible_zh)
                for i in row.checklist if i.status == "done"]
    departments = [i.responsible_zh for i in row.checklist if i.status == "done"]
    for d in dispatch_service.of_incident(session, row.id):
        if d.status == "cancelled":
            continue
        what = "、".join(f"{i['item']} {i['quantity']:g} {i['unit']}" for i in d.items or [])
        last = (d.history or [{}])[-1]
        at = datetime.fromisoformat(last["at"]) if last.get("at") else None
        measures.append(Measure(
            at, f"调派{d.resource_name_zh}" + (f"携{what}" if what else "")
            + f"赶赴{d.site_name_zh},目前{STATUS_LABELS[d.status][0]}"))
        departments.append(d.resource_name_zh)
    measures.sort(key=lambda m: m.at or datetime.max.replace(tzinfo=tz))
    log = decision_log(session, row.id)
    started = next((service._aware(d.at) for d in log if d.kind == "start"), None)
    ended = next((service._aware(d.at) for d in log if d.kind == "terminate"), None)
    observations = [{"name_zh": o.name_zh, "km": o.km, "concentration_mg_l": o.concentration_mg_l,
                     "observed_at": service._aware(o.observed_at)} for o in row.observations
                    if o.voided_at is None and o.km is not None]  # voided / not downstream: out
    return Facts(
        title=row.title, description=row.description, info_source=info_source,
        deaths=row.deaths, injured=row.injured, evacuated=row.evacuated,
        economic_loss_cny=row.economic_loss_cny,
        place=place_of(ctx, pkg.snap.query_lon, pkg.snap.query_lat),
        observations=observations, measures=measures, response_level=response_level(log),
        response_started_at=started, terminated_at=ended, departments=departments)


def draft_for(session: Session, ctx: service.EngineContext, row: Incident, now: datetime, *,
              kind: str, number: int = 1, info_source: str = "", **signature) -> ReportDraft:
    pkg = service.package_now(session, ctx, row, now)
    return draft_report(pkg, facts_of(session, ctx, row, pkg, info_source), kind=kind,
                        number=number, as_of=pkg.as_of,
                        **{k: v or TBD for k, v in signature.items()})


def of_incident(session: Session, incident_id: int) -> list[IncidentReport]:
    return list(session.scalars(select(IncidentReport)
                                .where(IncidentReport.incident_id == incident_id)
                                .order_by(IncidentReport.id)))


def _signature(data: dict) -> dict:
    out, problems = {}, []
    for name in FIELDS:
        value = data.get(name) or ""
        if not isinstance(value, str) or len(value) > MAX_FIELD:
            problems.append(FieldProblem(name, f"须为不超过 {MAX_FIELD} 字的文本",
                                         f"must be text up to {MAX_FIELD} characters"))
        else:
            out[name] = value.strip()
    if problems:
        raise InvalidIncident(problems)
    return out


def create(session: Session, ctx: service.EngineContext, incident_id: int, data, *,
           actor: str, now: datetime, default_unit: str = "") -> IncidentReport:
    row = service.get_incident(session, incident_id, drills=None)
    at = service.now_for(ctx, row, now)
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        raise InvalidIncident([FieldProblem("kind", "kind 须为 first、follow_up 或 final",
                                            "kind must be first, follow_up or final")])
    kind = data["kind"]
    sig = _signature(data)
    sig["reporting_unit"] = sig.get("reporting_unit") or default_unit
    existing = of_incident(session, incident_id)
    if kind == "first" and any(r.kind == "first" for r in existing):
        raise InvalidIncident([FieldProblem("kind", "初报已生成:事态发展请报续报",
                                            "the first report exists: send a follow-up")])
    number = 1 + int(session.scalar(select(func.count()).select_from(IncidentReport).where(
        IncidentReport.incident_id == incident_id, IncidentReport.kind == kind)) or 0)
    source = data.get("info_source") or ""
    if not isinstance(source, str) or len(source) > MAX_FIELD:
        raise InvalidIncident([FieldProblem("info_source", "信息来源须为不超过 200 字的文本",
                                            "info_source must be text up to 200 characters")])
    draft = draft_for(session, ctx, row, now, kind=kind, number=number, info_source=source,
                      **sig)
    report = IncidentReport(
        incident_id=row.id, kind=kind, number=number, title=draft.title,
        paragraphs=list(draft.paragraphs), table_header=list(draft.monitoring_header),
        table_rows=[list(r) for r in draft.monitoring_rows], created_by=actor, created_at=at,
        updated_at=at, **sig)
    session.add(report)
    row.events.append(IncidentEvent(actor=actor, kind="report", at=at,
                                    summary_zh=f"起草{draft.title}",
                                    summary_en=f"{KINDS[kind][1]} drafted",
                                    data={"kind": kind, "number": number}))
    session.flush()
    return report


def get(session: Session, incident_id: int, report_id: int) -> IncidentReport:
    report = session.get(IncidentReport, report_id)
    if report is None or report.incident_id != incident_id:
        raise service.NotFound(f"报告 {report_id}", f"report {report_id}")
    return report


def edit(session: Session, ctx: service.EngineContext, incident_id: int, report_id: int, data,
         *, actor: str, now: datetime) -> IncidentReport:
    row = service.get_incident(session, incident_id, drills=None)
    report = get(session, incident_id, report_id)
    if not isinstance(data, dict):
        raise InvalidIncident([FieldProblem("body", "请求体须为 JSON 对象", "not a JSON object")])
    service._check_version(report.version, data.get("version"))
    if report.sent_at is not None:
        raise InvalidIncident([FieldProblem("sent_at", "报告已报送,不能修改:请另报续报",
                                            "the report was sent: write a follow-up")])
    sig = _signature({k: data.get(k, getattr(report, k)) for k in FIELDS})
    if "text" in data:
        text = data["text"]
        if not isinstance(text, str) or len(text) > 50_000:
            raise InvalidIncident([FieldProblem("text", "正文须为不超过 5 万字的文本",
                                                "text must be up to 50,000 characters")])
        report.paragraphs = text.splitlines()
    for k, v in sig.items():
        setattr(report, k, v)
    report.updated_at = service.now_for(ctx, row, now)
    session.flush()
    return report


@dataclass(frozen=True)
class Clock:
    """A report's sending against its legal deadline (None: no statutory hours)."""

    due_at: datetime | None
    on_time: bool | None


def legal_clock(session: Session, ctx: service.EngineContext, row: Incident,
                report: IncidentReport, now: datetime) -> Clock:
    deadline_id = DEADLINE_OF_KIND.get(report.kind)
    if deadline_id is None:
        return Clock(None, None)
    pkg = service.package_now(session, ctx, row, now)
    due = next((d.due_at for d in pkg.report_deadlines if d.id == deadline_id), None)
    sent = service._aware(report.sent_at)
    return Clock(due, None if sent is None or due is None else sent <= due)


def mark_sent(session: Session, ctx: service.EngineContext, incident_id: int, report_id: int,
              data, *, actor: str, now: datetime) -> IncidentReport:
    row = service.get_incident(session, incident_id, drills=None)
    at = service.now_for(ctx, row, now)
    report = get(session, incident_id, report_id)
    if not isinstance(data, dict):
        raise InvalidIncident([FieldProblem("body", "请求体须为 JSON 对象", "not a JSON object")])
    service._check_version(report.version, data.get("version"))
    to = data.get("sent_to")
    if not isinstance(to, str) or not to.strip() or len(to) > 500:
        raise InvalidIncident([FieldProblem("sent_to", "须写明报送对象",
                                            "say to whom it was sent")])
    sent_at = at
    if data.get("sent_at"):
        try:
            sent_at = parse_time(data["sent_at"], ctx.tz)
        except ValueError:
            raise InvalidIncident([FieldProblem("sent_at", "时间格式有误",
                                                "not an ISO 8601 time")]) from None
    if report.sent_at is not None:
        raise InvalidIncident([FieldProblem("sent_at", "该报告已记录报送",
                                            "the sending is already recorded")])
    report.sent_to, report.sent_at, report.sent_by = to.strip(), sent_at, actor
    report.updated_at = at
    row.events.append(IncidentEvent(
        actor=actor, kind="report_sent", at=at,
        summary_zh=f"报送{report.title}(报送:{report.sent_to})",
        summary_en=f"{KINDS[report.kind][1]} sent", data={"report": report.id}))
    session.flush()
    return report


def docx_bytes(report: IncidentReport, is_drill: bool) -> bytes:
    return report_docx(report.title, report.paragraphs, report.table_header, report.table_rows,
                       is_drill=is_drill)


def first_report_text(session: Session, ctx: service.EngineContext, incident_id: int,
                      now: datetime, *, reporting_unit: str | None = None) -> tuple[str, bool]:
    """The 初报 draft as plain text (gaps marked 【待填】) and whether it is a drill."""
    row = service.get_incident(session, incident_id, drills=None)
    draft = draft_for(session, ctx, row, now, kind="first", reporting_unit=reporting_unit)
    return draft_text(draft), row.is_drill
