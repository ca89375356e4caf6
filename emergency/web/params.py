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
