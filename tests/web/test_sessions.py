"""Accounts and sessions (issue 13 part 4): throttled logins without a lock anyone can hold,
one answer for an unknown name and a wrong password, only POST /login logs in, server-side
sessions and tokens that logout, a password change and `users disable` end, and secret feed
addresses kept out of the access log."""

from __future__ import annotations

import logging
import re
import socket
import threading
import urllib.request

import pytest
from sqlalchemy import func, select

from emergency.store.auth_models import ApiToken, User, UserSession


def _login_form(client, username, password, address="10.0.0.1"):
    client.environ_base["REMOTE_ADDR"] = address
    client.get("/login")
    with client.session_transaction() as sess:
        token = sess["csrf"]
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def _token(client, user, password=None):
    resp = client.post("/api/auth/token", json={"username": user.username,
                                                "password": password or user.password})
    assert resp.status_code == 201, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def _count(app, model) -> int:
    with app.extensions["database"].session() as s:
        return s.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------ the same answer
def test_an_unknown_name_and_a_wrong_password_get_the_same_status_and_message(app, make_user):
    user = make_user("viewer", username="zhao")
    known = _login_form(app.test_client(), "zhao", "wrong-password")
    unknown = _login_form(app.test_client(), "qian", "wrong-password")
    assert known.status_code == unknown.status_code == 401
    def page(resp, name):  # the CSRF token differs per session; the name is echoed back
        text = re.sub(r'(csrf[-_]token"[^>]*(?:content|value)=")[^"]+', r"\1T",
                      resp.get_data(as_text=True))
        return text.replace(name, "NAME")

    assert page(known, "zhao") == page(unknown, "qian")
    api_known = app.test_client().post("/api/auth/token",
                                       json={"username": user.username, "password": "bad"})
    api_unknown = app.test_client().post("/api/auth/token",
                                         json={"username": "qian", "password": "bad"})
    assert api_known.status_code == api_unknown.status_code == 401
    assert api_known.get_json() == api_unknown.get_json()
    with app.extensions["database"].session() as s:  # a failure writes nothing
        assert s.get(User, user.id).failed_logins == 0


@pytest.mark.parametrize("body", [None, {}, {"username": "a"}, {"username": 1, "password": 2},
                                  {"username": ["a"], "password": "x"}, [1],
                                  {"username": "a", "password": "b", "role": "admin"}])
def test_the_token_endpoint_wants_a_name_and_a_password_and_nothing_else(app, body):
    resp = app.test_client().post("/api/auth/token", json=body)
    assert resp.status_code == 400 and resp.get_json()["error"]["message_en"]
    assert _count(app, ApiToken) == 0


# ------------------------------------------------------------------ throttling
@pytest.fixture
def tight(app):
    app.config["LOGIN_LIMITS_PER_ACCOUNT"] = "3 per minute; 5 per hour"
    app.config["LOGIN_LIMITS_PER_ADDRESS"] = "6 per minute"
    return app


def test_failures_on_one_account_are_throttled_from_any_address_even_the_right_password(
        tight, make_user):
    user = make_user("duty_officer")
    for i in range(3):  # three addresses: the account is counted, not the address
        assert _login_form(tight.test_client(), user.username, "nope-nope",
                           f"10.0.1.{i}").status_code == 401
    resp = _login_form(tight.test_client(), user.username, user.password, "10.0.1.9")
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) <= 61
    assert "请" in resp.get_data(as_text=True) and "秒后再试" in resp.get_data(as_text=True)
    other = make_user("viewer")  # another account is not held up
    assert _login_form(tight.test_client(), other.username, other.password,
                       "10.0.1.0").status_code == 302


def test_an_unknown_name_is_throttled_exactly_like_a_known_one(tight, make_user):
    user = make_user("viewer")
    for name in (user.username, "nobody-here"):
        statuses = [_login_form(tight.test_client(), name, "nope-nope",
                                f"10.0.2.{i}").status_code for i in range(4)]
        assert statuses == [401, 401, 401, 429], name


def test_failures_from_one_address_are_throttled_across_names(tight, make_user):
    statuses = [_login_form(tight.test_client(), f"name{i}", "nope-nope",
                            "10.0.3.3").status_code for i in range(7)]
    assert statuses == [401] * 6 + [429]
    user = make_user("viewer")
    assert _login_form(tight.test_client(), user.username, user.password,
                       "10.0.3.4").status_code == 302


def test_successful_logins_are_not_counted(tight, make_user):
    user = make_user("viewer")
    assert all(_login_form(tight.test_client(), user.username, user.password,
                           "10.0.4.4").status_code == 302 for _ in range(8))


