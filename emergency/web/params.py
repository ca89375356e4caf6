"""Reading a request (请求解析): the JSON body, query parameters and uploads, with errors in both
languages. The one module every blueprint parses its input with; app-wide guards (body limits,
numeric ranges) belong here too.

Every failure is an :class:`~emergency.web.errors.ApiError` (4xx JSON), never a 500.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from flask import request

from emergency.web.clock import now, tz
from emergency.web.errors import ApiError


# ------------------------------------------------------------------------------- the body
def json_body(optional: bool = False) -> dict:
    """The request's JSON object. ``optional``: an empty body reads as ``{}``. Anything that is
    not a JSON object → 400 ``invalid_json``."""
    data = request.get_json(silent=True)
    if data is None and optional and not request.get_data(cache=True):
        return {}
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "请求体须为 JSON 对象",
                       "the body must be a JSON object")
    return data


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
    except (TypeError, ValueError):
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
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"参数 {name}({label_zh})须为整数,收到 {raw!r}",
                       f"parameter {name} must be an integer, got {raw!r}") from None


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
    return upload.read(), upload.filename


# ------------------------------------------------------------------ values from a body
def to_int(value: object, name: str) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise bad_parameter(name, f"须为整数,收到 {value!r}",
                            f"must be an integer, got {value!r}", value) from None


def to_optional_int(value: object, name: str) -> int | None:
    return None if value in (None, "") else to_int(value, name)


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
