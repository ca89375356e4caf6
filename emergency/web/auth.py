"""Login, roles and CSRF (登录、角色与防跨站请求伪造), enforced in ONE place.

``_guard`` runs before every request of every blueprint. Only ``PUBLIC_ENDPOINTS`` (the login page,
the token endpoint, the health check and static files) are open, and ``PUBLIC_FEED_ENDPOINTS``
(the duty calendar feed behind a secret URL) for GET/HEAD; everything else needs a user,
from the session cookie (pages) or from an ``Authorization: Bearer`` token (API clients).

Permissions come from ``emergency.auth_rules``. A view declares what it needs with
``@require(Permission.X)``; the guard reads that declaration, so a view without one still gets a
safe default: ``read`` for GET/HEAD, and a write permission that a viewer lacks for anything else.

Sessions live on the server (``user_sessions``): the signed cookie carries only a random session
id, looked up on every request, so logout, a password change or ``users disable`` end a session
even where its cookie has been copied. Bearer tokens end the same way (``users revoke-tokens``).

Logins are throttled per client address and per account name with Flask-Limiter (failures
only, windows that grow: ``emergency.auth_rules.LOGIN_LIMITS_*``); its store is
``RATELIMIT_STORAGE_URI`` (``memory://`` by default, ``redis://127.0.0.1:6379`` when several
processes serve; env ``EEC_RATELIMIT_STORAGE_URI``). An unknown name and a wrong password get
the same status and message. Only ``POST /login`` attempts a login.

CSRF: a session-authenticated request that changes state must carry the session's CSRF token,
in the ``X-CSRFToken`` header (page JS reads it from ``<meta name="csrf-token">``) or in a
``csrf_token`` form field. Bearer-token requests carry no cookie and need none.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

import click
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import AppGroup
from flask_limiter import Limiter, RequestLimit
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as PydanticField

from emergency import accounts
from emergency.auth_rules import (
    DEFAULT_WRITE_PERMISSION,
    ROLES,
    Permission,
    allows,
    permissions_of,
)
from emergency.refresh.prefectures import find as find_prefecture
from emergency.store.auth_models import User
from emergency.web.errors import ApiError, error_body
from emergency.web.i18n import both, lang, local_time, t
from emergency.web.params import json_body

bp = Blueprint("auth", __name__, template_folder="templates")

# The only endpoints reachable without logging in. Keep this list short and explicit.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.issue_token", "api.health", "static"})
# Secret-address feeds, reachable without a session by GET/HEAD only: a calendar app cannot log
# in, so the view itself checks the secret in the URL and answers 404 to anything else
# (emergency.web.roster_pages.duty_feed, /duty/feed/<token>.ics).
PUBLIC_FEED_ENDPOINTS = frozenset({"roster.duty_feed"})
FEED_METHODS = frozenset({"GET", "HEAD"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = "X-CSRFToken"
CSRF_FIELD = "csrf_token"
SECRET_MARK = "[secret]"


def client_address() -> str:
    """The address throttling counts by (behind a proxy: configure ProxyFix so this is the
    client's, not the proxy's)."""
    return request.remote_addr or "unknown"


def _account_key() -> str:
    """The submitted account name, normalised as accounts are found (case, blanks); an unknown
    name is counted exactly like a known one."""
    body = request.get_json(silent=True) if request.is_json else None
    raw = body.get("username") if isinstance(body, dict) else request.form.get("username")
    return "account:" + (str(raw or "").strip().lower()[:64])


def _failed(response: Response) -> bool:
    """Only failed attempts count towards the throttle (a login redirects, a token is 201)."""
    return response.status_code not in (201, 302)


#: Created unbound; ``init_auth`` attaches it to the app with the configured store.
limiter = Limiter(key_func=client_address, strategy="moving-window", headers_enabled=True)


def init_auth(app: Flask) -> None:
    # the session, cookie and login-throttle settings are declared in emergency/config.py
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_LIFETIME"]
    limiter.init_app(app)
    app.before_request(_guard)
    app.register_blueprint(bp)
    _keep_secrets_out_of_access_logs(app)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user,
                                 role_label=role_label, account_label=account_label)


# --------------------------------------------------------------------------- access logs
class SecretPathFilter(logging.Filter):
    """Replaces the secret part of a feed address (``/duty/feed/<token>.ics``) in access log
    lines with ``[secret]``: werkzeug's (one formatted message) and gunicorn's (its atoms).

    ``patterns`` is called once, at the first line logged (the route table is complete by
    then)."""

    def __init__(self, patterns: Callable[[], list[re.Pattern]]) -> None:
        super().__init__()
        self._make_patterns = patterns
        self._patterns: list[re.Pattern] | None = None

    def redact(self, text: str) -> str:
        if self._patterns is None:
            self._patterns = self._make_patterns()
        for pattern in self._patterns:
            text = pattern.sub(lambda m: m.group(1) + SECRET_MARK + m.group(2), text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: self.redact(v) if isinstance(v, str) else v
                           for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a
                                for a in record.args)
        return True


ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def secret_path_patterns(app: Flask) -> list[re.Pattern]:
    """For each secret-address route (PUBLIC_FEED_ENDPOINTS), a pattern of its paths whose
    variable part is the secret: built from the route table, so a new feed is covered."""
    patterns = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in PUBLIC_FEED_ENDPOINTS:
            continue
        parts = re.split(r"<[^>]+>", rule.rule)
        if len(parts) == 2:  # one secret segment: keep what surrounds it
            patterns.append(re.compile(
                f"({re.escape(parts[0])})[^\\s?#\"/]+({re.escape(parts[1])})"))
    return patterns


def _keep_secrets_out_of_access_logs(app: Flask) -> None:
    """The access loggers of the development server and of gunicorn get the filter (one per
    logger: a newer app's replaces an older one's)."""
    log_filter = SecretPathFilter(lambda: secret_path_patterns(app))
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, SecretPathFilter)]:
            logger.removeFilter(old)
        logger.addFilter(log_filter)


# --------------------------------------------------------------------------- who is asking
def current_user() -> User | None:
    return g.get("user")


def actor() -> str:
    """Who does what, as the logs and records name them: the logged-in username."""
    user = g.get("user")
    return getattr(user, "username", None) or "anonymous"


def role_label(role: str) -> str:
    found = ROLES.get(role)
    if found is None:
        return role
    return found.label_en if lang() == "en" else found.label_zh


def account_label(user: User) -> str:
    """The role and, for a prefecture's account, the prefecture: 数据管理员 · 长春市."""
    if user.prefecture_zh is None:
        return role_label(user.role)
    found = find_prefecture(user.prefecture_zh)
    where = found.name_en if found is not None and lang() == "en" else user.prefecture_zh
    return f"{role_label(user.role)} · {where}"


