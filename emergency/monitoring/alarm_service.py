"""Automatic-station readings and alarms (水质自动站报警) — no Flask here.

A reading above its parameter's threshold raises an alarm: shown in every page header until a
duty officer acknowledges it, and written to the duty log (值班日志) when raised and when
acknowledged. The threshold is the catalogue's surface-water limit of the parameter
(emergency/substances: GB 3838-2002 and its sources); a parameter without a limit raises none.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emergency.incidents.inputs import FieldProblem, InvalidIncident, parse_time
from emergency.incidents.service import EngineContext, NotFound
from emergency.monitoring.tracing_service import stations
from emergency.store.monitoring_models import StationAlarm, StationReading

FUTURE_GRACE = timedelta(minutes=10)
MAX_READINGS = 2000


def _log(session: Session, text: str, now: datetime) -> None:
    """Write to the duty log (值班日志) as the system."""
    from emergency.roster.service import add_log_entry

    add_log_entry(session, {"kind": "report", "text": text}, actor="system",
                  actor_name="水质自动站", now=now)


def record_readings(session: Session, ctx: EngineContext, station_id: str, data: Any, *,
                    actor: str, now: datetime) -> tuple[list[StationReading], list[StationAlarm]]:
    """Store readings (``{"readings": [{parameter, value_mg_l, observed_at}]}`` or one such
    object), all or nothing; raise an alarm for each above its threshold."""
    station = next((s for s in stations(ctx) if s.id == station_id), None)
    if station is None:
        raise NotFound(f"自动站 {station_id}", f"station {station_id}")
    rows = data.get("readings") if isinstance(data, dict) and "readings" in data else [data]
    if not isinstance(rows, list) or not rows or len(rows) > MAX_READINGS:
        raise InvalidIncident([FieldProblem("readings", f"须为 1–{MAX_READINGS} 条读数",
                                            f"give 1–{MAX_READINGS} readings")])
    problems: list[FieldProblem] = []
    checked = []
    for k, row in enumerate(rows):
        where = f"readings[{k}]." if len(rows) > 1 else ""
        if not isinstance(row, dict):
            problems.append(FieldProblem(where + "body", "须为对象", "must be an object"))
            continue
        substance = ctx.catalogue.get(str(row.get("parameter") or ""))
        if substance is None:
            problems.append(FieldProblem(where + "parameter", "化学品目录中没有该监测项目",
                                         "parameter not in the chemical catalogue"))
        try:
            value = float(row.get("value_mg_l"))
            if not math.isfinite(value) or value < 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(FieldProblem(where + "value_mg_l", "读数须为 ≥ 0 的数字(mg/L)",
                                         "value must be a number ≥ 0 (mg/L)"))
            value = None
        try:
            at = parse_time(row.get("observed_at"), ctx.tz)
            if at > now + FUTURE_GRACE:
                problems.append(FieldProblem(where + "observed_at", "监测时间晚于当前时间",
                                             "observed in the future"))
        except (TypeError, ValueError):
            problems.append(FieldProblem(where + "observed_at", "缺少或无效的监测时间",
                                         "missing or invalid observed_at"))
            at = None
        if substance is not None and value is not None and at is not None:
            checked.append((substance, value, at))
    if problems:
        raise InvalidIncident(problems)
    readings, alarms = [], []
    for substance, value, at in checked:
        reading = StationReading(station_id=station.id, parameter=substance.id,
                                 value_mg_l=value, observed_at=at, received_at=now,
                                 recorded_by=actor)
        session.add(reading)
        session.flush()
        readings.append(reading)
        limit = substance.limit_mg_l
        if limit is not None and value > limit:
            alarm = StationAlarm(station_id=station.id, station_name_zh=station.name_zh,
                                 reading_id=reading.id, parameter=substance.id,
                                 value_mg_l=value, threshold_mg_l=float(limit), observed_at=at,
                                 raised_at=now, note="")
            session.add(alarm)
            alarms.append(alarm)
            _log(session, f"水质自动站报警:{station.name_zh} {substance.name_zh} "
                          f"{value:g} mg/L 超过阈值 {limit:g} mg/L"
                          f"({at.astimezone(ctx.tz):%m-%d %H:%M})", now)
    session.flush()
    return readings, alarms


def list_alarms(session: Session, *, open_only: bool = False, limit: int = 200
                ) -> list[StationAlarm]:
    query = select(StationAlarm)
    if open_only:
        query = query.where(StationAlarm.acknowledged_at.is_(None))
    return list(session.scalars(query.order_by(StationAlarm.raised_at.desc(),
                                               StationAlarm.id.desc()).limit(limit)))


def open_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(StationAlarm)
                              .where(StationAlarm.acknowledged_at.is_(None))) or 0)


def acknowledge(session: Session, alarm_id: int, data: Any, *, actor: str, now: datetime
                ) -> StationAlarm:
    """The duty officer has seen it (确认): off the header, into the duty log."""
    alarm = session.get(StationAlarm, alarm_id)
    if alarm is None:
        raise NotFound(f"报警 {alarm_id}", f"alarm {alarm_id}")
    if alarm.acknowledged_at is not None:
        raise InvalidIncident([FieldProblem("alarm", "该报警已确认", "already acknowledged")])
    note = data.get("note", "") if isinstance(data, dict) else ""
    incident_id = data.get("incident_id") if isinstance(data, dict) else None
    if not isinstance(note, str) or len(note) > 2000:
        raise InvalidIncident([FieldProblem("note", "备注须为不超过 2000 字的文本",
                                            "note: text of at most 2000 characters")])
    if incident_id is not None and not isinstance(incident_id, int):
        raise InvalidIncident([FieldProblem("incident_id", "须为事件编号", "an incident id")])
    alarm.acknowledged_at, alarm.acknowledged_by = now, actor
    alarm.note, alarm.incident_id = note.strip(), incident_id
    _log(session, f"确认水质自动站报警:{alarm.station_name_zh} {alarm.parameter} "
                  f"{alarm.value_mg_l:g} mg/L({actor})" + (f";{note.strip()}" if note else ""),
         now)
    session.flush()
    return alarm


__all__ = ["record_readings", "list_alarms", "open_count", "acknowledge"]
