"""What is wrong in a document: one problem type and one bilingual reading of pydantic's errors.

Every document the application reads from a person — river plans, park plans, the chemical
catalogue, drill scenarios — is checked the same way, and every problem found is reported at
once as a :class:`Problem`: the file, the field path inside it (``receptors[2].place_level``) and
the reason in Chinese and English.

How a document is checked (issue 12, item 5: one validation mechanism instead of three
hand-written ``_Checker`` classes; decided 7 Dec 2026, and done for every document):

* **Structure** — types, ranges, required and unknown keys, fixed vocabularies — is declared as
  pydantic models (``extra="forbid"``: river plans :mod:`plans.schema`, park plans
  :mod:`plans.parks`, the chemical catalogue ``emergency.substances``, drill scenarios
  ``emergency.drills.scenario``). pydantic's errors become problems by :func:`pydantic_problems`,
  the one translation of structural errors, with the table :data:`MESSAGES` below: Chinese
  always, English where pydantic's own sentence is not plain enough; a wrong value is quoted, an
  unknown field is told with the fields allowed there, a required value written as null is
  "missing".
* A rule that needs a sentence of its own raises :func:`bilingual` from a validator (a value
  outside a vocabulary: :func:`one_of`). Rules between fields read the fields validated before
  them (``info.data``); rules against the world or between sections read the validation
  context (the river network's ids, the ids a scenario defines), so they are reported together
  with every structural problem, all at once.
* What cannot be said of one field — a plan id that must equal its file name, repeated ids,
  sample marks, coordinates in the province — is plain functions appending :class:`Problem`.
* Where a caller needs what is right in a document that has problems (the river-plan loader
  still snaps the sites of a plan with a wrong card, so that every problem of every file is
  found in one pass), the parts are validated one by one rather than the whole at once.

Pure: no Flask, no database, nothing from ``emergency``.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

__all__ = ["MESSAGES", "PATTERNS", "Problem", "at", "bilingual", "known", "message",
           "not_empty", "one_of", "outside", "pydantic_problems"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a document: where (file, field path) and why (zh, en)."""

    file: str
    path: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "path": self.path, "message_zh": self.message_zh,
                "message_en": self.message_en}


def at(path: str, key: str | int) -> str:
    """``at("receptors", 2)`` → ``receptors[2]``; ``at("receptors[2]", "kind")`` →
    ``receptors[2].kind``; ``at("", "id")`` → ``id``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def bilingual(zh: str, en: str) -> PydanticCustomError:
    """An error a validator raises with its own reason in both languages."""
    return PydanticCustomError("bilingual", "{en}", {"zh": zh, "en": en})


def one_of(vocabulary: Mapping[str, Any] | Iterable[str], what_zh: str = "取值",
           what_en: str = "") -> AfterValidator:
    """A validator refusing a value outside ``vocabulary`` (its keys), naming what is allowed."""
    allowed = tuple(vocabulary)

    def check(value: Any) -> Any:
        if value not in allowed:
            raise bilingual(*outside(value, allowed, what_zh, what_en))
        return value
    return AfterValidator(check)


def known(ids: Callable[[Any], Container[Any]], zh: str, en: str) -> AfterValidator:
    """A validator refusing a value not among ``ids(context)``: the ids the world or the
    document defines, given to ``model_validate`` as its context. ``zh`` and ``en`` are
    templates of ``{value}``."""
    def check(value: Any, info: ValidationInfo) -> Any:
        if value not in ids(info.context):
            raise bilingual(zh.format(value=value), en.format(value=value))
        return value
    return AfterValidator(check)


def not_empty(zh: str = "至少需要一项", en: str = "needs at least one entry") -> AfterValidator:
    """A validator refusing an empty list, in the document's own words."""
    def check(items: Any) -> Any:
        if not items:
            raise bilingual(zh, en)
        return items
    return AfterValidator(check)


def outside(value: Any, vocabulary: Iterable[str], what_zh: str = "取值", what_en: str = ""
            ) -> tuple[str, str]:
    """(zh, en): ``value`` is not in ``vocabulary``, and what is."""
    allowed = tuple(vocabulary)
    return (f"{what_zh} {value!r} 不在允许范围内:{'、'.join(allowed)}",
            f"{what_en} {value!r} is not one of: {', '.join(allowed)}".lstrip())


