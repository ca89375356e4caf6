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

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Final

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from plans.problems import Problem, bilingual, not_empty, one_of, pydantic_problems
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

_ID_PATTERN: Final = r"^[a-z][a-z0-9_]*$"
_CAS_RE: Final = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


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


class CatalogueError(ValueError):
    """Raised with every problem of a catalogue file at once (``.problems``)."""

    def __init__(self, origin: str, problems: list[Problem],
                 ids: Mapping[int, str] | None = None) -> None:
        self.origin = origin
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = "\n".join(f"  - {_labelled(p, ids or {})}" for p in self.problems)
        super().__init__(
            f"化学品目录有 {len(self.problems)} 处错误 / catalogue {origin} has "
            f"{len(self.problems)} problem(s):\n{lines}"
        )


def _labelled(problem: Problem, ids: Mapping[int, str]) -> str:
    """``substances[3].cas (zinc): …`` — the entry's id after its path, for a reader."""
    m = re.match(r"substances\[(\d+)\]", problem.path)
    label = f" ({ids[int(m.group(1))]})" if m and int(m.group(1)) in ids else ""
    return f"{problem.path or '-'}{label}: {problem.message_zh} / {problem.message_en}"


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
# The file format is the pydantic model below (strict: a string is never read as a number, nor a
# number as text); its errors become bilingual problems by :func:`plans.problems.
# pydantic_problems`. Rules between fields read the fields validated before them (``info.data``),
# so they are reported together with everything else; rules between entries are plain code in
# :func:`parse_catalogue`.
def _no_repeats(items: list[str]) -> list[str]:
    for k, item in enumerate(items):
        if item in items[:k]:
            raise bilingual(f"重复项 “{item}”", f"duplicate entry {item!r}")
    return items


_Text = Annotated[str, Field(min_length=1)]
_Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
_Texts = Annotated[list[_Text], AfterValidator(_no_repeats)]


def _words(vocabulary: Mapping[str, Any]) -> Any:
    return Annotated[list[Annotated[_Text, one_of(vocabulary)]], AfterValidator(_no_repeats)]


def _listed(value: Any) -> Any:
    return [] if value is None else value  # a list written as null is an empty list


