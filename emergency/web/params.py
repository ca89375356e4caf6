"""Reading a request (请求解析): the JSON body, query parameters and uploads, with errors in both
languages. The one module every blueprint parses its input with; the app-wide guards live here
too (:func:`init_request_layer`):

- a body limit (``MAX_CONTENT_LENGTH``, default 50 MB) checked against ``Content-Length`` AND
  counted on the bytes actually read from ``wsgi.input`` (:class:`BodyLimit`), so a chunked body
  with no length is stopped at the limit, not stored;
- URL ids (``<int:…>``) bounded to the database's integer range (:class:`BoundedIntConverter`:
  an id past it matches no route, 404) — never an overflow in SQL;
- JSON that is not UTF-8, nested deeper than :data:`MAX_JSON_DEPTH`, with NaN/Infinity, a number
  past the database's range or a lone surrogate (``"\\ud800"``, not storable as UTF-8) → 400
  (:func:`parse_json`, also behind ``request.get_json``);
- numbers from a body through :func:`to_int` / :func:`to_float` (pydantic-checked: type,
  finiteness, range).

Every failure is an :class:`~emergency.web.errors.ApiError` (4xx JSON), never a 500.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Annotated, Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from pydantic import Field, TypeAdapter, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from emergency.spreadsheets import WorkbookTooLarge, check_xlsx
from emergency.web.clock import now, tz
from emergency.web.errors import ApiError

#: The widest integer any column holds on both engines (PostgreSQL ``integer``; SQLite holds
#: int64, see :data:`INT64_MAX`). Ids, counts and versions are checked against it.
DB_INT_MAX = 2**31 - 1
DB_INT_MIN = -(2**31)
#: SQLite's INTEGER (int64): no JSON integer outside it is accepted at all.
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
#: Deeper JSON is refused before any view sees it (no body of this system nests past 6).
MAX_JSON_DEPTH = 32
#: A JSON body larger than this is refused (uploads are multipart, under MAX_CONTENT_LENGTH).
MAX_JSON_BYTES = 2 * 2**20
_SURROGATE = re.compile("[\ud800-\udfff]")


# ----------------------------------------------------------------- app-wide guards
def init_request_layer(app: Flask) -> None:
    """Install the guards; call before any blueprint is registered (the id converter binds
    when a rule is added)."""
    app.url_map.converters["int"] = BoundedIntConverter
    strict = StrictJSONProvider(app)
    strict.ensure_ascii, strict.sort_keys = app.json.ensure_ascii, app.json.sort_keys
    app.json = strict
    app.wsgi_app = BodyLimit(app.wsgi_app, lambda: app.config["MAX_CONTENT_LENGTH"])


class BodyLimit:
    """WSGI middleware: counts the bytes read from ``wsgi.input`` and stops at the limit.

    ``MAX_CONTENT_LENGTH`` alone is checked against the ``Content-Length`` header; a chunked
    request has none. This wrapper sees every byte the application reads, whatever reads it
    (form parser, ``get_data``, a view reading ``request.stream``), and raises 413 the moment
    the count passes the limit — the rest of the body is never read.
    """

    def __init__(self, wsgi_app: Callable, limit: Callable[[], int | None]) -> None:
        self.wsgi_app, self.limit = wsgi_app, limit

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        limit = self.limit()
        if limit is not None and "wsgi.input" in environ:
            environ["wsgi.input"] = CountingInput(environ["wsgi.input"], limit)
        return self.wsgi_app(environ, start_response)


class CountingInput:
    """A read-only stream that raises :class:`RequestEntityTooLarge` past ``limit`` bytes."""

    def __init__(self, stream: Any, limit: int) -> None:
        self._stream, self.limit, self.count = stream, limit, 0

    def _counted(self, data: bytes) -> bytes:
        self.count += len(data)
        if self.count > self.limit:
            raise RequestEntityTooLarge()
        return data

    def _size(self, size: int | None) -> int:
        room = self.limit - self.count + 1  # one byte past the limit tells "too large"
        return room if size is None or size < 0 else min(size, room)

    def read(self, size: int | None = -1) -> bytes:
        return self._counted(self._stream.read(self._size(size)))

    def readline(self, size: int | None = -1) -> bytes:
        return self._counted(self._stream.readline(self._size(size)))

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def __iter__(self):
        while line := self.readline():
            yield line

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close:
            close()


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that only matches ids the database can hold (1–19 digits, ≤ DB_INT_MAX):
    ``/api/incidents/99999999999999999999`` is a 404, not an overflow in SQL."""

    regex = r"\d{1,19}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=DB_INT_MAX if max is None else max, signed=signed)


# ------------------------------------------------------------------------------- JSON
class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with :func:`parse_json`'s rules for every body read by ``get_json``."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return parse_json(s)
        except ApiError as err:  # get_json(silent=True) treats a ValueError as "no JSON"
            raise ValueError(err.message_en) from None


def _json_error(code: str, zh: str, en: str) -> ApiError:
    return ApiError(400, code, zh, en)


