"""Inventory API (/api): risk sources, materials, teams, experts, substances; import and export.

Thin: parse and check the parameters (bilingual 400s), call ``emergency.inventory``, serialise.

Listings take the filters ``county`` (name, short name or adcode), ``prefecture``,
``bbox=west,south,east,north`` (WGS84 degrees) and their own: risk sources ``kind``, ``river``,
``substance``; materials ``category``, ``storage_mode``; teams ``level``, ``specialty``;
experts ``field``; substances ``class``, ``q``, ``heavy_metal``.

Files: ``GET /api/inventory/<kind>.csv|.xlsx|.geojson`` (kind: risk-sources, materials, teams,
experts), ``GET /api/inventory/<kind>/template.csv|.xlsx`` (headings only), and
``POST /api/inventory/<kind>/import`` (multipart ``file``; ``dry_run=1`` validates only) →
200 with counts, or 422 listing every bad row — nothing is written unless the whole file is good.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, current_app, jsonify, send_file
from sqlalchemy.exc import IntegrityError

from emergency.inventory import export, service
from emergency.inventory.columns import SHEETS
from emergency.inventory.places import Places, places_for
from emergency.inventory.rules import RuleSettings
from emergency.inventory.service import InventoryQuery, Stored
from emergency.inventory.tables import write_csv, write_xlsx
from emergency.inventory.vocab import (
    KINDS,
    MATERIAL_CATEGORIES,
    RISK_SOURCE_KINDS,
    STORAGE_MODES,
    TEAM_LEVELS,
)
from emergency.substances import (
    BEHAVIOURS,
    LIMIT_BASES,
    Substance,
    SubstanceCatalogue,
    load_catalogue,
)
from emergency.web.auth import current_user
from emergency.web.clock import today
from emergency.web.errors import ApiError
from emergency.web.params import arg, bad_parameter, flag, one_of, parse_float, uploaded_file
from plans.vocabulary import POLLUTANT_CLASSES
from rivers.network import UNNAMED_ZH, RiverNetwork, named_rivers

T = TypeVar("T")

bp = Blueprint("inventory_api", __name__, url_prefix="/api")

MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "geojson": "application/geo+json"}


# ----------------------------------------------------------------------------- context
def network() -> RiverNetwork:
    return current_app.extensions["rivers"].get()


def places() -> Places:
    return places_for(network())


def catalogue() -> SubstanceCatalogue:
    return load_catalogue()


def db():
    return current_app.extensions["database"]


def settings() -> RuleSettings:
    cfg = current_app.config
    return RuleSettings(today=today(),
                        county_tolerance_m=cfg["INVENTORY_COUNTY_TOLERANCE_M"],
                        snap_max_distance_m=cfg["SNAP_MAX_DISTANCE_M"])


# ----------------------------------------------------------------------------- parameters
def _known(name: str, find: Callable[[str], T | None], label_zh: str, not_zh: str,
           not_en: str) -> T | None:
    """The query parameter ``name`` as ``find`` knows it: None when not given, a 400 naming the
    value when ``find`` does not know it."""
    value = arg(name)
    if value is None:
        return None
    found = find(value)
    if found is None:
        raise bad_parameter(name, f"({label_zh})「{value}」{not_zh}", f"{value!r} {not_en}", value)
    return found


def _county() -> int | None:
    found = _known("county", lambda v: places().county(v), "县级行政区",
                   "不是吉林省的县、县级市或市辖区", "is not a county-level unit of Jilin")
    return None if found is None else found.adcode


def _prefecture() -> str | None:
    return _known("prefecture", lambda v: places().prefecture(v), "市州", "不是吉林省的市(州)",
                  "is not a prefecture of Jilin")


def _bbox() -> tuple[float, float, float, float] | None:
    value = arg("bbox")
    if value is None:
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise bad_parameter("bbox", "(范围)须为 西,南,东,北 四个数,如 125.0,43.5,127.0,44.5",
                   "must be four numbers west,south,east,north, e.g. 125.0,43.5,127.0,44.5",
                   value)
    west, south, east, north = (parse_float(p, "bbox", "范围") for p in parts)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise bad_parameter("bbox", "(范围)须满足 西<东、南<北,经度在 −180…180、纬度在 −90…90",
                   "must have west < east and south < north, longitudes in −180…180 and "
                   "latitudes in −90…90", value)
    return west, south, east, north


def _river_named(value: str) -> str | None:
    """The river network's name (中文) of the river called or numbered ``value``."""
    if value == UNNAMED_ZH:
        return value
    for river in named_rivers(network().data):
        if value in (river.name_zh, river.id) or \
                value.casefold() == (river.name_en or "").casefold():
            return river.name_zh
    return None


