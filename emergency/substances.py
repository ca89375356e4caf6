"""Chemical catalogue (化学品目录): substances that matter for river spills in Jilin.

The data live in ``data/substances.yaml``; this module only loads and validates them. It is pure
(dataclasses + functions, no Flask or SQLAlchemy), so the web app, the report builder and the
river model can all share it.

Fixed vocabularies, documented here because other modules key on them:

* ``POLLUTANT_CLASSES`` — the short fixed list of pollutant classes (code → zh, en).
* ``LIMIT_BASES`` — which standard table a limit comes from. GB 3838-2002 表2/表3 limits apply only
  to centralised drinking-water source areas; 表1 class III applies to all class-III waters.
* ``BEHAVIOURS`` — how a substance behaves when it reaches a river.
* ``TECHNIQUES`` — the 一河一策 response techniques; ``DOSING_METHODS`` — what 投药/中和/沉淀 means.

``decay_per_day`` is a first-order loss rate in river water (1/d). ``None`` means no documented
basis: callers must treat the substance as conservative (no decay), never as "unknown = fast".

Usage::

    cat = load_catalogue()
    cat.get("硝基苯").limit_mg_l      # 0.017
    cat.get("98-95-3") is cat.get("Nitrobenzene")
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml

from plans.vocabulary import POLLUTANT_CLASSES, TECHNIQUES

__all__ = [
    "BEHAVIOURS",
    "DEFAULT_PATH",
    "DOSING_METHODS",
    "DOSING_TECHNIQUE",
    "LIMIT_BASES",
    "CatalogueError",
    "Problem",
    "Substance",
    "SubstanceCatalogue",
    "cas_check_digit",
    "clear_cache",
    "is_valid_cas",
    "load_catalogue",
    "normalise_key",
    "parse_catalogue",
]

DEFAULT_PATH: Final[Path] = Path(__file__).resolve().parent / "data" / "substances.yaml"

#: Where a limit comes from: code → (中文, English).
LIMIT_BASES: Final[Mapping[str, tuple[str, str]]] = {
    "gb3838_t1_iii": (
        "GB 3838-2002 表1 基本项目 Ⅲ类",
        "GB 3838-2002 table 1 basic items, class III",
    ),
    "gb3838_t2": (
        "GB 3838-2002 表2 集中式生活饮用水地表水源地补充项目",
        "GB 3838-2002 table 2 drinking-water source supplementary items",
    ),
    "gb3838_t3": (
        "GB 3838-2002 表3 集中式生活饮用水地表水源地特定项目",
        "GB 3838-2002 table 3 drinking-water source specific items",
    ),
    "gb5749": ("GB 5749-2022 生活饮用水卫生标准", "GB 5749-2022 drinking-water standard"),
    "none": ("无限值", "no limit"),
}

#: Behaviour in water: code → (中文, English).
BEHAVIOURS: Final[Mapping[str, tuple[str, str]]] = {
    "dissolves": ("溶解", "dissolves"),
    "floats": ("漂浮", "floats"),
    "sinks": ("下沉", "sinks"),
    "volatilises": ("挥发", "volatilises"),
    "reacts": ("反应", "reacts with water or in water"),
}

#: The technique that the dosing methods below refine.
DOSING_TECHNIQUE: Final[str] = "投药/中和/沉淀"

#: Dosing methods (what to dose under 投药/中和/沉淀): 中文 → English.
DOSING_METHODS: Final[Mapping[str, str]] = {
    "混凝沉淀": "coagulation and settling (PAC/PAM, ferric salts)",
    "碱性沉淀": "alkaline precipitation (lime, NaOH)",
    "硫化物沉淀": "sulfide precipitation (Na2S)",
    "铁盐共沉淀": "ferric-salt co-precipitation (As, Sb, Mo, Se)",
    "还原沉淀": "reduction then precipitation (Cr(VI) to Cr(III))",
    "次氯酸钠破氰": "alkaline chlorination of cyanide (NaClO)",
    "氧化混凝": "oxidation then coagulation (KMnO4; Tl, Mn)",
    "酸碱中和": "acid/base neutralisation",
}

_ID_RE: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_CAS_RE: Final = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")

_REQUIRED: Final[tuple[str, ...]] = (
    "id",
    "name_zh",
    "name_en",
    "cas",
    "pollutant_class",
    "limit_mg_l",
    "limit_basis",
    "limit_source",
    "behaviour_in_water",
    "behaviour_basis",
    "heavy_metal_or_metalloid",
    "decay_per_day",
    "techniques",
    "sources",
    "verified",
)
_OPTIONAL: Final[tuple[str, ...]] = (
    "aliases",
    "cas_note",
    "limit_applies_to",
    "limit_note",
    "density_g_cm3",
    "solubility_mg_l",
    "decay_source",
    "dosing",
    "jilin_context",
    "unverified_fields",
    "verification_note",
    "notes",
)
_TOP_LEVEL: Final[frozenset[str]] = frozenset({"catalogue", "common_sources", "substances"})


# ----------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class Substance:
    """One catalogue entry. Limits are mg/L; ``None`` means no limit (see ``limit_source``)."""

    id: str
    name_zh: str
    name_en: str
    cas: str | None
    pollutant_class: str
    limit_mg_l: float | None
    limit_basis: str
    limit_source: str
    behaviour_in_water: tuple[str, ...]
    behaviour_basis: str
    heavy_metal_or_metalloid: bool
    decay_per_day: float | None
    techniques: tuple[str, ...]
    sources: tuple[str, ...]
    verified: bool
    aliases: tuple[str, ...] = ()
    cas_note: str | None = None
    limit_applies_to: str | None = None
    limit_note: str | None = None
    density_g_cm3: float | None = None
    solubility_mg_l: float | None = None
    decay_source: str | None = None
    dosing: tuple[str, ...] = ()
    jilin_context: str | None = None
    unverified_fields: tuple[str, ...] = ()
    verification_note: str | None = None
    notes: str | None = None

    @property
    def pollutant_class_zh(self) -> str:
        return POLLUTANT_CLASSES[self.pollutant_class][0]

    @property
    def pollutant_class_en(self) -> str:
        return POLLUTANT_CLASSES[self.pollutant_class][1]

    @property
    def techniques_en(self) -> tuple[str, ...]:
        return tuple(TECHNIQUES[t] for t in self.techniques)

    @property
    def is_conservative(self) -> bool:
        """True when no decay is documented: model it without decay."""
        return self.decay_per_day is None

    @property
    def drinking_water_source_only(self) -> bool:
        """True when the limit is a GB 3838 表2/表3 item (drinking-water source areas only)."""
        return self.limit_basis in ("gb3838_t2", "gb3838_t3")

    def lookup_keys(self) -> tuple[str, ...]:
        """Every string that ``SubstanceCatalogue.get`` accepts for this substance."""
        keys = [self.id, self.name_zh, self.name_en, *self.aliases]
        if self.cas is not None:
            keys.append(self.cas)
        return tuple(keys)


@dataclass(frozen=True)
class Problem:
    """One validation problem: where, which field, and why (in Chinese and English)."""

    where: str
    field: str
    reason_zh: str
    reason_en: str

    def __str__(self) -> str:
        return f"{self.where}.{self.field}: {self.reason_zh} / {self.reason_en}"


class CatalogueError(ValueError):
    """Raised with every problem of a catalogue file at once (``.problems``)."""

    def __init__(self, origin: str, problems: list[Problem]) -> None:
        self.origin = origin
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"化学品目录有 {len(self.problems)} 处错误 / catalogue {origin} has "
            f"{len(self.problems)} problem(s):\n{lines}"
        )


class SubstanceCatalogue:
    """The validated catalogue: ordered substances plus a lookup index."""

    def __init__(self, substances: tuple[Substance, ...], meta: Mapping[str, Any] | None = None):
        self._substances = substances
        self.meta: Mapping[str, Any] = dict(meta or {})
        index: dict[str, Substance] = {}
        for s in substances:
            for key in s.lookup_keys():
                index.setdefault(normalise_key(key), s)
        self._index = index

    def get(self, key: str) -> Substance | None:
        """Look up by id, name_zh, name_en, an alias (case-insensitive) or CAS; None if absent."""
        if not isinstance(key, str):
            return None
        return self._index.get(normalise_key(key))

    def __getitem__(self, key: str) -> Substance:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[Substance]:
        return iter(self._substances)

    def __len__(self) -> int:
        return len(self._substances)

    def all(self) -> tuple[Substance, ...]:
        return self._substances

    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self._substances)

    def by_class(self, pollutant_class: str) -> tuple[Substance, ...]:
        if pollutant_class not in POLLUTANT_CLASSES:
            raise KeyError(pollutant_class)
        return tuple(s for s in self._substances if s.pollutant_class == pollutant_class)

    def heavy_metals(self) -> tuple[Substance, ...]:
        """Substances that trigger 《突发环境事件信息报告办法》第四条 (heavy metal/metalloid)."""
        return tuple(s for s in self._substances if s.heavy_metal_or_metalloid)

    def unverified(self) -> tuple[Substance, ...]:
        return tuple(s for s in self._substances if not s.verified)


# ----------------------------------------------------------------------------- helpers
def normalise_key(key: str) -> str:
    """NFKC (full-width → half-width), trim, collapse spaces, casefold."""
    text = unicodedata.normalize("NFKC", key).strip()
    return " ".join(text.split()).casefold()


def cas_check_digit(body: str) -> int:
    """Check digit for the digits of a CAS RN before the last dash (dashes are ignored)."""
    digits = [int(c) for c in body if c.isdigit()]
    return sum(i * d for i, d in enumerate(reversed(digits), start=1)) % 10


def is_valid_cas(cas: str) -> bool:
    """True when ``cas`` has the form NNNNNNN-NN-N and its check digit is right."""
    if not isinstance(cas, str):
        return False
    m = _CAS_RE.match(cas.strip())
    if m is None:
        return False
    return cas_check_digit(m.group(1) + m.group(2)) == int(m.group(3))


# ----------------------------------------------------------------------------- validation
class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._missing: set[tuple[str, str]] = set()

    def add(self, where: str, field: str, zh: str, en: str) -> None:
        if (where, field) in self._missing:
            return  # a missing field is reported once, not again for each rule it then breaks
        self.problems.append(Problem(where, field, zh, en))

    def missing(self, where: str, field: str) -> None:
        self.add(
            where,
            field,
            "缺少字段 (可为 null 的也须写明)",
            "missing field (write it out even when null)",
        )
        self._missing.add((where, field))

    def text(self, where: str, raw: Mapping[str, Any], field: str, *, required: bool) -> str | None:
        value = raw.get(field)
        if value is None:
            if required:
                self.add(where, field, "必填且不能为空", "is required and must not be empty")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(where, field, "必须是非空字符串", "must be a non-empty string")
            return None
        return value.strip()

    def number(self, where: str, raw: Mapping[str, Any], field: str) -> float | None:
        value = raw.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(
                where, field, f"必须是数字, 实为 {value!r}", f"must be a number, got {value!r}"
            )
            return None
        if not (value > 0 and math.isfinite(value)):
            self.add(
                where,
                field,
                f"必须为有限正数, 实为 {value!r}",
                f"must be a finite positive number, got {value!r}",
            )
            return None
        return float(value)

    def boolean(self, where: str, raw: Mapping[str, Any], field: str) -> bool | None:
        value = raw.get(field)
        if not isinstance(value, bool):
            self.add(where, field, "必须是 true 或 false", "must be true or false")
            return None
        return value

    def text_list(
        self,
        where: str,
        raw: Mapping[str, Any],
        field: str,
        *,
        vocabulary: Mapping[str, Any] | None = None,
        non_empty: bool,
    ) -> tuple[str, ...]:
        value = raw.get(field)
        if value is None:
            value = []
        if not isinstance(value, list):
            self.add(where, field, "必须是列表", "must be a list")
            return ()
        if non_empty and not value:
            self.add(where, field, "至少需要一项", "needs at least one entry")
        out: list[str] = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                self.add(
                    where,
                    field,
                    f"列表项必须是非空字符串: {item!r}",
                    f"entries must be non-empty strings: {item!r}",
                )
                continue
            item = item.strip()
            if vocabulary is not None and item not in vocabulary:
                allowed = ", ".join(vocabulary)
                self.add(
                    where,
                    field,
                    f"“{item}” 不在词表中 (可选: {allowed})",
                    f"{item!r} is not in the vocabulary (allowed: {allowed})",
                )
                continue
            if item in out:
                self.add(where, field, f"重复项 “{item}”", f"duplicate entry {item!r}")
                continue
            out.append(item)
        return tuple(out)


def _substance(check: _Checker, position: int, raw: Any) -> Substance | None:
    where = f"substances[{position}]"
    if not isinstance(raw, Mapping):
        check.add(where, "-", "条目必须是映射", "entry must be a mapping")
        return None
    raw_id = raw.get("id")
    if isinstance(raw_id, str) and raw_id.strip():
        where = f"substances[{position}] ({raw_id.strip()})"
    before = len(check.problems)

    for field in raw:
        if field not in _REQUIRED and field not in _OPTIONAL:
            check.add(where, str(field), "未知字段", "unknown field")
    for field in _REQUIRED:
        if field not in raw:
            check.missing(where, field)

    sid = check.text(where, raw, "id", required=True)
    if sid is not None and not _ID_RE.match(sid):
        check.add(
            where,
            "id",
            "须为小写 ASCII 字母/数字/下划线, 以字母开头",
            "must be a lowercase ascii slug ([a-z][a-z0-9_]*)",
        )
    name_zh = check.text(where, raw, "name_zh", required=True)
    name_en = check.text(where, raw, "name_en", required=True)
    aliases = check.text_list(where, raw, "aliases", non_empty=False)

    cas = raw.get("cas")
    cas_note = check.text(where, raw, "cas_note", required=False)
    if cas is None:
        if "cas" in raw and cas_note is None:
            check.add(
                where,
                "cas_note",
                "CAS 为空时须说明原因 (混合物、监测指标等)",
                "a null CAS needs a note saying why (mixture, parameter, ...)",
            )
    elif not isinstance(cas, str):
        check.add(where, "cas", f"必须是字符串, 实为 {cas!r}", f"must be a string, got {cas!r}")
        cas = None
    else:
        cas = cas.strip()
        if not _CAS_RE.match(cas):
            check.add(
                where,
                "cas",
                f"格式错误 “{cas}” (应为 NNNNNNN-NN-N)",
                f"bad format {cas!r} (expected NNNNNNN-NN-N)",
            )
        elif not is_valid_cas(cas):
            m = _CAS_RE.match(cas)
            assert m is not None
            want = cas_check_digit(m.group(1) + m.group(2))
            check.add(
                where,
                "cas",
                f"校验位错误 “{cas}” (校验位应为 {want})",
                f"check digit wrong in {cas!r} (should be {want})",
            )

    pclass = raw.get("pollutant_class")
    if pclass not in POLLUTANT_CLASSES:
        allowed = ", ".join(POLLUTANT_CLASSES)
        check.add(
            where,
            "pollutant_class",
            f"“{pclass}” 不在固定分类中 (可选: {allowed})",
            f"{pclass!r} is not a pollutant class (allowed: {allowed})",
        )

    limit = check.number(where, raw, "limit_mg_l")
    basis = raw.get("limit_basis")
    if basis not in LIMIT_BASES:
        allowed = ", ".join(LIMIT_BASES)
        check.add(
            where,
            "limit_basis",
            f"“{basis}” 不在词表中 (可选: {allowed})",
            f"{basis!r} is not a limit basis (allowed: {allowed})",
        )
    elif raw.get("limit_mg_l") is None and basis != "none":
        check.add(
            where,
            "limit_basis",
            "无限值时 limit_basis 须为 none",
            "limit_basis must be 'none' when limit_mg_l is null",
        )
    elif raw.get("limit_mg_l") is not None and basis == "none":
        check.add(
            where,
            "limit_basis",
            "有限值时须注明来源表 (不能为 none)",
            "a limit needs the table it comes from (not 'none')",
        )
    limit_source = check.text(where, raw, "limit_source", required=True)
    applies_to = check.text(where, raw, "limit_applies_to", required=False)
    if raw.get("limit_mg_l") is not None and applies_to is None:
        check.add(
            where,
            "limit_applies_to",
            "有限值时须说明按何计 (元素、离子或指标)",
            "a limit must say what it is measured as (element, ion, parameter)",
        )
    limit_note = check.text(where, raw, "limit_note", required=False)

    behaviour = check.text_list(
        where, raw, "behaviour_in_water", vocabulary=BEHAVIOURS, non_empty=True
    )
    density = check.number(where, raw, "density_g_cm3")
    solubility = check.number(where, raw, "solubility_mg_l")
    basis_text = check.text(where, raw, "behaviour_basis", required=True)

    heavy = check.boolean(where, raw, "heavy_metal_or_metalloid")
    if heavy is not None and pclass in POLLUTANT_CLASSES and heavy != (pclass == "heavy_metal"):
        check.add(
            where,
            "heavy_metal_or_metalloid",
            "重金属/类金属标志须与分类 heavy_metal 一致",
            "the heavy-metal flag must agree with pollutant_class 'heavy_metal'",
        )

    decay = check.number(where, raw, "decay_per_day")
    decay_source = check.text(where, raw, "decay_source", required=False)
    if raw.get("decay_per_day") is not None and decay_source is None:
        check.add(
            where,
            "decay_source",
            "给出衰减系数时须注明依据",
            "a decay rate needs its documented basis",
        )

    techniques = check.text_list(where, raw, "techniques", vocabulary=TECHNIQUES, non_empty=True)
    dosing = check.text_list(where, raw, "dosing", vocabulary=DOSING_METHODS, non_empty=False)
    if dosing and DOSING_TECHNIQUE not in techniques:
        check.add(
            where,
            "dosing",
            f"列出投药方法时 techniques 须包含 “{DOSING_TECHNIQUE}”",
            f"dosing methods need '{DOSING_TECHNIQUE}' among the techniques",
        )

    sources = check.text_list(where, raw, "sources", non_empty=True)
    verified = check.boolean(where, raw, "verified")
    unverified_fields = check.text_list(where, raw, "unverified_fields", non_empty=False)
    for field in unverified_fields:
        if field not in _REQUIRED and field not in _OPTIONAL:
            check.add(
                where,
                "unverified_fields",
                f"“{field}” 不是字段名",
                f"{field!r} is not a field name",
            )
    verification_note = check.text(where, raw, "verification_note", required=False)
    if verified is False and (verification_note is None or not unverified_fields):
        check.add(
            where,
            "verification_note",
            "未核实条目须写明未核实的字段与原因",
            "an unverified entry needs unverified_fields and a verification_note",
        )
    if verified is True and unverified_fields:
        check.add(
            where,
            "verified",
            "列有未核实字段时 verified 须为 false",
            "verified must be false when unverified_fields is not empty",
        )

    jilin_context = check.text(where, raw, "jilin_context", required=False)
    notes = check.text(where, raw, "notes", required=False)

    if len(check.problems) > before:
        return None
    assert sid and name_zh and name_en and limit_source and basis_text and sources
    assert heavy is not None and verified is not None
    return Substance(
        id=sid,
        name_zh=name_zh,
        name_en=name_en,
        cas=cas,
        pollutant_class=str(pclass),
        limit_mg_l=limit,
        limit_basis=str(basis),
        limit_source=limit_source,
        behaviour_in_water=behaviour,
        behaviour_basis=basis_text,
        heavy_metal_or_metalloid=heavy,
        decay_per_day=decay,
        techniques=techniques,
        sources=sources,
        verified=verified,
        aliases=aliases,
        cas_note=cas_note,
        limit_applies_to=applies_to,
        limit_note=limit_note,
        density_g_cm3=density,
        solubility_mg_l=solubility,
        decay_source=decay_source,
        dosing=dosing,
        jilin_context=jilin_context,
        unverified_fields=unverified_fields,
        verification_note=verification_note,
        notes=notes,
    )


def parse_catalogue(data: Any, origin: str = "<data>") -> SubstanceCatalogue:
    """Validate already-parsed YAML data; raise ``CatalogueError`` listing every problem."""
    check = _Checker()
    if not isinstance(data, Mapping):
        check.add(origin, "-", "顶层必须是映射", "top level must be a mapping")
        raise CatalogueError(origin, check.problems)
    for key in data:
        if key not in _TOP_LEVEL:
            check.add(origin, str(key), "未知顶层键", "unknown top-level key")
    raw_list = data.get("substances")
    if not isinstance(raw_list, list) or not raw_list:
        check.add(origin, "substances", "必须是非空列表", "must be a non-empty list")
        raise CatalogueError(origin, check.problems)
    meta = data.get("catalogue") or {}
    if not isinstance(meta, Mapping):
        check.add(origin, "catalogue", "必须是映射", "must be a mapping")
        meta = {}

    substances: list[Substance] = []
    first_position: dict[str, int] = {}
    for position, raw in enumerate(raw_list):
        sub = _substance(check, position, raw)
        if sub is not None:
            substances.append(sub)
        raw_id = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(raw_id, str) and raw_id.strip():
            sid = raw_id.strip()
            if sid in first_position:
                check.add(
                    f"substances[{position}] ({sid})",
                    "id",
                    f"id 重复 “{sid}” (与 substances[{first_position[sid]}] 相同)",
                    f"duplicate id {sid!r} (same as substances[{first_position[sid]}])",
                )
            else:
                first_position[sid] = position

    # Cross-entry checks: CAS numbers and every lookup key must be unique.
    seen_ids: set[str] = set()
    seen_cas: dict[str, str] = {}
    seen_keys: dict[str, str] = {}
    for s in substances:
        where = f"substance {s.id}"
        if s.id in seen_ids:
            continue  # already reported above
        seen_ids.add(s.id)
        if s.cas is not None:
            if s.cas in seen_cas:
                check.add(
                    where,
                    "cas",
                    f"CAS {s.cas} 与 {seen_cas[s.cas]} 重复",
                    f"CAS {s.cas} also used by {seen_cas[s.cas]}",
                )
            else:
                seen_cas[s.cas] = s.id
        for key in dict.fromkeys(normalise_key(k) for k in s.lookup_keys()):
            owner = seen_keys.get(key)
            if owner is not None and owner != s.id:
                check.add(
                    where,
                    "aliases",
                    f"名称/别名 “{key}” 与 {owner} 冲突",
                    f"name or alias {key!r} collides with {owner}",
                )
            else:
                seen_keys[key] = s.id

    if check.problems:
        raise CatalogueError(origin, check.problems)
    return SubstanceCatalogue(tuple(substances), meta)


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> SubstanceCatalogue:
    del mtime_ns, size  # part of the cache key only: an edited file is read again
    with open(path, encoding="utf-8") as fh:
        try:
            data = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise CatalogueError(
                path, [Problem(path, "-", f"YAML 语法错误: {exc}", f"YAML syntax error: {exc}")]
            ) from exc
    return parse_catalogue(data, origin=path)


def load_catalogue(path: str | Path | None = None) -> SubstanceCatalogue:
    """Load and validate the catalogue (default: the bundled ``data/substances.yaml``).

    Cached by path (and the file's mtime/size, so an edited file is re-read).
    Raises ``CatalogueError`` with every problem at once, ``FileNotFoundError`` if missing.
    """
    resolved = Path(path).resolve() if path is not None else DEFAULT_PATH
    stat = resolved.stat()
    return _load_cached(str(resolved), stat.st_mtime_ns, stat.st_size)


def clear_cache() -> None:
    """Forget every loaded catalogue."""
    _load_cached.cache_clear()