def _refuse_constant(name: str) -> None:
    raise _json_error("invalid_number", f"JSON 中不允许 {name}(非有限数字)",
                      f"{name} is not allowed in JSON (not a finite number)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _json_error("number_out_of_range", f"数字 {text[:40]} 超出范围",
                          f"the number {text[:40]} is out of range")
    return value


def _int64(text: str) -> int:
    if len(text.lstrip("-")) > 19 or not INT64_MIN <= (value := int(text)) <= INT64_MAX:
        raise _json_error("number_out_of_range", f"整数 {text[:40]} 超出数据库可存范围",
                          f"the integer {text[:40]} is beyond what the database can hold")
    return value


def parse_json(raw: str | bytes) -> Any:
    """Strict JSON: UTF-8 only, no NaN/Infinity, finite floats, int64 integers, nesting at most
    :data:`MAX_JSON_DEPTH`, no lone surrogates in any string or key. Raises :class:`ApiError`
    (400) naming what is wrong."""
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise _json_error("invalid_encoding", "请求体须为 UTF-8 编码的 JSON",
                              "the body must be UTF-8 encoded JSON") from None
    else:
        text = raw
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float,
                          parse_int=_int64)
    except RecursionError:
        raise _too_deep() from None
    except ApiError:
        raise
    except ValueError as err:
        raise _json_error("invalid_json", f"JSON 格式有误:{str(err)[:120]}",
                          f"malformed JSON: {str(err)[:120]}") from None
    _check_tree(data)
    return data


def _too_deep() -> ApiError:
    return _json_error("json_too_deep", f"JSON 嵌套过深(上限 {MAX_JSON_DEPTH} 层)",
                       f"the JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels)")


def _check_tree(data: Any) -> None:
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise _too_deep()
            if isinstance(item, dict):
                for key in item:
                    _check_text(key)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str):
            _check_text(item)


def _check_text(text: str) -> None:
    if _SURROGATE.search(text):
        raise _json_error("invalid_text", "文本含有无效字符(孤立的代理码点,如 \\ud800)",
                          "the text holds an invalid character (a lone surrogate such as "
                          "\\ud800)")


# ------------------------------------------------------------------------------- the body
def json_body(optional: bool = False) -> dict:
    """The request's JSON object (strict: :func:`parse_json`). ``optional``: an empty body reads
    as ``{}``. Anything that is not a JSON object → 400."""
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise _body_too_large()
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:
        raise _body_too_large()
    if not raw.strip() and optional:
        return {}
    data = parse_json(raw) if raw.strip() else None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "请求体须为 JSON 对象",
                       "the body must be a JSON object")
    return data


def _body_too_large() -> ApiError:
    return ApiError(413, "body_too_large", f"请求体过大(JSON 上限 {MAX_JSON_BYTES // 2**20} MB)",
                    f"the body is too large (JSON limit {MAX_JSON_BYTES // 2**20} MB)")


# ------------------------------------------------------------------------ one bad value
def bad_parameter(name: str, zh: str, en: str, value: object = None) -> ApiError:
    """400 ``invalid_parameter`` naming the parameter; ``zh``/``en`` complete the sentence
    (``参数 {name}{zh}`` / ``parameter {name} {en}``)."""
    return ApiError(400, "invalid_parameter", f"参数 {name}{zh}", f"parameter {name} {en}",
                    parameter=name, value=value)


# ------------------------------------------------------------------- query parameters
def arg(name: str) -> str | None:
    """A query parameter, stripped; None when absent or blank."""
    value = request.args.get(name)
    return value.strip() if value and value.strip() else None


def flag(name: str) -> bool | None:
    """A yes/no query parameter (1/true/yes/是, 0/false/no/否); None when absent."""
    value = arg(name)
    if value is None:
        return None
    if value.lower() in ("1", "true", "yes", "是"):
        return True
    if value.lower() in ("0", "false", "no", "否"):
        return False
    raise bad_parameter(name, f"须为 1 或 0,收到 {value!r}", f"must be 1 or 0, got {value!r}",
                        value)


def one_of(name: str, allowed: dict | tuple, label_zh: str) -> str | None:
    """A fixed-vocabulary query parameter: its code, or one of the code's words in a
    ``{code: (zh, en)}`` table (None when absent)."""
    value = arg(name)
    if value is None:
        return None
    if value in allowed:
        return value
    if isinstance(allowed, dict):
        for code, label in allowed.items():
            if value in (label if isinstance(label, tuple) else (label,)):
                return code
    shown = " / ".join(allowed)
    raise bad_parameter(name, f"({label_zh})须为 {shown} 之一,收到 {value!r}",
                        f"must be one of {', '.join(allowed)}, got {value!r}", value)


def required_float(name: str, label_zh: str) -> float:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        raise ApiError(400, "missing_parameter", f"缺少参数 {name}({label_zh})",
                       f"missing parameter {name}")
    return parse_float(raw, name, label_zh)


