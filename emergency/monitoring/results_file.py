"""Monitoring-result files (监测结果表): CSV or XLSX with Chinese headings, read row by row.

Headings (HJ 589-2021 reports give place, time, parameter and value): 点位, 经度, 纬度, 采样时间,
监测项目, 浓度(mg/L), 检出限, 备注; optionally 前锋 (是/否). English headings are accepted too. A
title row above the headings is allowed. 浓度 may be a number, or 未检出 / ND / "<0.005" (not
detected; the limit from 检出限 or the "<" value). Without 经度/纬度 the 点位 names a plan site on
the path (its id or name). Pure: returns the observation bodies the service checks, or the
problems of the file itself, each naming the row as a spreadsheet shows it and the column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from emergency.exports import restore
from emergency.spreadsheets import UnreadableFile, csv_rows, xlsx_rows

__all__ = ["COLUMNS", "read_results", "ParsedResults", "FileProblem", "TEMPLATE_HEADINGS",
           "FIELD_HEADINGS"]


@dataclass(frozen=True)
class Column:
    field: str
    heading: str
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("site", "点位", ("点位名称", "监测点位", "断面", "site")),
    Column("lon", "经度", ("lon", "longitude")),
    Column("lat", "纬度", ("lat", "latitude")),
    Column("observed_at", "采样时间", ("监测时间", "时间", "observed_at", "time")),
    Column("parameter", "监测项目", ("项目", "污染物", "parameter")),
    Column("concentration", "浓度(mg/L)", ("浓度", "浓度mg/l", "concentration_mg_l",
                                          "concentration")),
    Column("detection_limit", "检出限", ("检出限(mg/L)", "检出限mg/l", "detection_limit_mg_l")),
    Column("note", "备注", ("note",)),
    Column("front", "前锋", ("前锋到达", "front_detected", "front")),
)
TEMPLATE_HEADINGS = tuple(c.heading for c in COLUMNS[:8])
# the heading that shows a checked field (problems found by the service name the column)
FIELD_HEADINGS = {"site_id": "点位", "location": "点位", "name_zh": "点位", "lon": "经度",
                  "lat": "纬度", "observed_at": "采样时间", "parameter": "监测项目",
                  "concentration_mg_l": "浓度(mg/L)", "detection_limit_mg_l": "检出限",
                  "not_detected": "浓度(mg/L)", "note": "备注", "front_detected": "前锋",
                  "front_too_early": "采样时间", "before_release": "采样时间",
                  "in_future": "采样时间", "not_downstream": "点位"}
REQUIRED = ("site", "observed_at", "concentration")
_HEADER_SCAN_ROWS = 5
_ND_WORDS = {"未检出", "nd", "n.d.", "<dl", "低于检出限"}
_YES = {"是", "y", "yes", "true", "1", "√"}
_NO = {"否", "n", "no", "false", "0", ""}


def _norm(value: object) -> str:
    text = "" if value is None else str(value)
    return re.sub(r"[\s()()::]", "", text).lower()


_BY_HEADING = {_norm(alias): c for c in COLUMNS for alias in (c.heading, *c.aliases)}


@dataclass(frozen=True)
class FileProblem:
    row: int          # as the spreadsheet shows it (1-based); 0: the file as a whole
    column: str
    message_zh: str
    message_en: str


@dataclass
class ParsedResults:
    bodies: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


def _file_problem(zh: str, en: str) -> ParsedResults:
    return ParsedResults(problems=[FileProblem(0, "file", zh, en)])


def _csv_rows(data: bytes) -> list[Sequence[object]] | ParsedResults:
    try:
        return csv_rows(data)
    except UnreadableFile as exc:
        return _file_problem(exc.message_zh, exc.message_en)


def _xlsx_rows(data: bytes) -> list[Sequence[object]] | ParsedResults:
    try:
        return xlsx_rows(data)[1]  # the first sheet
    except UnreadableFile as exc:
        return _file_problem(exc.message_zh, exc.message_en)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _time(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return None
    text = str(value).strip().replace("/", "-")
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}(:\d{2})?", text):
        day, clock = text.split(" ")
        y, m, d = day.split("-")
        hh, mm, *ss = clock.split(":")
        text = f"{y}-{int(m):02d}-{int(d):02d}T{int(hh):02d}:{mm}" + (f":{ss[0]}" if ss else "")
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return text


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def read_results(data: bytes, filename: str) -> ParsedResults:
    """Observation bodies (row number, body) from a CSV or XLSX file, or its problems."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(data)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(data)
    else:
        return _file_problem("请上传 .csv 或 .xlsx 文件", "upload a .csv or .xlsx file")
    if isinstance(rows, ParsedResults):
        return rows
    header_at, best = 0, 0
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        hits = sum(1 for cell in row if _norm(cell) in _BY_HEADING)
        if hits > best:
            header_at, best = i, hits
    if not rows or best == 0:
        return _file_problem("没有找到表头(点位、经度、纬度、采样时间、监测项目、浓度(mg/L)、"
                             "检出限、备注)",
                             "no heading row found (点位, 经度, 纬度, 采样时间, 监测项目, "
                             "浓度(mg/L), 检出限, 备注)")
    columns = [_BY_HEADING.get(_norm(cell)) for cell in rows[header_at]]
    present = {c.field for c in columns if c is not None}
    missing = [c.heading for c in COLUMNS if c.field in REQUIRED and c.field not in present]
    if missing:
        return _file_problem(f"缺少必填列:{'、'.join(missing)}",
                             f"required columns missing: {', '.join(missing)}")
    heading = {c.field: c.heading for c in COLUMNS}
    out = ParsedResults()
    for offset, row in enumerate(rows[header_at + 1:]):
        number = header_at + 2 + offset
        if all(_blank(v) for v in row):
            continue
        values = {c.field: restore(row[i]) for i, c in enumerate(columns)
                  if c is not None and i < len(row)}

        def bad(name: str, zh: str, en: str, number=number) -> None:
            out.problems.append(FileProblem(number, heading[name], zh, en))

        body: dict = {}
        site = values.get("site")
        has_point = not _blank(values.get("lon")) or not _blank(values.get("lat"))
        if has_point:
            lon, lat = _number(values.get("lon")), _number(values.get("lat"))
            if lon is None:
                bad("lon", "经度须为十进制度数", "longitude must be decimal degrees")
            if lat is None:
                bad("lat", "纬度须为十进制度数", "latitude must be decimal degrees")
            body.update(lon=lon, lat=lat)
            if not _blank(site):
                body["name_zh"] = str(site).strip()[:200]
        elif _blank(site):
            bad("site", "须填写点位(或经纬度)", "give the site (or lon/lat)")
        else:
            body["site_id"] = str(site).strip()
        raw_time = values.get("observed_at")
        when = None if _blank(raw_time) else _time(raw_time)
        if when is None:
            bad("observed_at", "采样时间须为 2026-07-23 14:30 这样的日期时间",
                "sampling time must be a date and time such as 2026-07-23 14:30")
        else:
            body["observed_at"] = when
        limit = None
        if not _blank(values.get("detection_limit")):
            limit = _number(values.get("detection_limit"))
            if limit is None or limit < 0:
                bad("detection_limit", "检出限须为 ≥ 0 的数字(mg/L)",
                    "the detection limit must be a number ≥ 0 (mg/L)")
            else:
                body["detection_limit_mg_l"] = limit
        raw = values.get("concentration")
        text = "" if raw is None else str(raw).strip()
        if _blank(raw):
            bad("concentration", "须填写浓度(或“未检出”)", "give the concentration (or 未检出)")
        elif text.lower() in _ND_WORDS or text.startswith("<") or text.startswith("<"):
            body["not_detected"] = True
            below = _number(text[1:].strip()) if text[:1] in "<<" else None
            if below is not None and "detection_limit_mg_l" not in body:
                body["detection_limit_mg_l"] = below
            if "detection_limit_mg_l" not in body:
                bad("detection_limit", "未检出须填写检出限", "not detected: give the limit")
        else:
            conc = _number(raw)
            if conc is None or conc < 0:
                bad("concentration", f"浓度须为 ≥ 0 的数字或“未检出”,收到 {text!r}",
                    f"the concentration must be a number ≥ 0 or 未检出, got {text!r}")
            else:
                body["concentration_mg_l"] = conc
        if not _blank(values.get("parameter")):
            body["parameter"] = str(values["parameter"]).strip()[:64]
        if not _blank(values.get("note")):
            body["note"] = str(values["note"]).strip()[:2000]
        flag = _norm(values.get("front"))
        if flag in _YES:
            body["front_detected"] = True
        elif flag not in _NO:
            bad("front", "前锋须为 是/否", "front must be 是 or 否")
        out.bodies.append((number, body))
    return out