#: Error type → (中文, English) templates, formatted with the error's context. ``None`` for
#: English keeps pydantic's own sentence (it already names the limit or pattern).
MESSAGES: Final[Mapping[str, tuple[str, str | None]]] = {
    "missing": ("缺少必填项", "required field is missing"),
    "extra_forbidden": ("未知字段(是否拼写错误?)", "unknown field (a typo?)"),
    "greater_than_equal": ("不能小于 {ge}", None),
    "greater_than": ("须大于 {gt}", None),
    "less_than_equal": ("不能大于 {le}", None),
    "less_than": ("须小于 {lt}", None),
    "string_pattern_mismatch": ("格式不对(须符合 {pattern})", None),
    "string_too_short": ("不能为空", "must not be empty"),
    "string_too_short_n": ("至少 {min_length} 个字符", "at least {min_length} characters"),
    "string_too_long": ("过长(最多 {max_length} 个字符)", None),
    "too_short": ("至少需要 {min_length} 项", None),
    "too_long": ("最多 {max_length} 项", None),
    "literal_error": ("取值须为:{expected}", None),
    "enum": ("取值须为:{expected}", None),
    "bool_type": ("须为 true 或 false", "must be true or false"),
    "bool_parsing": ("须为 true 或 false", "must be true or false"),
    "int_type": ("须为整数", "must be a whole number"),
    "int_parsing": ("须为整数", "must be a whole number"),
    "int_from_float": ("须为整数", "must be a whole number"),
    "float_type": ("须为数字", "must be a number"),
    "float_parsing": ("须为数字", "must be a number"),
    "finite_number": ("须为有限数字", "must be a finite number"),
    "string_type": ("须为文本", "must be text"),
    "list_type": ("须为列表", "must be a list"),
    "dict_type": ("须为映射(键: 值)", "must be a mapping (key: value)"),
    "model_type": ("须为映射(键: 值)", "must be a mapping (key: value)"),
    "model_attributes_type": ("须为映射(键: 值)", "must be a mapping (key: value)"),
    "date_from_datetime_parsing": ("须为日期(YYYY-MM-DD)", None),
    "date_parsing": ("须为日期(YYYY-MM-DD)", None),
    "date_type": ("须为日期(YYYY-MM-DD)", None),
}


#: The identifier patterns of the documents, said in words (else the pattern is shown).
PATTERNS: Final[Mapping[str, tuple[str, str]]] = {
    r"^[a-z0-9][a-z0-9-]*$": ("只能由小写字母、数字和连字符组成",
                              "may contain only lower-case letters, digits and hyphens"),
    r"^[a-z][a-z0-9_]*$": ("须为小写 ASCII 字母/数字/下划线, 以字母开头",
                           "must be a lowercase ascii slug ([a-z][a-z0-9_]*)"),
}


def _fmt(template: str, ctx: Mapping[str, Any]) -> str:
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def message(kind: str, **ctx: Any) -> tuple[str, str]:
    """(zh, en) of an error type of :data:`MESSAGES`, for checks written by hand."""
    zh, en = MESSAGES[kind]
    return _fmt(zh, ctx), _fmt(en or kind, ctx)


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out = at(out, part)
    return out


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(tp) if a is not type(None)]
            models = [a for a in members if get_origin(a) in (list, dict) or (
                isinstance(a, type) and issubclass(a, BaseModel))]
            if not models:
                return None
            tp = models[0]
        else:
            return tp


def _model_at(model: Any, loc: Iterable[Any]) -> type[BaseModel] | None:
    """The model that validated the mapping at ``loc`` below ``model`` (None if unclear)."""
    tp = model
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found = next((f for name, f in tp.model_fields.items()
                          if (f.alias or name) == part), None)
            if found is None:
                return None
            tp = found.annotation
        elif get_origin(tp) in (list, tuple) and isinstance(part, int):
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _allowed(model: Any, loc: tuple[Any, ...]) -> str:
    found = _model_at(model, loc[:-1]) if model is not None else None
    if found is None:
        return ""
    return ", ".join(f.alias or name for name, f in found.model_fields.items() if not f.exclude)


def pydantic_problems(error: ValidationError, file: str, prefix: str = "", *,
                      messages: Mapping[str, tuple[str, str | None]] | None = None,
                      model: type[BaseModel] | None = None) -> list[Problem]:
    """pydantic's errors as bilingual :class:`Problem` rows (field path below ``prefix``);
    ``messages`` words some error types in a document's own way (else :data:`MESSAGES`).
    Given the ``model`` validated, an unknown field is told with the fields allowed there."""
    table = {**MESSAGES, **messages} if messages else MESSAGES
    out = []
    for e in error.errors(include_url=False):
        raw_ctx = e.get("ctx") or {}
        if e["type"].endswith("_type") and e.get("input", "") is None and e["loc"]:
            zh, en = message("missing")    # a required value written as null is missing
        elif e["type"] == "bilingual":
            zh, en = str(raw_ctx["zh"]), str(raw_ctx["en"])
        else:
            ctx = {k: (f"{v:g}" if isinstance(v, int | float) and not isinstance(v, bool) else v)
                   for k, v in raw_ctx.items()}
            kind = e["type"]
            if kind == "string_too_short" and raw_ctx.get("min_length", 1) > 1:
                kind = "string_too_short_n"
            zh_t, en_t = table.get(kind, (None, None))
            if e["type"] == "string_pattern_mismatch" and raw_ctx.get("pattern") in PATTERNS:
                zh_t, en_t = PATTERNS[raw_ctx["pattern"]]
            if zh_t is None:
                zh = "取值无效" + (f":{ctx['error']}" if "error" in ctx else "")
            else:
                zh = _fmt(zh_t, ctx)
            en = _fmt(en_t, ctx) if en_t is not None else e["msg"]
        given = e.get("input")
        if (e["type"].endswith(("_type", "_parsing")) or e["type"] == "string_pattern_mismatch"
                ) and isinstance(
                given, str | int | float | bool) and len(repr(given)) <= 60:
            zh, en = f"{zh}(收到 {given!r})", f"{en} (got {given!r})"
        # validator names pydantic puts in the location are not fields
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        if e["type"] == "extra_forbidden" and (allowed := _allowed(model, loc)):
            zh, en = f"{zh}可用字段:{allowed}", f"{en}; allowed: {allowed}"
        out.append(Problem(file, _path((prefix,) + loc if prefix else loc), zh, en))
    return out