def _now() -> datetime:
    return datetime.now(UTC)


def _db():
    return current_app.extensions["database"]


def _load_user() -> None:
    g.user, g.auth_via, g.token = None, None, None
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        token = header[7:].strip()
        with _db().session() as s:
            found = accounts.user_for_token(s, token, _now()) if token else None
        if found is not None:
            g.user, g.auth_via, g.token = found[0], "token", token
        else:
            g.auth_via = "bad_token"
        return
    sid = session.get("sid")
    if not isinstance(sid, str):
        if "uid" in session:  # a cookie from before server-side sessions: log in again
            session.clear()
        return
    with _db().session() as s:
        user = accounts.user_for_session(s, sid, _now())
    if user is None:
        session.clear()  # logged out, expired, password changed or account disabled
        return
    g.user, g.auth_via = user, "session"


def _guard() -> Response | None:
    """Every request passes here: identify the user, then login, CSRF and permission checks."""
    endpoint = request.endpoint
    if endpoint == "static":  # public: no user lookup (a database query) for each file
        g.user, g.auth_via, g.token = None, None, None
        return None
    _load_user()
    if endpoint in PUBLIC_ENDPOINTS:
        if endpoint == "auth.login" and request.method == "POST" and not _csrf_ok():
            return _csrf_failed()
        return None
    if endpoint in PUBLIC_FEED_ENDPOINTS and request.method in FEED_METHODS:
        return None
    if g.user is None:
        return _unauthorized()
    if g.auth_via == "session" and request.method not in SAFE_METHODS and not _csrf_ok():
        return _csrf_failed()
    needed = required_permission(endpoint, request.method)
    if not allows(g.user.role, needed):
        return _forbidden(needed)
    return None