def test_the_token_endpoint_is_throttled_too(tight, make_user):
    user = make_user("viewer")
    c = tight.test_client()
    statuses = [c.post("/api/auth/token", json={"username": user.username,
                                                "password": "bad"}).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    err = c.post("/api/auth/token", json={"username": user.username,
                                          "password": user.password}).get_json()["error"]
    assert err["code"] == "too_many_attempts" and err["message_zh"] and err["message_en"]


def test_the_throttle_store_is_configurable(app):
    from emergency.web.auth import limiter

    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert type(limiter.storage).__name__ == "MemoryStorage"


def test_a_redis_store_is_used_when_configured(network, plan_set, tmp_path, make_user):
    pytest.importorskip("redis")
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    from app import create_app
    from emergency.web.auth import limiter

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x",
                      "INSTANCE_DIR": tmp_path, "RIVER_NETWORK": network, "PLAN_SET": plan_set,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"})
    assert type(limiter.storage).__name__ == "RedisStorage" and limiter.storage.check()
    app.extensions["database"].engine.dispose()


# ------------------------------------------------------------------ only POST logs in
def test_head_login_with_credentials_logs_nobody_in(app, make_user):
    user = make_user("viewer")
    c = app.test_client()
    c.get("/login")
    resp = c.open("/login", method="HEAD", data={"username": user.username,
                                                  "password": user.password})
    assert resp.status_code == 200
    with c.session_transaction() as sess:
        assert "sid" not in sess and "uid" not in sess
    assert _count(app, UserSession) == 0
    assert c.get("/").status_code == 302
    with app.extensions["database"].session() as s:
        assert s.get(User, user.id).last_login_at is None


# ------------------------------------------------------------------ revocable sessions
def _copy_cookie(app, source):
    copy = app.test_client()
    cookie = source.get_cookie("eec_session")
    copy.set_cookie("eec_session", cookie.value)
    return copy


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_is_dead(app, make_user,
                                                                         login):
    user = make_user("viewer")
    c = app.test_client()
    login(c, user)
    thief = _copy_cookie(app, c)
    assert thief.get("/api/auth/me").status_code == 200
    assert c.post("/logout").status_code == 302
    assert thief.get("/api/auth/me").status_code == 401
    assert _count(app, UserSession) == 0


def test_a_password_change_ends_every_session_and_token_of_the_user(app, make_user, login,
                                                                   runner):
    user = make_user("duty_officer")
    other = make_user("viewer")
    browsers = [app.test_client(), app.test_client()]
    for b in browsers:
        login(b, user)
    bystander = app.test_client()
    login(bystander, other)
    auth = _token(app.test_client(), user)
    result = runner.invoke(args=["users", "set-password", user.username,
                                 "--password", "a-new-long-password"])
    assert result.exit_code == 0, result.output
    assert all(b.get("/api/auth/me").status_code == 401 for b in browsers)
    assert app.test_client().get("/api/rivers", headers=auth).status_code == 401
    assert bystander.get("/api/auth/me").status_code == 200
    fresh = app.test_client()
    login(fresh, user, password="a-new-long-password")
    assert fresh.get("/api/auth/me").get_json()["username"] == user.username


def test_disable_ends_every_session_and_token_and_enable_lets_the_user_back(app, make_user,
                                                                           login, runner):
    user = make_user("duty_officer")
    browser = app.test_client()
    login(browser, user)
    auth = _token(app.test_client(), user)
    assert runner.invoke(args=["users", "disable", user.username]).exit_code == 0
    assert browser.get("/api/auth/me").status_code == 401
    assert app.test_client().get("/api/rivers", headers=auth).status_code == 401
    assert _login_form(app.test_client(), user.username, user.password).status_code == 401
    assert _count(app, UserSession) == 0 and _count(app, ApiToken) == 0
    assert runner.invoke(args=["users", "enable", user.username]).exit_code == 0
    assert _login_form(app.test_client(), user.username, user.password).status_code == 302
    missing = runner.invoke(args=["users", "disable", "no-such-user"])
    assert missing.exit_code != 0 and "no user" in missing.output


def test_revoke_tokens_ends_the_tokens_but_not_the_browser_sessions(app, make_user, login,
                                                                    runner):
    user = make_user("duty_officer")
    browser = app.test_client()
    login(browser, user)
    tokens = [_token(app.test_client(), user) for _ in range(2)]
    result = runner.invoke(args=["users", "revoke-tokens", user.username])
    assert result.exit_code == 0 and "2 token(s)" in result.output
    assert all(app.test_client().get("/api/rivers", headers=t).status_code == 401
               for t in tokens)
    assert browser.get("/api/auth/me").status_code == 200


def test_an_expired_server_session_is_refused(app, make_user, login):
    from datetime import UTC, datetime, timedelta

    c = app.test_client()
    login(c, make_user("viewer"))
    with app.extensions["database"].session() as s:
        s.scalars(select(UserSession)).one().expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert c.get("/api/auth/me").status_code == 401


# ------------------------------------------------------------------ access logs
def test_a_feed_address_never_reaches_the_access_log(app, caplog):
    """The development server's real access log line for a feed request, through the filter."""
    from werkzeug.serving import make_server

    secret = "Zq3xSECRETfeedTOKENvalue0123456789abcdefgh"
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for path in (f"/duty/feed/{secret}.ics", "/api/health"):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}",
                                           timeout=10).close()
                except urllib.error.HTTPError:
                    pass  # an unknown feed is a 404: logged all the same
    finally:
        server.shutdown()
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/duty/feed/[secret].ics" in line for line in lines), lines
    assert any("/api/health" in line for line in lines), lines
    assert not any(secret in line for line in lines)
