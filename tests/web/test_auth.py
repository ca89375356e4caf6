"""Login, roles, tokens and CSRF: every route but a short allow-list needs a logged-in user."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import jsonify
from sqlalchemy import select

from emergency.auth_rules import Permission
from emergency.store.auth_models import ApiToken, User
from emergency.web.auth import PUBLIC_ENDPOINTS, require


def _login_form(client, username, password, **extra):
    client.get("/login")
    with client.session_transaction() as sess:
        token = sess["csrf"]
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token, **extra})


def _error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    err = resp.get_json()["error"]
    assert err["code"] == code and err["message_zh"] and err["message_en"]
    return err


@pytest.fixture
def write_routes(app):
    """Two test-only write routes: one undeclared (default write permission), one data import."""

    @app.post("/api/test/undeclared-write")
    def undeclared_write():
        return jsonify({"ok": True})

    @app.post("/api/test/import")
    @require(Permission.DATA_IMPORT)
    def data_import():
        return jsonify({"ok": True})

    return "/api/test/undeclared-write", "/api/test/import"


# --------------------------------------------------------------------------- login / logout
def test_a_page_without_login_redirects_to_the_login_page_and_back(anon_client, make_user):
    resp = anon_client.get("/map?lang=zh")
    assert resp.status_code == 302 and resp.location == "/login?next=/map?lang%3Dzh"
    user = make_user("viewer")
    resp = _login_form(anon_client, user.username, user.password, next="/map")
    assert resp.status_code == 302 and resp.location == "/map"
    assert anon_client.get("/map").status_code == 200


def test_logout_ends_the_session(client):
    assert client.get("/").status_code == 200
    resp = client.post("/logout")
    assert resp.status_code == 302 and "logged_out=1" in resp.location
    assert "已退出登录" in client.get(resp.location).get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_wrong_password_says_so_in_chinese_and_in_english(anon_client, make_user):
    user = make_user("duty_officer")
    resp = _login_form(anon_client, user.username, "wrong-password")
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)
    anon_client.get("/login?lang=en")  # remembered in the lang cookie
    resp = _login_form(anon_client, user.username, "wrong-password")
    assert "Wrong username or password" in resp.get_data(as_text=True)


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(anon_client):
    resp = _login_form(anon_client, "nobody", "whatever-pass")
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)


def test_a_disabled_account_cannot_log_in_and_its_session_ends(app, client, make_user, login):
    user = make_user("viewer", active=False)
    resp = _login_form(app.test_client(), user.username, user.password)
    assert resp.status_code == 401 and "账号已停用" in resp.get_data(as_text=True)
    officer = make_user("duty_officer")
    officer_client = app.test_client()
    login(officer_client, officer)
    with app.extensions["database"].session() as s:
        s.get(User, officer.id).active = False
    assert officer_client.get("/").status_code == 302


def test_login_does_not_redirect_off_site(anon_client, make_user):
    user = make_user("viewer")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        resp = _login_form(anon_client, user.username, user.password, next=target)
        assert resp.location == "/", target
        anon_client.post("/logout")


def test_the_session_cookie_is_httponly_and_samesite_lax(anon_client, make_user):
    user = make_user("viewer")
    resp = _login_form(anon_client, user.username, user.password)
    cookie = next(v for k, v in resp.headers.items() if k == "Set-Cookie" and "eec_session" in v)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain-HTTP intranet by default (EEC_SESSION_COOKIE_SECURE=1)


# --------------------------------------------------------------------------- every route
def _example_url(rule) -> str:
    """The rule with its variables filled: 1 for int converters, "x" for the others."""
    return re.sub(r"<(?:\w+:)?\w+>", "x", re.sub(r"<int(?:\([^)]*\))?:\w+>", "1", rule.rule))


def test_every_route_but_the_allow_list_requires_login(app, anon_client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _example_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = anon_client.open(url, method=method)
            if url.startswith("/api/"):
                _error(resp, 401, "login_required")
            else:
                assert resp.status_code == 302, (method, url, resp.status_code)
                assert resp.location.startswith("/login?next="), (method, url)
            checked += 1
    assert checked >= 8


def test_the_allow_list_is_reachable_without_login(anon_client):
    assert anon_client.get("/login").status_code == 200
    assert anon_client.get("/api/health").status_code == 200
    with anon_client.get("/static/js/app.js") as resp:
        assert resp.status_code == 200
    assert set(PUBLIC_ENDPOINTS) == {"auth.login", "auth.issue_token", "api.health", "static"}


def test_an_unknown_url_does_not_tell_an_anonymous_client_whether_it_exists(anon_client):
    _error(anon_client.get("/api/nothing-here"), 401, "login_required")
    assert anon_client.get("/nothing-here").status_code == 302


# --------------------------------------------------------------------------- permissions
def test_a_viewer_cannot_call_any_write_route(app, make_user, login, write_routes):
    viewer_client = app.test_client()
    login(viewer_client, make_user("viewer"))
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in PUBLIC_ENDPOINTS or \
                getattr(view, "required_permission", None) == Permission.READ:
            continue
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            resp = viewer_client.open(_example_url(rule), method=method, json={})
            if rule.rule.startswith("/api/"):
                err = _error(resp, 403, "forbidden")
                assert "viewer" in err["message_en"]
            else:
                assert resp.status_code == 403
            checked += 1
    assert checked >= 2


def test_each_role_gets_the_writes_its_job_needs(app, make_user, login, write_routes):
    undeclared, data_import = write_routes
    expected = {"viewer": (403, 403), "duty_officer": (200, 403), "commander": (200, 403),
                "drill_organizer": (403, 403), "data_steward": (403, 200), "admin": (200, 200)}
    for role, (write_status, import_status) in expected.items():
        c = app.test_client()
        login(c, make_user(role))
        assert c.post(undeclared).status_code == write_status, role
        assert c.post(data_import).status_code == import_status, role


def test_me_lists_the_users_permissions(client):
    body = client.get("/api/auth/me").get_json()
    assert body["role"] == "admin" and "user.admin" in body["permissions"]


def test_a_forbidden_page_is_a_readable_page(app, make_user, login):
    @app.get("/admin-only")
    @require(Permission.USER_ADMIN)
    def admin_only():
        return "secret"

    c = app.test_client()
    login(c, make_user("commander"))
    resp = c.get("/admin-only")
    assert resp.status_code == 403 and "无此操作权限" in resp.get_data(as_text=True)


# --------------------------------------------------------------------------- CSRF
def test_a_session_write_without_the_csrf_token_is_refused(app, make_user, login, write_routes):
    undeclared, _ = write_routes
    c = app.test_client()
    token = login(c, make_user("duty_officer"))
    del c.environ_base["HTTP_X_CSRFTOKEN"]
    _error(c.post(undeclared), 400, "csrf_failed")
    _error(c.post(undeclared, headers={"X-CSRFToken": "forged"}), 400, "csrf_failed")
    assert c.post(undeclared, headers={"X-CSRFToken": token}).status_code == 200
    assert c.post(undeclared, data={"csrf_token": token}).status_code == 200  # form field


def test_the_logout_form_needs_the_csrf_token(app, make_user, login):
    c = app.test_client()
    login(c, make_user("viewer"))
    del c.environ_base["HTTP_X_CSRFTOKEN"]
    assert c.post("/logout").status_code == 400
    assert c.get("/").status_code == 200  # still logged in


def test_the_login_form_needs_the_csrf_token(anon_client, make_user):
    user = make_user("viewer")
    resp = anon_client.post("/login", data={"username": user.username,
                                            "password": user.password})
    assert resp.status_code == 400 and "刷新页面" in resp.get_data(as_text=True)


def test_the_page_carries_its_csrf_token_in_a_meta_tag(client):
    with client.session_transaction() as sess:
        token = sess["csrf"]
    assert f'<meta name="csrf-token" content="{token}">' in client.get("/").get_data(as_text=True)


def test_a_new_login_gets_a_new_csrf_token(anon_client, make_user):
    anon_client.get("/login")
    with anon_client.session_transaction() as sess:
        before = sess["csrf"]
    user = make_user("viewer")
    _login_form(anon_client, user.username, user.password)
    with anon_client.session_transaction() as sess:
        assert sess["csrf"] != before and isinstance(sess["sid"], str) and "uid" not in sess


# --------------------------------------------------------------------------- API tokens
def test_a_token_gives_api_access_without_cookie_or_csrf(app, make_user, write_routes):
    user = make_user("duty_officer")
    c = app.test_client()
    resp = c.post("/api/auth/token", json={"username": user.username,
                                           "password": user.password})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["token_type"] == "Bearer" and body["user"]["role"] == "duty_officer"
    assert datetime.fromisoformat(body["expires_at"]) > datetime.now(UTC) + timedelta(days=29)
    auth = {"Authorization": f"Bearer {body['token']}"}
    assert c.get("/api/rivers", headers=auth).status_code == 200
    assert c.post(write_routes[0], headers=auth).status_code == 200
    assert "eec_session" not in (resp.headers.get("Set-Cookie") or "")
    with app.extensions["database"].session() as s:
        row = s.scalars(select(ApiToken)).one()
        assert row.token_hash != body["token"] and row.last_used_at is not None


def test_a_wrong_password_gets_no_token(app, make_user):
    user = make_user("viewer")
    resp = app.test_client().post("/api/auth/token",
                                  json={"username": user.username, "password": "bad"})
    _error(resp, 401, "wrong_credentials")


def test_an_invalid_expired_or_revoked_token_is_401(app, make_user):
    user = make_user("viewer")
    c = app.test_client()
    _error(c.get("/api/rivers", headers={"Authorization": "Bearer nonsense"}), 401,
           "invalid_token")
    token = c.post("/api/auth/token", json={"username": user.username,
                                            "password": user.password}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert c.delete("/api/auth/token", headers=auth).status_code == 204
    _error(c.get("/api/rivers", headers=auth), 401, "invalid_token")
    token = c.post("/api/auth/token", json={"username": user.username,
                                            "password": user.password}).get_json()["token"]
    with app.extensions["database"].session() as s:
        s.scalars(select(ApiToken)).one().expires_at = datetime.now(UTC) - timedelta(minutes=1)
    _error(c.get("/api/rivers", headers={"Authorization": f"Bearer {token}"}), 401,
           "invalid_token")


# --------------------------------------------------------------------------- CLI
def test_cli_creates_and_lists_users(runner):
    result = runner.invoke(args=["users", "create", "zhang", "--role", "duty_officer",
                                 "--password", "s3cret-pass", "--display-name", "张三"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["users", "list"]).output
    assert "zhang" in listed and "duty_officer" in listed and "张三" in listed
    again = runner.invoke(args=["users", "create", "zhang", "--role", "viewer",
                                "--password", "s3cret-pass"])
    assert again.exit_code != 0 and "已存在" in again.output
    bad = runner.invoke(args=["users", "create", "li", "--role", "root", "--password", "x"])
    assert bad.exit_code != 0


def test_cli_binds_a_steward_to_a_prefecture_and_refuses_an_unknown_one(runner):
    made = runner.invoke(args=["users", "create", "cc-steward", "--role", "data_steward",
                               "--password", "s3cret-pass", "--prefecture", "长春"])
    assert made.exit_code == 0 and "for 长春市" in made.output, made.output
    assert "长春市" in runner.invoke(args=["users", "list"]).output
    wrong = runner.invoke(args=["users", "create", "x-steward", "--role", "data_steward",
                                "--password", "s3cret-pass", "--prefecture", "沈阳市"])
    assert wrong.exit_code != 0 and "不是吉林省的市州" in wrong.output
    assert "x-steward" not in runner.invoke(args=["users", "list"]).output
    moved = runner.invoke(args=["users", "set-prefecture", "cc-steward", "延边州"])
    assert moved.exit_code == 0 and "延边朝鲜族自治州" in moved.output
    province = runner.invoke(args=["users", "set-prefecture", "cc-steward"])
    assert province.exit_code == 0 and "吉林省 (province)" in province.output
    nobody = runner.invoke(args=["users", "set-prefecture", "nobody", "长春市"])
    assert nobody.exit_code != 0 and "不存在" in nobody.output


def test_cli_refuses_a_weak_password(runner):
    result = runner.invoke(args=["users", "create", "wang", "--role", "viewer",
                                 "--password", "short"])
    assert result.exit_code != 0 and "至少 8 个字符" in result.output


def test_ensure_admin_generates_and_prints_a_password_once(app, runner, anon_client):
    first = runner.invoke(args=["users", "ensure-admin"])
    assert first.exit_code == 0 and "shown only this once" in first.output
    password = first.output.rsplit(":", 1)[1].strip()
    assert _login_form(anon_client, "admin", password).status_code == 302
    second = runner.invoke(args=["users", "ensure-admin"])
    assert second.exit_code == 0 and password not in second.output


def test_ensure_admin_takes_the_password_from_the_environment(runner, anon_client, monkeypatch):
    monkeypatch.setenv("EEC_ADMIN_PASSWORD", "from-the-env-1")
    result = runner.invoke(args=["users", "ensure-admin"])
    assert result.exit_code == 0 and "from-the-env-1" not in result.output
    assert _login_form(anon_client, "admin", "from-the-env-1").status_code == 302