def parse_float(raw: object, name: str, label_zh: str) -> float:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise ApiError(400, "invalid_parameter", f"参数 {name}({label_zh})须为数字,收到 {raw!r}",
                       f"parameter {name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ApiError(400, "invalid_parameter", f"参数 {name}({label_zh})须为有限数字",
                       f"parameter {name} must be a finite number")
    return value


def optional_int(name: str, label_zh: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    return to_int(raw, f"{name}({label_zh})")


def choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in allowed:
        raise ApiError(400, "invalid_parameter",
                       f"参数 {name} 须为 {' / '.join(allowed)} 之一,收到 {value!r}",
                       f"parameter {name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def uploaded_file(limit_bytes: int) -> tuple[bytes, str]:
    """The multipart field ``file`` as (bytes, file name): 413 above ``limit_bytes``, 400 when
    no file was chosen."""
    if request.content_length is not None and request.content_length > limit_bytes:
        raise ApiError(413, "file_too_large", f"上传文件过大(上限 {limit_bytes // 2**20} MB)",
                       f"the upload is too large (limit {limit_bytes // 2**20} MB)")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "missing_file", "请选择要上传的文件(表单字段 file)",
                       "choose a file to upload (form field 'file')")
    data = upload.read()
    if data[:2] == b"PK":  # a zip (XLSX): refused here if it expands too far, before anything
        try:           # else is loaded; the readers check again (the inbox job comes that way)
            check_xlsx(data)
        except WorkbookTooLarge as err:
            raise ApiError(413, err.code, err.message_zh, err.message_en) from None
    return data, upload.filename


# ------------------------------------------------------------------ values from a body
# pydantic does the checking: lax enough for "12" and 12.0, strict about bools, fractions,
# NaN/Infinity (also as strings) and the database's range.
_DB_INT = TypeAdapter(Annotated[int, Field(ge=DB_INT_MIN, le=DB_INT_MAX)])
_FINITE = TypeAdapter(Annotated[float, Field(allow_inf_nan=False)])


def to_int(value: object, name: str, minimum: int = DB_INT_MIN,
           maximum: int = DB_INT_MAX) -> int:
    """An integer within ``minimum``–``maximum`` (by default the database's range). Booleans,
    fractions, NaN and text that is not a whole number → 400 naming ``name``."""
    if isinstance(value, bool) or (isinstance(value, str) and len(value) > 40):
        raise _not_int(value, name)
    try:
        number = _DB_INT.validate_python(value.strip() if isinstance(value, str) else value)
    except ValidationError:
        if _is_whole(value):
            raise _out_of_range(value, name, max(minimum, DB_INT_MIN),
                                min(maximum, DB_INT_MAX)) from None
        raise _not_int(value, name) from None
    if not minimum <= number <= maximum:
        raise _out_of_range(value, name, minimum, maximum)
    return number


def to_optional_int(value: object, name: str, minimum: int = DB_INT_MIN,
                    maximum: int = DB_INT_MAX) -> int | None:
    return None if value in (None, "") else to_int(value, name, minimum, maximum)


def to_float(value: object, name: str, minimum: float | None = None,
             maximum: float | None = None) -> float:
    """A finite number (``"1.5"`` or 1.5) within the given bounds; NaN, Infinity, ``1e999``,
    booleans and anything else → 400 naming ``name``."""
    if isinstance(value, bool) or (isinstance(value, str) and len(value) > 60):
        raise _not_number(value, name)
    try:
        number = _FINITE.validate_python(value.strip() if isinstance(value, str) else value)
    except ValidationError:
        raise _not_number(value, name) from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise _out_of_range(value, name, minimum, maximum)
    return number


def _is_whole(value: object) -> bool:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return isinstance(value, int)
    return math.isfinite(number) and number.is_integer()


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


def _not_int(value: object, name: str) -> ApiError:
    return bad_parameter(name, f"须为整数,收到 {_shown(value)}",
                         f"must be an integer, got {_shown(value)}", _shown(value))


def _not_number(value: object, name: str) -> ApiError:
    return bad_parameter(name, f"须为有限数字,收到 {_shown(value)}",
                         f"must be a finite number, got {_shown(value)}", _shown(value))


def _out_of_range(value: object, name: str, low: float | None, high: float | None) -> ApiError:
    low_text, high_text = ("" if low is None else low), ("" if high is None else high)
    zh = f"超出范围({low_text}–{high_text}),收到 {_shown(value)}"
    en = f"is out of range ({low_text} to {high_text}), got {_shown(value)}"
    return bad_parameter(name, zh, en, _shown(value))


def to_date(value: object, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise bad_parameter(name, f"须为日期 YYYY-MM-DD,收到 {value!r}",
                            f"must be a date YYYY-MM-DD, got {value!r}", value) from None


def to_moment(value: str | None, name: str = "at") -> datetime:
    """An ISO time (naive: read in the configured ``TIMEZONE``), or now."""
    if not value:
        return now()
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:
        raise bad_parameter(name, f"须为时间,如 2026-07-16T09:00+08:00,收到 {value!r}",
                            f"must be a time such as 2026-07-16T09:00+08:00, got {value!r}",
                            value) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz())
