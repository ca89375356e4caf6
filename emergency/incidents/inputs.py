"""What a duty officer reports (事件信息): parsed and checked, every problem at once.

Pure: no Flask, no database. Times are ISO 8601; a time without an offset is read in the
configured zone (Asia/Shanghai). When neither a flow condition nor a discharge is given, the
flow condition is chosen from the month of the occurrence (rivers/data/hydraulics_defaults.yaml).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from emergency.config import DEFAULT_TZ

FLOW_CONDITIONS = ("flood", "normal", "dry", "ice")
_PLAN_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
# Clocks on different machines disagree a little; a report "from the future" by less is fine.
_GRACE = timedelta(minutes=10)
# Upper bounds of what a report can say: far beyond any real release (the largest tailings dam
# failures moved ~1e10 kg; the Amazon carries ~2e5 m³/s), so they only stop values that would
# overflow the transport arithmetic or the database's columns (PostgreSQL integer: 2^31 - 1).
LIMITS = {"mass_kg": 1e10, "release_hours": 24 * 366, "discharge_m3s": 1e6,
          "deaths": 100_000_000, "injured": 100_000_000, "evacuated": 100_000_000,
          "economic_loss_cny": 1e15}
MAX_ID = 2**31 - 1
FLOW_LABELS = {"flood": ("汛期高水", "flood"), "normal": ("平水", "normal flow"),
               "dry": ("枯水", "low flow"), "ice": ("冰封期", "ice-covered")}


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message_zh: str
    message_en: str


class InvalidIncident(ValueError):
    """The report has problems; ``problems`` lists every one of them."""

    code = "invalid_incident"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message_en}" for p in problems))
        self.problems = problems
        self.message_zh = "事件信息有误:" + ";".join(f"{p.field}:{p.message_zh}" for p in problems)
        self.message_en = "invalid incident: " + "; ".join(
            f"{p.field}: {p.message_en}" for p in problems)


@dataclass(frozen=True)
class IncidentInput:
    """A reported (or drilled) release into a river."""

    substance: str
    mass_kg: float
    occurred_at: datetime
    discovered_at: datetime
    lon: float | None = None
    lat: float | None = None
    risk_source_id: int | None = None
    segment_id: int | None = None           # the officer's choice among snap candidates
    release_hours: float = 0.0
    flow_condition: str | None = None
    discharge_m3s: float | None = None      # explicit discharge at the source, m³/s
    flow_chosen_from_date: bool = False
    deaths: int = 0
    injured: int = 0
    evacuated: int = 0
    economic_loss_cny: float = 0.0
    title: str = ""
    description: str = ""
    residential_school_hospital: bool = False
    mass_incident: bool = False
    sensitive_area: bool = False
    important_period: bool = False
    public_attention: bool = False
    is_drill: bool = False
    velocity_factor: float = 1.0            # travel-time scale re-fitted from observations
    # Inside a chemical park (三级防控): the liquid released (m³; None: from mass and density)
    # and the fire-fighting water (m³/h for h; None: the plan's rate, DEFAULT_FIREWATER_HOURS).
    released_volume_m3: float | None = None
    firewater_m3_per_h: float | None = None
    firewater_hours: float | None = None
    # The chemical park (一园一策一图 plan id) and the enterprise in its plan where the release
    # happened, when not given by a risk source of the inventory (e.g. a drill, or a plant the
    # inventory does not list).
    park_id: str | None = None
    park_enterprise_id: str | None = None
    extra: dict = field(default_factory=dict)


EDITABLE_FIELDS = (
    "substance", "mass_kg", "release_hours", "occurred_at", "discovered_at", "flow_condition",
    "discharge_m3s", "deaths", "injured", "evacuated", "economic_loss_cny", "title",
    "description", "residential_school_hospital", "mass_incident", "sensitive_area",
    "important_period", "public_attention", "lon", "lat", "segment_id", "risk_source_id",
    "released_volume_m3", "firewater_m3_per_h", "firewater_hours", "park_id",
    "park_enterprise_id",
)
#: Upper bounds of the containment inputs: the largest tank farm volume, the largest fire-water
#: pump station, three days of fire-fighting — beyond these a figure is a typing error.
CONTAINMENT_LIMITS = {"released_volume_m3": 1e6, "firewater_m3_per_h": 2e4,
                      "firewater_hours": 72.0}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


def parse_time(value: Any, tz: tzinfo = DEFAULT_TZ) -> datetime:
    """ISO 8601 → aware datetime (no offset: read in ``tz``). Raises ValueError."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str) and value.strip():
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise ValueError("not a time")
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def parse_incident(data: Any, *, substances, season_by_month: dict[int, str],
                   now: datetime, base: IncidentInput | None = None,
                   tz: tzinfo = DEFAULT_TZ) -> IncidentInput:
    """Check a JSON body (a new report, or a partial update on ``base``). All problems at once.

    ``substances`` is the chemical catalogue (its ``get`` accepts id, names or CAS).
    """
    problems: list[FieldProblem] = []
    if not isinstance(data, dict):
        raise InvalidIncident([FieldProblem("body", "请求体须为 JSON 对象",
                                            "the body must be a JSON object")])

    def bad(name: str, zh: str, en: str) -> None:
        problems.append(FieldProblem(name, zh, en))

    unknown = set(data) - set(EDITABLE_FIELDS) - {"is_drill"}
    for name in sorted(unknown):
        bad(name, "未知字段", "unknown field")

    values: dict[str, Any] = {}

    def number(name: str, *, minimum: float = 0.0, strict: bool = False, integer: bool = False,
               label_zh: str = "", maximum: float = math.inf) -> None:
        if name not in data or data[name] is None or data[name] == "":
            return
        raw = data[name]
        try:
            if isinstance(raw, bool):
                raise ValueError
            value = int(float(raw)) if integer and float(raw).is_integer() else float(raw)
            if integer and not isinstance(value, int):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            kind_zh, kind_en = ("整数", "a whole number") if integer else ("数字", "a number")
            bad(name, f"{label_zh}须为{kind_zh},收到 {_shown(raw)}",
                f"must be {kind_en}, got {_shown(raw)}")
            return
        if not math.isfinite(value) or value < minimum or (strict and value <= minimum):
            op = ">" if strict else "≥"
            bad(name, f"{label_zh}须 {op} {minimum:g}", f"must be {op} {minimum:g}")
            return
        limit = min(maximum, LIMITS.get(name, math.inf))
        if value > limit:
            bad(name, f"{label_zh}须 ≤ {limit:g}", f"must be ≤ {limit:g}")
            return
        values[name] = value

    number("mass_kg", strict=True, label_zh="泄漏量(kg)")
    number("release_hours", label_zh="排放持续时间(h)")
    number("discharge_m3s", strict=True, label_zh="流量(m³/s)")
    for name, label in (("deaths", "死亡人数"), ("injured", "中毒或重伤人数"),
                        ("evacuated", "疏散转移人数")):
        number(name, integer=True, label_zh=label)
    number("economic_loss_cny", label_zh="直接经济损失(元)")
    for name, label in (("released_volume_m3", "泄漏液体体积(m³)"),
                        ("firewater_m3_per_h", "消防水量(m³/h)"),
                        ("firewater_hours", "消防持续时间(h)")):
        number(name, label_zh=label, maximum=CONTAINMENT_LIMITS[name])
    for name, bound in (("lon", 180.0), ("lat", 90.0)):
        if name in data and data[name] is not None:
            try:
                if isinstance(data[name], bool):
                    raise ValueError
                values[name] = float(data[name])
                if not math.isfinite(values[name]) or abs(values[name]) > bound:
                    raise ValueError
            except (TypeError, ValueError, OverflowError):
                values.pop(name, None)
                bad(name, f"坐标须为十进制度数(±{bound:g} 以内),收到 {_shown(data[name])}",
                    f"must be decimal degrees (within ±{bound:g}), got {_shown(data[name])}")
    for name in ("segment_id", "risk_source_id"):
        if data.get(name) not in (None, ""):
            raw = data[name]
            try:
                if isinstance(raw, bool) or isinstance(raw, float) and not raw.is_integer():
                    raise ValueError
                values[name] = int(raw)
                if not 0 <= values[name] <= MAX_ID:
                    raise ValueError
            except (TypeError, ValueError, OverflowError):
                values.pop(name, None)
                bad(name, f"须为整数编号,收到 {_shown(raw)}", "must be an integer id")
    for name in ("occurred_at", "discovered_at"):
        if data.get(name) not in (None, ""):
            try:
                values[name] = parse_time(data[name], tz)
            except ValueError:
                bad(name, "时间格式有误(须为 ISO 8601,如 2026-07-23T09:30+08:00),"
                    f"收到 {_shown(data[name])}",
                    f"not an ISO 8601 time (e.g. 2026-07-23T09:30+08:00): {_shown(data[name])}")
    if data.get("substance") not in (None, ""):
        sub = substances.get(str(data["substance"]))
        if sub is None:
            bad("substance",
                f"化学品目录中没有 {_shown(data['substance'])}(可用名称、英文名或 CAS 号)",
                f"{_shown(data['substance'])} is not in the chemical catalogue "
                "(name, English name or CAS)")
        else:
            values["substance"] = sub.id
    if data.get("flow_condition") not in (None, ""):
        if data["flow_condition"] not in FLOW_CONDITIONS:
            bad("flow_condition", f"水情须为 {' / '.join(FLOW_CONDITIONS)} 之一",
                f"must be one of {', '.join(FLOW_CONDITIONS)}")
        else:
            values["flow_condition"] = data["flow_condition"]
    for name in ("park_id", "park_enterprise_id"):
        if data.get(name) not in (None, ""):
            raw = data[name]
            if not isinstance(raw, str) or not _PLAN_ID.fullmatch(raw):
                bad(name, "须为园区预案中的编号(小写字母、数字和连字符)",
                    "must be an id from the park plan (lower-case letters, digits, hyphens)")
            else:
                values[name] = raw
    if "park_enterprise_id" in values and "park_id" not in values and \
            (base is None or base.park_id is None):
        bad("park_enterprise_id", "须同时给出园区(park_id)", "give the park (park_id) too")
    for name in ("title", "description"):
        if name in data and data[name] is not None:
            if not isinstance(data[name], str) or len(data[name]) > 4000:
                bad(name, "须为不超过 4000 字的文本", "must be text of at most 4000 characters")
            else:
                values[name] = data[name].strip()
    for name in ("residential_school_hospital", "mass_incident", "sensitive_area",
                 "important_period", "public_attention", "is_drill"):
        if name in data and data[name] is not None:
            if not isinstance(data[name], bool):
                bad(name, "须为 true 或 false", "must be true or false")
            else:
                values[name] = data[name]

    if base is None:
        required = {"substance": "污染物", "mass_kg": "泄漏量", "occurred_at": "发生时间"}
        for name, label in required.items():
            if name not in values and not any(p.field == name for p in problems):
                bad(name, f"缺少{label}", "required")
        has_point = "lon" in values and "lat" in values
        if not has_point and "risk_source_id" not in values and "park_id" not in values \
                and not any(p.field in ("lon", "lat", "risk_source_id", "park_id")
                            for p in problems):
            bad("location", "须给出事发位置(经纬度)、风险源或化工园区",
                "give the location (lon and lat), a risk source or a chemical park")
        values.setdefault("discovered_at", values.get("occurred_at", now))
    if problems:
        raise InvalidIncident(problems)

    merged = replace(base, **values) if base else IncidentInput(**values)
    if "discharge_m3s" in values and "flow_condition" not in values:
        merged = replace(merged, flow_condition=None)
    if merged.discovered_at < merged.occurred_at:
        problems.append(FieldProblem("discovered_at", "发现时间不能早于发生时间",
                                     "discovery cannot precede occurrence"))
    if merged.discovered_at > now.astimezone(merged.discovered_at.tzinfo) + _GRACE:
        problems.append(FieldProblem("discovered_at", "发现时间不能晚于当前时间",
                                     "discovery cannot be in the future"))
    if problems:
        raise InvalidIncident(problems)
    if merged.flow_condition is None and merged.discharge_m3s is None:
        month = merged.occurred_at.astimezone(tz).month
        merged = replace(merged, flow_condition=season_by_month[month], flow_chosen_from_date=True)
    elif "flow_condition" in values or "discharge_m3s" in values:
        merged = replace(merged, flow_chosen_from_date=False)
    return merged

