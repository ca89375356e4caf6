"""What changed between two versions of a plan document (预案版本比对). Pure.

A reviewer approves a change, not a file: :func:`diff_documents` compares two plan documents (the
mappings of the YAML format, as stored in the database) field by field and says, in Chinese and
English, what a person would say:

* a plan field changed: ``name_zh``, ``prefectures`` … old → new;
* a site (receptor, facility, monitoring point; matched by its ``id`` within its section) added,
  removed, **moved by N m** (great-circle distance between the old and new coordinates), or one of
  its attributes changed old → new;
* a response card (by pollutant class) added or removed; a measure (matched by its text) added
  or removed, or its responsible unit, group or deadline changed; measures reordered;
* a contact (matched by unit and role) added, removed or its phone changed;
* the ``identified`` evidence changed.

Numbers compare as numbers (``220000`` = ``220000.0``), lists of words as lists, so an exported
and re-imported plan has an empty diff. Coordinates that moved by less than :data:`MOVE_EPS_M`
(a rounding in a spreadsheet) are not a change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from plans.parks import PARK_SCENARIOS
from plans.vocabulary import POLLUTANT_CLASSES

#: Coordinates closer than this (m) are the same place (decimal rounding of 1e-6° ≈ 0.1 m).
MOVE_EPS_M: Final[float] = 0.5

SITE_SECTIONS: Final[Mapping[str, tuple[str, str]]] = {
    "receptors": ("敏感目标", "receptor"),
    "facilities": ("应急空间与设施", "facility"),
    "monitoring": ("监测点位", "monitoring point"),
}
PLAN_FIELDS: Final[tuple[str, ...]] = (
    "name_zh", "name_en", "basin", "sample", "sample_note_zh", "prefectures", "counties",
    "upstream", "downstream")
_SITE_FIXED: Final = frozenset({"id", "lon", "lat"})
_EARTH_RADIUS_M: Final[float] = 6_371_008.8


@dataclass(frozen=True)
class Change:
    """One difference between two plan documents."""

    section: str          # plan | receptors | facilities | monitoring | response_cards | contacts
    op: str               # added | removed | moved | changed | reordered
    key: str              # the site id, "petroleum", "petroleum[2]", a contact, or the field
    field: str | None
    old: Any
    new: Any
    distance_m: float | None
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (m) between two WGS84 points (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def same(a: Any, b: Any) -> bool:
    """Equal as a steward means it: numbers by value, missing = None = empty text/list."""
    a, b = _blank(a), _blank(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-9)
    if isinstance(a, Sequence) and not isinstance(a, str) and isinstance(b, Sequence) \
            and not isinstance(b, str):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        keys = set(a) | set(b)
        return all(same(a.get(k), b.get(k)) for k in keys)
    return a == b


def _blank(value: Any) -> Any:
    if value is None or value == "" or (isinstance(value, list | tuple) and not value):
        return None
    if isinstance(value, str):
        return value.strip()
    return value


def _show(value: Any) -> str:
    value = _blank(value)
    if value is None:
        return "(空)"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "、".join(_show(v) for v in value)
    return str(value)


def _show_en(value: Any) -> str:
    value = _blank(value)
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_show_en(v) for v in value)
    return _show(value)


def _items(doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = doc.get(key) or []
    return [x for x in value if isinstance(x, Mapping)] if isinstance(value, list) else []


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference from ``old`` to ``new`` (both plan documents), in document order."""
    out: list[Change] = []
    for name in PLAN_FIELDS:
        if not same(old.get(name), new.get(name)):
            out.append(Change("plan", "changed", name, name, old.get(name), new.get(name), None,
                              f"{name}:{_show(old.get(name))} → {_show(new.get(name))}",
                              f"{name}: {_show_en(old.get(name))} → {_show_en(new.get(name))}"))
    if not same(old.get("identified"), new.get("identified")):
        out.append(Change("plan", "changed", "identified", "identified", old.get("identified"),
                          new.get("identified"), None, "河道识别依据已修改",
                          "the identification evidence changed"))
    for section in SITE_SECTIONS:
        out.extend(_diff_sites(section, _items(old, section), _items(new, section)))
    out.extend(_diff_cards(old.get("response_cards") or {}, new.get("response_cards") or {}))
    out.extend(_diff_contacts(_items(old, "contacts"), _items(new, "contacts")))
    return out


def _site_name(site: Mapping[str, Any]) -> str:
    return str(site.get("name_zh") or site.get("id") or "?")