def _river() -> str | None:
    return _known("river", _river_named, "河流", "不是河网中的河流名称或编号",
                  "is not a river name or id of the river network")


def _substance() -> str | None:
    found = _known("substance", lambda v: catalogue().get(v), "物质", "不在化学品目录中",
                   "is not in the chemical catalogue")
    return None if found is None else found.id


def _kind(slug: str) -> str:
    kind = slug.replace("-", "_")
    if kind not in KINDS:
        raise ApiError(404, "unknown_inventory", f"没有名为「{slug}」的清单",
                       f"no inventory named {slug!r}",
                       allowed=[k.replace("_", "-") for k in KINDS])
    return kind


def _fmt(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise ApiError(404, "unknown_format", f"不支持的格式 .{fmt}(可用:{'、'.join(allowed)})",
                       f"unsupported format .{fmt} (use {', '.join(allowed)})")
    return fmt


# ----------------------------------------------------------------------------- listings
def _listing(kind: str, q: InventoryQuery, key: str):
    with db().session() as session:
        found = service.search(session, kind, q)
    cat, day = catalogue(), today()
    body = [export.record_dict(s.record, cat, id=s.id, today=day, meta=_meta(s)) for s in found]
    return {"count": len(body), key: body}


def _meta(s: Stored) -> dict:
    return {"version": s.version,
            "updated_at": s.updated_at.isoformat() if s.updated_at else None}


@bp.get("/risk-sources")
def risk_sources():
    q = InventoryQuery(county_adcode=_county(), prefecture_zh=_prefecture(), bbox=_bbox(),
                       risk_kind=one_of("kind", RISK_SOURCE_KINDS, "风险源类型"),
                       river_zh=_river(), substance_id=_substance())
    return jsonify(_listing("risk_sources", q, "risk_sources"))


@bp.get("/materials")
def materials():
    q = InventoryQuery(county_adcode=_county(), prefecture_zh=_prefecture(), bbox=_bbox(),
                       category=one_of("category", MATERIAL_CATEGORIES, "物资类别"),
                       storage_mode=one_of("storage_mode", STORAGE_MODES, "储备方式"))
    body = _listing("materials", q, "depots")
    expired = flag("expired")
    if expired is not None:
        body["depots"] = [d for d in body["depots"] if bool(d["expired_items"]) == expired]
        body["count"] = len(body["depots"])
    body["items"] = sum(len(d["items"]) for d in body["depots"])
    return jsonify(body)


@bp.get("/teams")
def teams():
    q = InventoryQuery(county_adcode=_county(), prefecture_zh=_prefecture(), bbox=_bbox(),
                       level=one_of("level", TEAM_LEVELS, "队伍级别"),
                       specialty=arg("specialty"))
    return jsonify(_listing("teams", q, "teams"))


@bp.get("/experts")
def experts():
    q = InventoryQuery(prefecture_zh=_prefecture(), field=arg("field"))
    return jsonify(_listing("experts", q, "experts"))


@bp.get("/substances")
def substances():
    cls = one_of("class", POLLUTANT_CLASSES, "污染物类别")
    heavy = flag("heavy_metal")
    text = arg("q")
    cat = catalogue()
    found = list(cat)
    if cls is not None:
        found = [s for s in found if s.pollutant_class == cls]
    if heavy is not None:
        found = [s for s in found if s.heavy_metal_or_metalloid == heavy]
    if text is not None:
        exact = cat.get(text)
        needle = text.casefold()
        found = [s for s in found if s is exact or any(needle in k.casefold()
                                                       for k in s.lookup_keys())]
    return jsonify({"count": len(found), "substances": [_substance_dict(s) for s in found]})


def _substance_dict(s: Substance) -> dict:
    return {
        "id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "cas": s.cas,
        "aliases": list(s.aliases), "pollutant_class": s.pollutant_class,
        "pollutant_class_zh": POLLUTANT_CLASSES[s.pollutant_class][0],
        "pollutant_class_en": POLLUTANT_CLASSES[s.pollutant_class][1],
        "limit_mg_l": s.limit_mg_l, "limit_basis": s.limit_basis,
        "limit_basis_zh": LIMIT_BASES[s.limit_basis][0], "limit_source": s.limit_source,
        "drinking_water_source_only": s.drinking_water_source_only,
        "behaviour_in_water": list(s.behaviour_in_water),
        "behaviour_in_water_zh": [BEHAVIOURS[b][0] for b in s.behaviour_in_water],
        "heavy_metal_or_metalloid": s.heavy_metal_or_metalloid,
        "decay_per_day": s.decay_per_day, "conservative": s.is_conservative,
        "techniques": list(s.techniques), "dosing": list(s.dosing), "verified": s.verified,
    }


# ----------------------------------------------------------------------------- files
@bp.get("/inventory/<kind>.<fmt>")
def export_inventory(kind: str, fmt: str):
    kind = _kind(kind)
    fmt = _fmt(fmt, ("csv", "xlsx", "geojson"))
    with db().session() as session:
        try:
            body = service.export_file(session, kind, fmt, catalogue(), today())
        except export.NoGeometry:
            raise ApiError(404, "no_geometry", f"{KINDS[kind][0]}没有坐标,不是地图图层",
                           f"the {KINDS[kind][1]} inventory has no coordinates: not a map layer"
                           ) from None
    if isinstance(body, dict):
        return current_app.response_class(current_app.json.dumps(body), mimetype=MIME[fmt])
    return _download(body, f"{SHEETS[kind]}.{fmt}", fmt)


@bp.get("/inventory/<kind>/template.<fmt>")
def template(kind: str, fmt: str):
    kind = _kind(kind)
    fmt = _fmt(fmt, ("csv", "xlsx"))
    headings = export.headings(kind)
    data = write_csv(headings, []) if fmt == "csv" else write_xlsx(kind, headings, [])
    return _download(data, f"{SHEETS[kind]}模板.{fmt}", fmt)


def _download(data: bytes, name: str, fmt: str):
    return send_file(io.BytesIO(data), mimetype=MIME[fmt], as_attachment=True,
                     download_name=name)


@bp.post("/inventory/<kind>/import")
def import_inventory(kind: str):
    kind = _kind(kind)
    user = current_user()
    if user is not None and user.prefecture_zh is not None:
        # A province-wide import would touch other prefectures' records: a prefecture's
        # steward sends its own slice through the refresh (versioned, reversible).
        raise ApiError(403, "province_only",
                       f"全省清单导入仅限省级账号;{user.prefecture_zh}的数据请在「清单更新」中报送",
                       "importing a whole inventory is for provincial accounts only; submit "
                       f"{user.prefecture_zh}'s data through the refresh (/refresh)")
    dry_run = bool(flag("dry_run"))
    data, filename = uploaded_file(
        current_app.config["INVENTORY_MAX_UPLOAD_BYTES"])
    try:
        with db().session() as session:
            report = service.import_file(session, kind, data, filename,
                                         network=network(), settings=settings(),
                                         catalogue=catalogue(), dry_run=dry_run)
            parsed = report.parsed
            if report.result is None:
                n = len(parsed.errors)
                raise ApiError(
                    422, "invalid_rows",
                    f"文件有 {n} 处错误,未导入任何数据;请改正后重新导入",
                    f"the file has {n} error(s); nothing was imported: correct them and "
                    "import again",
                    kind=kind, filename=filename, rows_read=parsed.rows_read,
                    errors=[p.as_dict() for p in parsed.errors],
                    warnings=[p.as_dict() for p in parsed.warnings])
    except service.StaleInventory:
        raise ApiError(409, "stale_inventory", "导入期间数据已被他人修改,未导入任何数据;请重新导入",
                       "the inventory was changed by someone else during the import; nothing "
                       "was imported: import again") from None
    except IntegrityError:
        raise ApiError(409, "conflict", "与同时进行的导入冲突,未导入任何数据;请重新导入",
                       "conflicts with an import made at the same time; nothing was imported: "
                       "import again") from None
    assert report.result is not None
    return jsonify({"kind": kind, "filename": filename, "dry_run": report.dry_run,
                    "rows_read": parsed.rows_read, "records": len(parsed.records),
                    **{k: v for k, v in report.result.as_dict().items() if k != "kind"},
                    "warnings": [p.as_dict() for p in parsed.warnings]})


# The auth guard (emergency/web/auth.py, when present) reads this declaration: importing an
# inventory is a data steward's task (数据导入), not the default incident-write permission.
import_inventory.required_permission = "data.import"  # type: ignore[attr-defined]