class _Entry(BaseModel):
    """One substance as written in the file. Fields without a default must be written out,
    even when null; the order is the order of the checks (a rule reads the fields above it)."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

    id: Annotated[str, Field(pattern=_ID_PATTERN)]
    name_zh: _Text
    name_en: _Text
    aliases: _Texts = []
    cas: str | None
    cas_note: _Text | None = Field(None, validate_default=True)
    pollutant_class: Annotated[str, one_of(POLLUTANT_CLASSES, "污染物类别", "pollutant class")]
    limit_mg_l: _Positive | None
    limit_basis: Annotated[str, one_of(LIMIT_BASES, "限值依据", "limit basis")]
    limit_source: _Text
    limit_applies_to: _Text | None = Field(None, validate_default=True)
    limit_note: _Text | None = None
    behaviour_in_water: Annotated[_words(BEHAVIOURS), not_empty()]
    density_g_cm3: _Positive | None = None
    solubility_mg_l: _Positive | None = None
    behaviour_basis: _Text
    heavy_metal_or_metalloid: bool
    decay_per_day: _Positive | None
    decay_source: _Text | None = Field(None, validate_default=True)
    techniques: Annotated[_words(TECHNIQUES), not_empty()]
    dosing: _words(DOSING_METHODS) = Field([], validate_default=True)
    sources: Annotated[_Texts, not_empty()]
    unverified_fields: _Texts = []
    verified: bool
    verification_note: _Text | None = Field(None, validate_default=True)
    jilin_context: _Text | None = None
    notes: _Text | None = None

    @field_validator("aliases", "behaviour_in_water", "techniques", "dosing", "sources",
                     "unverified_fields", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return _listed(value)

    @field_validator("cas")
    @classmethod
    def _cas(cls, cas: str | None) -> str | None:
        if cas is None:
            return None
        m = _CAS_RE.match(cas)
        if m is None:
            raise bilingual(f"格式错误 “{cas}” (应为 NNNNNNN-NN-N)",
                            f"bad format {cas!r} (expected NNNNNNN-NN-N)")
        want = cas_check_digit(m.group(1) + m.group(2))
        if want != int(m.group(3)):
            raise bilingual(f"校验位错误 “{cas}” (校验位应为 {want})",
                            f"check digit wrong in {cas!r} (should be {want})")
        return cas

    @field_validator("cas_note")
    @classmethod
    def _cas_note(cls, note: str | None, info: ValidationInfo) -> str | None:
        if note is None and "cas" in info.data and info.data["cas"] is None:
            raise bilingual("CAS 为空时须说明原因 (混合物、监测指标等)",
                            "a null CAS needs a note saying why (mixture, parameter, ...)")
        return note

    @field_validator("limit_basis")
    @classmethod
    def _basis(cls, basis: str, info: ValidationInfo) -> str:
        if "limit_mg_l" not in info.data:
            return basis
        limit = info.data["limit_mg_l"]
        if limit is None and basis != "none":
            raise bilingual("无限值时 limit_basis 须为 none",
                            "limit_basis must be 'none' when limit_mg_l is null")
        if limit is not None and basis == "none":
            raise bilingual("有限值时须注明来源表 (不能为 none)",
                            "a limit needs the table it comes from (not 'none')")
        return basis

    @field_validator("limit_applies_to")
    @classmethod
    def _applies_to(cls, applies_to: str | None, info: ValidationInfo) -> str | None:
        if applies_to is None and info.data.get("limit_mg_l") is not None:
            raise bilingual("有限值时须说明按何计 (元素、离子或指标)",
                            "a limit must say what it is measured as (element, ion, parameter)")
        return applies_to

    @field_validator("heavy_metal_or_metalloid")
    @classmethod
    def _heavy(cls, heavy: bool, info: ValidationInfo) -> bool:
        pclass = info.data.get("pollutant_class")
        if pclass is not None and heavy != (pclass == "heavy_metal"):
            raise bilingual("重金属/类金属标志须与分类 heavy_metal 一致",
                            "the heavy-metal flag must agree with pollutant_class 'heavy_metal'")
        return heavy

    @field_validator("decay_source")
    @classmethod
    def _decay_source(cls, source: str | None, info: ValidationInfo) -> str | None:
        if source is None and info.data.get("decay_per_day") is not None:
            raise bilingual("给出衰减系数时须注明依据", "a decay rate needs its documented basis")
        return source

    @field_validator("dosing")
    @classmethod
    def _dosing(cls, dosing: list[str], info: ValidationInfo) -> list[str]:
        if dosing and "techniques" in info.data and DOSING_TECHNIQUE not in info.data[
                "techniques"]:
            raise bilingual(f"列出投药方法时 techniques 须包含 “{DOSING_TECHNIQUE}”",
                            f"dosing methods need '{DOSING_TECHNIQUE}' among the techniques")
        return dosing

    @field_validator("unverified_fields")
    @classmethod
    def _field_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in cls.model_fields:
                raise bilingual(f"“{name}” 不是字段名", f"{name!r} is not a field name")
        return names

    @field_validator("verified")
    @classmethod
    def _verified(cls, verified: bool, info: ValidationInfo) -> bool:
        if verified and info.data.get("unverified_fields"):
            raise bilingual("列有未核实字段时 verified 须为 false",
                            "verified must be false when unverified_fields is not empty")
        return verified

    @field_validator("verification_note")
    @classmethod
    def _note(cls, note: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("verified") is False and (
                note is None or not info.data.get("unverified_fields")):
            raise bilingual("未核实条目须写明未核实的字段与原因",
                            "an unverified entry needs unverified_fields and a verification_note")
        return note

    def substance(self) -> Substance:
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in self}
        return Substance(**values)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    catalogue: dict[str, Any] | None = None
    common_sources: Any = None
    substances: Annotated[list[Any], Field(min_length=1)]


_ENTRY: Final = TypeAdapter(_Entry)
#: The catalogue says "missing" in its own words: a nullable field must still be written out.
_MISSING: Final = {"missing": ("缺少字段 (可为 null 的也须写明)",
                               "missing field (write it out even when null)")}


def parse_catalogue(data: Any, origin: str = "<data>") -> SubstanceCatalogue:
    """Validate already-parsed YAML data; raise ``CatalogueError`` listing every problem."""
    problems: list[Problem] = []
    try:
        top = _File.model_validate(data)
        entries, meta = top.substances, top.catalogue or {}
    except ValidationError as error:
        problems.extend(pydantic_problems(error, origin, messages=_MISSING, model=_File))
        entries = data.get("substances") if isinstance(data, Mapping) else None
        if not isinstance(entries, list) or not entries:
            raise CatalogueError(origin, problems) from None
        meta = {}  # the entries are still checked, so that every problem is reported at once
    substances: list[Substance] = []
    ids: dict[int, str] = {}          # entry position → its id as written
    first_position: dict[str, int] = {}
    for position, raw in enumerate(entries):
        where = f"substances[{position}]"
        raw_id = raw.get("id") if isinstance(raw, Mapping) else None
        sid = raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else None
        try:
            substances.append(_ENTRY.validate_python(raw).substance())
        except ValidationError as error:
            problems.extend(pydantic_problems(error, origin, where, messages=_MISSING,
                                              model=_Entry))
        if sid is None:
            continue
        ids[position] = sid
        if sid in first_position:
            first = f"substances[{first_position[sid]}]"
            problems.append(Problem(origin, f"{where}.id", f"id 重复 “{sid}” (与 {first} 相同)",
                                    f"duplicate id {sid!r} (same as {first})"))
        else:
            first_position[sid] = position

    # Cross-entry checks: CAS numbers and every lookup key must be unique.
    seen_ids: set[str] = set()
    seen_cas: dict[str, str] = {}
    seen_keys: dict[str, str] = {}
    for s in substances:
        where = f"substances[{first_position[s.id]}]"
        if s.id in seen_ids:
            continue  # already reported above
        seen_ids.add(s.id)
        if s.cas is not None:
            if s.cas in seen_cas:
                problems.append(Problem(origin, f"{where}.cas",
                                        f"CAS {s.cas} 与 {seen_cas[s.cas]} 重复",
                                        f"CAS {s.cas} also used by {seen_cas[s.cas]}"))
            else:
                seen_cas[s.cas] = s.id
        for key in dict.fromkeys(normalise_key(k) for k in s.lookup_keys()):
            owner = seen_keys.get(key)
            if owner is not None and owner != s.id:
                problems.append(Problem(origin, f"{where}.aliases",
                                        f"名称/别名 “{key}” 与 {owner} 冲突",
                                        f"name or alias {key!r} collides with {owner}"))
            else:
                seen_keys[key] = s.id

    if problems:
        raise CatalogueError(origin, problems, ids)
    return SubstanceCatalogue(tuple(substances), meta)


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> SubstanceCatalogue:
    del mtime_ns, size  # part of the cache key only: an edited file is read again
    with open(path, encoding="utf-8") as fh:
        try:
            data = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise CatalogueError(
                path, [Problem(path, "", f"YAML 语法错误: {exc}", f"YAML syntax error: {exc}")]
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