def _diff_sites(section: str, old: list[Mapping[str, Any]], new: list[Mapping[str, Any]],
                label: tuple[str, str] | None = None) -> list[Change]:
    zh, en = label or SITE_SECTIONS[section]
    out: list[Change] = []
    before = {str(s.get("id")): s for s in old}
    after = {str(s.get("id")): s for s in new}
    for sid, site in after.items():
        if sid not in before:
            out.append(Change(section, "added", sid, None, None, dict(site), None,
                              f"新增{zh} {sid}“{_site_name(site)}”",
                              f"{en} {sid} “{_site_name(site)}” added"))
    for sid, site in before.items():
        if sid not in after:
            out.append(Change(section, "removed", sid, None, dict(site), None, None,
                              f"删除{zh} {sid}“{_site_name(site)}”",
                              f"{en} {sid} “{_site_name(site)}” removed"))
    for sid, a in before.items():
        b = after.get(sid)
        if b is None:
            continue
        try:
            moved = distance_m(float(a["lon"]), float(a["lat"]), float(b["lon"]), float(b["lat"]))
        except (KeyError, TypeError, ValueError):
            moved = 0.0 if same(a.get("lon"), b.get("lon")) and same(a.get("lat"), b.get("lat")) \
                else math.inf
        if moved >= MOVE_EPS_M:
            shown = f"{moved:,.0f}" if math.isfinite(moved) else "?"
            out.append(Change(section, "moved", sid, "lon/lat", [a.get("lon"), a.get("lat")],
                              [b.get("lon"), b.get("lat")],
                              round(moved, 1) if math.isfinite(moved) else None,
                              f"{zh} {sid}“{_site_name(b)}”移动 {shown} m",
                              f"{en} {sid} “{_site_name(b)}” moved by {shown} m"))
        for name in sorted((set(a) | set(b)) - _SITE_FIXED, key=_field_order(a, b)):
            if not same(a.get(name), b.get(name)):
                out.append(Change(section, "changed", sid, name, a.get(name), b.get(name), None,
                                  f"{zh} {sid} {name}:{_show(a.get(name))} → "
                                  f"{_show(b.get(name))}",
                                  f"{en} {sid} {name}: {_show_en(a.get(name))} → "
                                  f"{_show_en(b.get(name))}"))
    return out


def _field_order(a: Mapping[str, Any], b: Mapping[str, Any]):
    order = {k: i for i, k in enumerate([*a, *[k for k in b if k not in a]])}
    return lambda k: order.get(k, 999)


def _diff_cards(old: Any, new: Any, labels: Mapping[str, tuple[str, str]] = POLLUTANT_CLASSES,
                fields: Sequence[str] = ("responsible_zh", "group", "deadline_h")
                ) -> list[Change]:
    out: list[Change] = []
    old = old if isinstance(old, Mapping) else {}
    new = new if isinstance(new, Mapping) else {}
    for pclass in [*new, *[k for k in old if k not in new]]:
        zh, en = labels.get(str(pclass), (str(pclass), str(pclass)))
        a = [m for m in (old.get(pclass) or []) if isinstance(m, Mapping)]
        b = [m for m in (new.get(pclass) or []) if isinstance(m, Mapping)]
        if pclass not in old:
            out.append(Change("response_cards", "added", str(pclass), None, None, b, None,
                              f"新增应急处置卡:{zh}({len(b)} 项措施)",
                              f"response card added: {en} ({len(b)} measures)"))
            continue
        if pclass not in new:
            out.append(Change("response_cards", "removed", str(pclass), None, a, None, None,
                              f"删除应急处置卡:{zh}", f"response card removed: {en}"))
            continue
        texts_a = [str(m.get("text_zh") or "").strip() for m in a]
        texts_b = [str(m.get("text_zh") or "").strip() for m in b]
        by_a = {t: m for t, m in zip(texts_a, a, strict=True)}
        for k, (text, m) in enumerate(zip(texts_b, b, strict=True)):
            if text not in by_a:
                out.append(Change("response_cards", "added", f"{pclass}[{k}]", "text_zh", None,
                                  dict(m), None, f"{zh}处置卡新增措施 {k + 1}:{text}",
                                  f"{en} card: measure {k + 1} added: {text}"))
                continue
            before = by_a[text]
            for name in fields:
                if not same(before.get(name), m.get(name)):
                    out.append(Change(
                        "response_cards", "changed", f"{pclass}[{k}]", name, before.get(name),
                        m.get(name), None,
                        f"{zh}处置卡措施 {k + 1} {name}:{_show(before.get(name))} → "
                        f"{_show(m.get(name))}",
                        f"{en} card measure {k + 1} {name}: {_show_en(before.get(name))} → "
                        f"{_show_en(m.get(name))}"))
        kept_b = set(texts_b)
        for k, (text, m) in enumerate(zip(texts_a, a, strict=True)):
            if text not in kept_b:
                out.append(Change("response_cards", "removed", f"{pclass}[{k}]", "text_zh",
                                  dict(m), None, None, f"{zh}处置卡删除措施:{text}",
                                  f"{en} card: measure removed: {text}"))
        common_a = [t for t in texts_a if t in kept_b]
        common_b = [t for t in texts_b if t in by_a]
        if common_a != common_b:
            out.append(Change("response_cards", "reordered", str(pclass), None, common_a,
                              common_b, None, f"{zh}处置卡措施顺序已调整",
                              f"{en} card: measures reordered"))
    return out