def required_permission(endpoint: str | None, method: str) -> Permission:
    """What a request needs: the view's declared permission, else the safe default."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    declared = getattr(view, "required_permission", None)
    if declared is not None:
        return Permission(declared)  # a Permission, or its name ("data.import")
    return Permission.READ if method in SAFE_METHODS else DEFAULT_WRITE_PERMISSION


def require(permission: Permission | str) -> Callable:
    """Declare the permission a view needs (the guard enforces it; the wrapper re-checks)."""
    needed = Permission(permission)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            user = current_user()
            if user is None:
                return _unauthorized()
            if not allows(user.role, needed):
                return _forbidden(needed)
            return view(*args, **kwargs)

        wrapper.required_permission = needed  # type: ignore[attr-defined]
        return wrapper

    return decorate


# --------------------------------------------------------------------------- refusals
def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _unauthorized() -> Response:
    if _wants_json():
        code = "invalid_token" if g.get("auth_via") == "bad_token" else "login_required"
        zh, en = (("令牌无效或已过期", "the token is invalid or has expired")
                  if code == "invalid_token" else both("login_required"))
        resp = jsonify(error_body(code, zh, en))
        resp.status_code = 401
        resp.headers["WWW-Authenticate"] = 'Bearer realm="eec"'
        return resp
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=target))


def _forbidden(needed: Permission) -> Response:
    role = g.user.role if g.get("user") else ""
    if _wants_json():
        zh, en = both("forbidden", role=role)
        resp = jsonify(error_body("forbidden", zh, en, {"permission": needed.value,
                                                        "role": role}))
        resp.status_code = 403
        return resp
    return Response(render_template("error.html", title=t("forbidden_title"),
                                    message=t("forbidden", role=role_label(role))), 403)


def _csrf_failed() -> Response:
    if _wants_json():
        resp = jsonify(error_body("csrf_failed", *both("csrf_failed")))
        resp.status_code = 400
        return resp
    if request.endpoint == "auth.login":
        return Response(_login_page(error=t("csrf_failed")), 400)
    return Response(render_template("error.html", title=t("csrf_failed"),
                                    message=t("csrf_failed")), 400)


# --------------------------------------------------------------------------- CSRF
def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    return bool(expected and sent) and hmac.compare_digest(str(expected), str(sent))


# --------------------------------------------------------------------------- login / logout
def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or scheme-relative URL (open redirect)."""
    if not target:
        return url_for("pages.map_page")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("pages.map_page")
    return target


def _login_page(error: str | None = None, username: str = "", notice: str | None = None) -> str:
    return render_template("login.html", error=error, username=username, notice=notice,
                           next=request.values.get("next", ""))


def _throttled(limit: RequestLimit) -> Response:
    """429 with the wait, in both languages, the same for every name (known or not)."""
    seconds = max(1, int(limit.reset_at - datetime.now(UTC).timestamp()) + 1)
    if _wants_json():
        resp = jsonify(error_body("too_many_attempts", *both("too_many_attempts",
                                                             seconds=seconds)))
    else:
        resp = Response(_login_page(error=t("too_many_attempts", seconds=seconds),
                                    username=request.form.get("username", "")[:64]))
    resp.status_code = 429
    resp.headers["Retry-After"] = str(seconds)
    return resp


def _throttle(view: Callable) -> Callable:
    """Failed POSTs counted per client address and per account name (emergency.auth_rules)."""
    per_address = limiter.limit(lambda: current_app.config["LOGIN_LIMITS_PER_ADDRESS"],
                                key_func=client_address, methods=["POST"], scope="login-address",
                                deduct_when=_failed, on_breach=_throttled)
    per_account = limiter.limit(lambda: current_app.config["LOGIN_LIMITS_PER_ACCOUNT"],
                                key_func=_account_key, methods=["POST"], scope="login-account",
                                deduct_when=_failed, on_breach=_throttled)
    return per_address(per_account(view))


