"""Reading query parameters with errors in both languages."""

from __future__ import annotations

import math

from flask import request

from emergency.web.errors import ApiError


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