def _contact_key(c: Mapping[str, Any]) -> str:
    return f"{str(c.get('unit_zh') or '').strip()}/{str(c.get('role_zh') or '').strip()}"


def _diff_contacts(old: list[Mapping[str, Any]], new: list[Mapping[str, Any]]) -> list[Change]:
    out: list[Change] = []
    before = {_contact_key(c): c for c in old}
    after = {_contact_key(c): c for c in new}
    for key, c in after.items():
        if key not in before:
            out.append(Change("contacts", "added", key, None, None, dict(c), None,
                              f"新增联系人 {key}", f"contact {key} added"))
        elif not same(before[key].get("phone"), c.get("phone")):
            out.append(Change("contacts", "changed", key, "phone", before[key].get("phone"),
                              c.get("phone"), None,
                              f"联系人 {key} 电话:{_show(before[key].get('phone'))} → "
                              f"{_show(c.get('phone'))}",
                              f"contact {key} phone: {_show_en(before[key].get('phone'))} → "
                              f"{_show_en(c.get('phone'))}"))
    for key, c in before.items():
        if key not in after:
            out.append(Change("contacts", "removed", key, None, dict(c), None, None,
                              f"删除联系人 {key}", f"contact {key} removed"))
    return out


# ----------------------------------------------------------------------------- park plans
#: The sections of a park plan (一园一策一图) that hold items with an ``id``.
PARK_SECTIONS: Final[Mapping[str, tuple[str, str]]] = {
    "enterprises": ("企业", "enterprise"),
    "enterprise_outfalls": ("企业排口", "enterprise outfall"),
    "park_pools": ("公共应急池", "public pool"),
    "park_gates": ("闸门", "gate"),
    "park_outfalls": ("园区排口", "park outfall"),
    "park_ditches": ("导流渠", "diversion ditch"),
}
PARK_FIELDS: Final[tuple[str, ...]] = (
    "name_zh", "risk_source_zh", "prefecture_zh", "county_zh", "sample", "lon", "lat",
    "radius_m", "park.pumping_m3_per_h", "park.runoff_minutes", "river.plans",
    "river.intercept_sites", "readiness.pools_confirmed_on", "readiness.valves_tested_on")


def _field(doc: Mapping[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def park_sections(doc: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """The id-keyed items of a park plan, flat: an enterprise's pool as
    ``accident_pool.volume_m3``…, its outfalls as their own section (with ``enterprise``)."""
    park = doc.get("park") if isinstance(doc.get("park"), Mapping) else {}
    enterprises, outfalls = [], []
    for e in _items(doc, "enterprises"):
        flat = {k: v for k, v in e.items() if k not in ("accident_pool", "outfalls")}
        pool = e.get("accident_pool")
        if isinstance(pool, Mapping):
            flat |= {f"accident_pool.{k}": v for k, v in pool.items()}
        enterprises.append(flat)
        outfalls.extend({**o, "enterprise": e.get("id")} for o in _items(e, "outfalls"))
    return {"enterprises": enterprises, "enterprise_outfalls": outfalls,
            "park_pools": _items(park, "pools"), "park_gates": _items(park, "gates"),
            "park_outfalls": _items(park, "outfalls"), "park_ditches": _items(park, "ditches")}


def diff_park_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference from ``old`` to ``new`` (both park plan documents), in document order:
    the park's own fields, its enterprises, outfalls, pools, gates and ditches (by id; moved by
    N m), the response cards (by scenario) and the contacts."""
    out: list[Change] = []
    for name in PARK_FIELDS:
        a, b = _field(old, name), _field(new, name)
        if not same(a, b):
            out.append(Change("plan", "changed", name, name, a, b, None,
                              f"{name}:{_show(a)} → {_show(b)}",
                              f"{name}: {_show_en(a)} → {_show_en(b)}"))
    before, after = park_sections(old), park_sections(new)
    for section, label in PARK_SECTIONS.items():
        out.extend(_diff_sites(section, before[section], after[section], label))
    out.extend(_diff_cards(old.get("response_cards") or {}, new.get("response_cards") or {},
                           PARK_SCENARIOS, ("responsible_zh", "level")))
    out.extend(_diff_contacts(_items(old, "contacts"), _items(new, "contacts")))
    return out
