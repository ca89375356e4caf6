"""Monitoring results you can trust (应急监测数据): parsing, plausibility checks, samples.

Pure: no Flask, no database. A result is a sample at a plan site (``site_id``) or a point
(lon/lat) at a time, with a concentration or "not detected" (未检出) below a detection limit
(检出限), optionally marked as the plume's front (前锋).

Plausibility checks (each a :class:`Doubt` with its reason in Chinese and English). A doubtful
result is refused (422, ``implausible_observation``) unless the request carries
``confirm_implausible: true``; then it is kept with its doubts and the confirmation is logged.

* ``front_too_early`` — a front observed earlier than physically possible. The bound is the
  leading edge at Jobson's **maximum-probable** velocity (eq. 18 with V_mp), which exceeded
  99 % (national) and 100 % (West Virginia) of observed velocities (USGS SIR 2013-5182). The
  margin: a front is refused when its implied velocity exceeds the maximum-probable velocity by
  more than ``FRONT_VELOCITY_MARGIN`` (25 %) *and* it comes more than ``FRONT_TIME_SLACK``
  (30 min: sampling and clock errors, and the time to mix across the channel) before the
  bound — ``t_obs < t_mp / 1.25 − 30 min``. [I] the margin is an engineering choice.
  The bound is the *unfitted* model's (scaled by any stored factor): physics, not the fit.
* ``not_downstream`` — the point is not on the release's downstream path (an upstream control
  section 对照断面 can be kept with confirmation; it is never fitted).
* ``before_release`` — sampled before the release began (a background sample: kept with
  confirmation, never fitted).
* ``in_future`` — sampled later than now (more than ``FUTURE_GRACE``, clock differences).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from emergency.config import DEFAULT_TZ
from emergency.incidents.inputs import FieldProblem, InvalidIncident, parse_time
from rivers.assimilation import Sample

FRONT_VELOCITY_MARGIN = 1.25          # [I] implied velocity > 1.25 × V_mp → implausible
FRONT_TIME_SLACK = timedelta(minutes=30)   # [I] sampling / clock / mixing tolerance
FUTURE_GRACE = timedelta(minutes=10)  # clocks on different machines disagree a little
MAX_NOTE = 2000

OBSERVATION_FIELDS = ("site_id", "name_zh", "lon", "lat", "observed_at", "concentration_mg_l",
                      "not_detected", "detection_limit_mg_l", "front_detected", "parameter",
                      "note", "confirm_implausible")

SOURCES = ("manual", "import", "ingest")


@dataclass(frozen=True)
class ObservationInput:
    """A monitoring result as submitted (checked for form, not yet for plausibility)."""

    observed_at: datetime
    concentration_mg_l: float
    site_id: str | None = None
    name_zh: str = ""
    lon: float | None = None
    lat: float | None = None
    not_detected: bool = False
    detection_limit_mg_l: float | None = None
    front_detected: bool = False
    parameter: str | None = None
    note: str = ""
    confirm_implausible: bool = False


@dataclass(frozen=True)
class Doubt:
    """Why a result looks implausible (one plausibility check)."""

    code: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


class ImplausibleObservation(ValueError):
    """The result failed plausibility checks and was not confirmed: nothing was saved."""

    code = "implausible_observation"

    def __init__(self, doubts: list[Doubt]) -> None:
        super().__init__("; ".join(d.message_en for d in doubts))
        self.doubts = doubts
        self.message_zh = ("监测数据存疑,未保存:" + ";".join(d.message_zh for d in doubts)
                           + "。如确认无误,请勾选“确认接受存疑数据”后重新提交(将记入事件日志)")
        self.message_en = ("implausible monitoring result, not saved: "
                           + "; ".join(d.message_en for d in doubts)
                           + ". If it is right, resubmit with confirm_implausible "
                           "(logged in the timeline)")


def _number(data: Mapping, name: str, label_zh: str, problems: list[FieldProblem],
            *, required: bool = False) -> float | None:
    raw = data.get(name)
    if raw is None or raw == "":
        if required:
            problems.append(FieldProblem(name, f"缺少{label_zh}", "required"))
        return None
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = float(raw)
        if not math.isfinite(value) or value < 0:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(FieldProblem(name, f"{label_zh}须为 ≥ 0 的数字(mg/L),收到 {raw!r}",
                                     f"must be a number ≥ 0 (mg/L), got {raw!r}"))
        return None
    return value


def _flag(data: Mapping, name: str, problems: list[FieldProblem]) -> bool:
    raw = data.get(name, False)
    if raw in (None, ""):
        return False
    if not isinstance(raw, bool):
        problems.append(FieldProblem(name, "须为 true 或 false", "must be true or false"))
        return False
    return raw


def parse_observation(data: Any, *, tz: tzinfo = DEFAULT_TZ) -> ObservationInput:
    """Check a JSON body; every problem at once (raises :class:`InvalidIncident`)."""
    if not isinstance(data, dict):
        raise InvalidIncident([FieldProblem("body", "请求体须为 JSON 对象", "not a JSON object")])
    problems: list[FieldProblem] = []
    for name in sorted(set(data) - set(OBSERVATION_FIELDS) - {"version"}):
        problems.append(FieldProblem(name, "未知字段", "unknown field"))
    try:
        observed_at = parse_time(data.get("observed_at"), tz)
    except (TypeError, ValueError):
        problems.append(FieldProblem("observed_at", "缺少或无效的采样时间(ISO 8601)",
                                     "missing or invalid observed_at (ISO 8601)"))
        observed_at = None
    not_detected = _flag(data, "not_detected", problems)
    front = _flag(data, "front_detected", problems)
    confirm = _flag(data, "confirm_implausible", problems)
    conc = _number(data, "concentration_mg_l", "浓度", problems, required=not not_detected)
    limit = _number(data, "detection_limit_mg_l", "检出限", problems)
    if not_detected and limit is None and not any(
            p.field == "detection_limit_mg_l" for p in problems):
        problems.append(FieldProblem("detection_limit_mg_l", "未检出须给出检出限(mg/L)",
                                     "a not-detected result needs its detection limit (mg/L)"))
    if not_detected and front:
        problems.append(FieldProblem("front_detected", "未检出的结果不能标记为前锋",
                                     "a not-detected result cannot mark the front"))
    if (not not_detected and conc is not None and limit is not None and conc < limit
            and conc > 0):
        problems.append(FieldProblem("concentration_mg_l",
                                     f"浓度 {conc:g} 低于检出限 {limit:g}:应记为未检出",
                                     f"{conc:g} is below the detection limit {limit:g}: "
                                     "record it as not detected"))
    site_id = data.get("site_id") or None
    lon = lat = None
    if site_id is not None and not isinstance(site_id, str):
        problems.append(FieldProblem("site_id", "点位编号须为文本", "site_id must be text"))
    if site_id is None:
        try:
            lon, lat = float(data["lon"]), float(data["lat"])
            if not (math.isfinite(lon) and math.isfinite(lat)):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            problems.append(FieldProblem("location", "须给出点位(site_id)或经纬度",
                                         "give a site_id or lon and lat"))
    texts = {}
    for name, limit_len in (("name_zh", 200), ("parameter", 64), ("note", MAX_NOTE)):
        raw = data.get(name)
        if raw in (None, ""):
            texts[name] = ""
        elif not isinstance(raw, str) or len(raw) > limit_len:
            problems.append(FieldProblem(name, f"须为不超过 {limit_len} 字的文本",
                                         f"must be text of at most {limit_len} characters"))
        else:
            texts[name] = raw.strip()
    if problems:
        raise InvalidIncident(problems)
    return ObservationInput(
        observed_at=observed_at, concentration_mg_l=0.0 if not_detected else float(conc),
        site_id=site_id, name_zh=texts["name_zh"], lon=lon, lat=lat, not_detected=not_detected,
        detection_limit_mg_l=limit, front_detected=front, parameter=texts["parameter"] or None,
        note=texts["note"], confirm_implausible=confirm)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f}"


def plausibility(obs: ObservationInput, *, km: float | None, occurred_at: datetime,
                 now: datetime, earliest_front_s: float | None, tz: tzinfo = DEFAULT_TZ
                 ) -> list[Doubt]:
    """The doubts about ``obs`` (empty: plausible).

    ``km`` is the distance along the downstream path (None: not downstream);
    ``earliest_front_s`` the leading edge at the maximum-probable velocity there, in s after
    the release started (None when not downstream).
    """
    doubts: list[Doubt] = []
    local = obs.observed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if km is None:
        doubts.append(Doubt("not_downstream",
                            "该点位不在事发点下游路径上,污染团不会到达"
                            "(如为上游对照断面,可确认后保存,但不参与拟合)",
                            "the point is not downstream of the release: the plume does not "
                            "reach it (an upstream control section may be kept with "
                            "confirmation; it is never fitted)"))
    if obs.observed_at < occurred_at:
        doubts.append(Doubt("before_release",
                            f"采样时间 {local} 早于事件发生时间(背景值可确认后保存,不参与拟合)",
                            f"sampled at {local}, before the release began (a background "
                            "sample may be kept with confirmation; it is never fitted)"))
    if obs.observed_at > now + FUTURE_GRACE:
        doubts.append(Doubt("in_future", f"采样时间 {local} 晚于当前时间",
                            f"sampled at {local}, which is in the future"))
    if (obs.front_detected and km is not None and earliest_front_s is not None
            and obs.observed_at >= occurred_at):
        elapsed = (obs.observed_at - occurred_at).total_seconds()
        bound = earliest_front_s / FRONT_VELOCITY_MARGIN - FRONT_TIME_SLACK.total_seconds()
        if elapsed < bound:
            doubts.append(Doubt(
                "front_too_early",
                f"前锋在发生后 {_hours(elapsed)} h 到达 km {km:g},快于物理上可能的最快传播"
                f"(最大可能流速下最早约 {_hours(earliest_front_s)} h;判据:超过最大可能流速 25% "
                "且提前 30 分钟以上)",
                f"a front at km {km:g} {_hours(elapsed)} h after the release is faster than "
                f"physically possible (earliest at the maximum-probable velocity about "
                f"{_hours(earliest_front_s)} h; rule: more than 25 % faster and over 30 min "
                "early)"))
    return doubts


def fits(row: Any, *, occurred_at: datetime) -> bool:
    """Whether a stored result enters the fit: not voided, on the path, after the release."""
    if getattr(row, "voided_at", None) is not None or row.km is None:
        return False
    return _aware(row.observed_at) > occurred_at


def _aware(dt: datetime) -> datetime:
    from datetime import UTC

    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def samples_from(rows: Iterable[Any], *, occurred_at: datetime,
                 same_substance=lambda parameter: True) -> list[Sample]:
    """The fitting samples of stored results (``rows`` with the Observation attributes).

    Voided results, points not downstream, samples before the release and results of another
    parameter (``same_substance(parameter)`` False) are left out.
    """
    out = []
    for row in rows:
        if not fits(row, occurred_at=occurred_at) or not same_substance(row.parameter):
            continue
        out.append(Sample(
            offset_m=float(row.km) * 1000.0,
            t_s=(_aware(row.observed_at) - occurred_at).total_seconds(),
            conc_mg_l=0.0 if row.not_detected else float(row.concentration_mg_l),
            not_detected=bool(row.not_detected) or not row.concentration_mg_l > 0,
            detection_limit_mg_l=row.detection_limit_mg_l, front=bool(row.front_detected),
            ref=row.id))
    return out


__all__ = ["ObservationInput", "Doubt", "ImplausibleObservation", "parse_observation",
           "plausibility", "samples_from", "fits", "FRONT_VELOCITY_MARGIN", "FRONT_TIME_SLACK",
           "SOURCES"]