@bp.route("/login", methods=["GET", "POST"])
@_throttle
def login():
    if request.method != "POST":  # GET and HEAD show the form; only a POST attempts a login
        if current_user() is not None:
            return redirect(_safe_next(request.args.get("next")))
        notice = t("logged_out") if request.args.get("logged_out") else None
        return _login_page(notice=notice)
    username = request.form.get("username", "").strip()[:200]
    password = request.form.get("password", "")[:1024]
    cfg = current_app.config
    with _db().session() as s:
        result = accounts.check_login(s, username, password, _now(),
                                      hash_method=cfg["PASSWORD_HASH_METHOD"])
        sid = (accounts.start_session(s, result.user, _now(), cfg["SESSION_LIFETIME"])
               if result.user else None)
    if sid is None:
        message = t(result.reason or "wrong_credentials")
        return Response(_login_page(error=message, username=username), 401)
    session.clear()  # a fresh session (and CSRF token) at every login: no session fixation
    session["sid"] = sid
    session.permanent = True
    csrf_token()
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
@require(Permission.READ)
def logout():
    sid = session.get("sid")
    if isinstance(sid, str):
        with _db().session() as s:
            accounts.end_session(s, sid)  # the cookie, wherever copied, names nothing now
    session.clear()
    return redirect(url_for("auth.login", logged_out=1))


# --------------------------------------------------------------------------- API tokens
class Credentials(BaseModel):
    """The body of ``POST /api/auth/token``: two strings, nothing else."""

    model_config = ConfigDict(extra="forbid", strict=True)
    username: str = PydanticField(min_length=1, max_length=200)
    password: str = PydanticField(min_length=1, max_length=1024)


@bp.post("/api/auth/token")
@_throttle
def issue_token():
    """``{username, password}`` (JSON) → ``{token, token_type, expires_at, user}`` (201).

    Anything but a JSON object of two non-empty strings is 400; a wrong name or password 401
    (one answer for both); too many failures 429."""
    try:
        creds = Credentials.model_validate(json_body())
    except ValidationError:
        raise ApiError(400, "invalid_credentials_body",
                       "请求体须为 JSON 对象 {\"username\": 文本, \"password\": 文本}",
                       'the body must be a JSON object {"username": text, "password": text}'
                       ) from None
    cfg = current_app.config
    with _db().session() as s:
        result = accounts.check_login(s, creds.username.strip(), creds.password, _now(),
                                      hash_method=cfg["PASSWORD_HASH_METHOD"])
        if result.user is None:
            reason = result.reason or "wrong_credentials"
            resp = jsonify(error_body(reason, *both(reason)))
            resp.status_code = 401
            return resp
        token, row = accounts.issue_token(s, result.user, _now(), cfg["API_TOKEN_TTL"])
        body = {"token": token, "token_type": "Bearer",
                "expires_at": accounts.aware(row.expires_at).isoformat(),
                "user": _user_dict(result.user)}
    return jsonify(body), 201


@bp.delete("/api/auth/token")
@require(Permission.READ)
def revoke_token():
    """Revoke the bearer token this request was made with."""
    if g.get("token") is None:
        body = error_body("no_token", "本次请求未使用令牌", "this request used no token")
        return jsonify(body), 400
    with _db().session() as s:
        accounts.revoke_token(s, g.token)
    return "", 204


@bp.get("/api/auth/me")
def me():
    """Who is logged in and what they may do (page JS hides what the user cannot do)."""
    return jsonify(_user_dict(g.user))


def _user_dict(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "prefecture": user.prefecture_zh,
            "permissions": sorted(p.value for p in permissions_of(user.role))}


