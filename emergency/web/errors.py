"""One error format for the JSON API: ``{"error": {"code", "message_zh", "message_en"}}``."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from emergency.incidents.inputs import InvalidIncident
from rivers.exceptions import RiverError


class ApiError(Exception):
    """An error the client can fix: bad or missing input, unknown id, forbidden action."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str,
                 **details: object) -> None:
        super().__init__(message_en)
        self.status, self.code = status, code
        self.message_zh, self.message_en = message_zh, message_en
        self.details = details


def error_body(code: str, message_zh: str, message_en: str, details: dict | None = None) -> dict:
    body: dict = {"code": code, "message_zh": message_zh, "message_en": message_en}
    if details:
        body["details"] = details
    return {"error": body}


def invalid_incident_response(err: InvalidIncident,
                              code: str | None = None) -> tuple[Response, int]:
    """The 422 for incident input with bad fields: the error's code (or ``code``) and message,
    and every problem with its field, in Chinese and English."""
    problems = [{"field": p.field, "message_zh": p.message_zh, "message_en": p.message_en}
                for p in err.problems]
    return jsonify({"error": {"code": code or err.code, "message_zh": err.message_zh,
                              "message_en": err.message_en, "problems": problems}}), 422


# A river question that has no answer is the client's to fix (422), not a server fault.
RIVER_STATUS = {"invalid_coordinates": 400, "unknown_segment": 404}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):
        body = error_body(err.code, err.message_zh, err.message_en, err.details)
        return jsonify(body), err.status

    @app.errorhandler(RiverError)
    def _river_error(err: RiverError):
        status = RIVER_STATUS.get(err.code, 422)
        return jsonify(error_body(err.code, err.message_zh, err.message_en, err.details)), status

    # The database refused a write: someone saved first (a stale version, a duplicate) → 409;
    # a value past a column's range that slipped through the checks → 400. The unit of work
    # (emergency.store.Database.session) has rolled the transaction back before we get here:
    # nothing of the request is kept.
    @app.errorhandler(StaleDataError)
    def _stale(err: StaleDataError):
        return _refusal(409, "version_conflict", "该记录已被他人修改,请刷新后重试",
                        "someone else changed this record; reload and try again")

    @app.errorhandler(IntegrityError)
    def _integrity(err: IntegrityError):
        return _refusal(409, "conflict", "与已有数据冲突(重复或引用不存在的记录),未保存",
                        "conflicts with existing data (a duplicate or a missing reference); "
                        "nothing was saved")

    @app.errorhandler(DataError)
    def _data(err: DataError):
        return _refusal(400, "invalid_value", "数值超出数据库可存范围,未保存",
                        "a value is beyond what the database can hold; nothing was saved")

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if err.response is not None:  # made by whoever raised it (the login throttle's 429)
            return err.response
        if not request.path.startswith("/api/"):
            return err
        return jsonify(error_body(f"http_{err.code}", _HTTP_ZH.get(err.code or 0, err.name),
                                  err.description or err.name)), err.code


def _refusal(status: int, code: str, zh: str, en: str):
    if request.path.startswith("/api/"):
        return jsonify(error_body(code, zh, en)), status
    return render_template("error.html", title=zh, message=f"{zh} / {en}"), status


_HTTP_ZH = {
    400: "请求格式有误", 401: "请先登录", 403: "无此操作权限", 404: "未找到该资源",
    405: "不支持该请求方法", 409: "数据已被他人修改,请刷新后重试", 413: "上传文件过大",
    415: "不支持的内容类型", 429: "请求过于频繁,请稍后再试",
}