# --------------------------------------------------------------------------- CLI
def user_commands() -> AppGroup:
    """``flask users …`` (registered by emergency/web/cli.py)."""

    @click.group("users", cls=AppGroup)
    def users() -> None:
        """User accounts (用户)."""

    @contextmanager
    def _account_session() -> Iterator[Any]:
        """A database session for an account command: an account error (unknown user, weak
        password …) ends the command with its message in Chinese and English."""
        try:
            with _db().session() as s:
                yield s
        except accounts.AccountError as err:
            raise click.ClickException(f"{err.message_zh} / {err.message_en}") from None

    @users.command("create")
    @click.argument("username")
    @click.option("--role", type=click.Choice(list(ROLES)), required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--display-name", default="", help="姓名 (shown in the header and logs)")
    @click.option("--prefecture", default="",
                  help="市州 the account answers for (a prefecture's data steward: 长春市 …); "
                       "empty for the provincial centre")
    def users_create(username: str, role: str, password: str, display_name: str,
                     prefecture: str) -> None:
        """Create an account: users create NAME --role ROLE --password PW [--prefecture P]."""
        with _account_session() as s:
            user = accounts.create_user(
                s, username, password, role, display_name=display_name,
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
                prefecture=prefecture)
            where = user.prefecture_zh or "吉林省 (province)"
        click.echo(f"user {username} created with role {role} for {where}")

    def _existing(s, username: str) -> User:  # noqa: ANN001
        user = accounts.find_user(s, username)
        if user is None:
            raise accounts.AccountError("unknown_user", f"用户 {username} 不存在",
                                        f"no user {username}")
        return user

    @users.command("set-prefecture")
    @click.argument("username")
    @click.argument("prefecture", default="")
    def users_set_prefecture(username: str, prefecture: str) -> None:
        """Bind an account to a prefecture (市州), or to the province when none is given."""
        with _account_session() as s:
            user = _existing(s, username)
            accounts.set_prefecture(user, prefecture)
            where = user.prefecture_zh or "吉林省 (province)"
        click.echo(f"{username} now answers for {where}")

    @users.command("set-password")
    @click.argument("username")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    def users_set_password(username: str, password: str) -> None:
        """Set a new password; every session and token of the user ends."""
        with _account_session() as s:
            user = _existing(s, username)
            accounts.set_password(s, user, password,
                                  current_app.config["PASSWORD_HASH_METHOD"])
        click.echo(f"password of {username} changed; its sessions and tokens ended")

    @users.command("disable")
    @click.argument("username")
    def users_disable(username: str) -> None:
        """Disable an account: no login, and every session and token of it ends now."""
        with _account_session() as s:
            user = _existing(s, username)
            accounts.disable(s, user)
        click.echo(f"{username} disabled; its sessions and tokens ended")

    @users.command("enable")
    @click.argument("username")
    def users_enable(username: str) -> None:
        """Enable a disabled account (it logs in again with its password)."""
        with _account_session() as s:
            accounts.enable(_existing(s, username))
        click.echo(f"{username} enabled")

    @users.command("revoke-tokens")
    @click.argument("username")
    def users_revoke_tokens(username: str) -> None:
        """Revoke every API token of an account (its browser sessions go on)."""
        with _account_session() as s:
            n = accounts.revoke_tokens(s, _existing(s, username))
        click.echo(f"{n} token(s) of {username} revoked")

    @users.command("list")
    def users_list() -> None:
        """List accounts with role, state and last login (Asia/Shanghai)."""
        with _db().session() as s:
            rows = accounts.list_users(s)
        click.echo(f"{'username':20} {'role':16} {'active':6} {'last login':16}  "
                   f"{'prefecture':10} name")
        for u in rows:
            click.echo(f"{u.username:20} {u.role:16} {'yes' if u.active else 'no':6} "
                       f"{local_time(u.last_login_at) or '-':16}  "
                       f"{u.prefecture_zh or '-':10} {u.display_name}")

    @users.command("ensure-admin")
    @click.option("--username", default="admin", show_default=True)
    def users_ensure_admin(username: str) -> None:
        """Create the first administrator unless one exists (make setup runs this).

        The password is EEC_ADMIN_PASSWORD, or generated and printed this once.
        """
        given = os.environ.get("EEC_ADMIN_PASSWORD")
        password = given or secrets.token_urlsafe(12)
        with _account_session() as s:
            if accounts.has_active_admin(s):
                click.echo("an administrator account exists")
                return
            accounts.create_user(s, username, password, "admin", display_name="系统管理员",
                                 hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        if given:
            click.echo(f"administrator {username} created with the password from "
                       "EEC_ADMIN_PASSWORD")
        else:
            click.echo(f"administrator {username} created. Password (shown only this once): "
                       f"{password}")
    return users
