"""A person's secret calendar-feed address (日历订阅): a duty manager makes, rotates and revokes
it; a calendar app fetches it without a session; only its SHA-256 is stored; and it is the one
exception to "every route needs a login"."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from emergency.store.roster_models import DutyFeedToken
from emergency.web.auth import FEED_METHODS, PUBLIC_ENDPOINTS, PUBLIC_FEED_ENDPOINTS

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 7, 16, 9, 0, tzinfo=SH)
FEED = re.compile(r"^http://localhost/duty/feed/([A-Za-z0-9_-]{43})\.ics$")


@pytest.fixture
def july(app, client):
    """The 40 sample people and July 2026 published; the clock pinned to 16 July 09:00."""
    from emergency.roster import staff_service

    app.config["FIXED_NOW"] = NOW
    with app.extensions["database"].session() as s:
        staff_service.load_sample_staff(s, as_of=datetime(2026, 6, 20).date(), now=NOW)
    made = client.post("/api/rosters", json={"month": "2026-07"}).get_json()
    assert client.post(f"/api/rosters/{made['id']}/publish",
                       json={"revision": made["revision"]}).status_code == 200
    return client.get("/api/rosters/2026-07").get_json()


def on_duty(month: dict) -> tuple[int, int]:
    """Two people with duties in July."""
    ids = sorted({a["staff_id"] for d in month["days"] for a in d["assignments"]})
    return ids[0], ids[1]


def make_feed(client, staff_id: int) -> tuple[str, str]:
    resp = client.post(f"/api/staff/{staff_id}/feed")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["active"] is True and resp.headers["Cache-Control"] == "no-store"
    assert "任何人" in body["note_zh"] and "Whoever has this address" in body["note_en"]
    token = FEED.match(body["url"]).group(1)
    return body["url"].removeprefix("http://localhost"), token


def test_the_feed_serves_that_persons_published_duties_without_a_session(app, client, july):
    first, second = on_duty(july)
    path, _ = make_feed(client, first)
    calendar = app.test_client()  # a calendar app: no cookie, no login
    resp = calendar.get(path)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert resp.headers["Cache-Control"] == "private, max-age=300"
    assert "Set-Cookie" not in resp.headers
    text = resp.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in text
    logged_in = client.get(f"/api/staff/{first}/duty.ics").get_data(as_text=True)
    strip = re.compile(r"^DTSTAMP:.*$", re.M)
    assert strip.sub("", text) == strip.sub("", logged_in)  # that person's duties, as the .ics
    other = client.get(f"/api/staff/{second}/duty.ics").get_data(as_text=True)
    assert strip.sub("", text) != strip.sub("", other)
    assert calendar.head(path).status_code == 200


def test_unknown_malformed_rotated_and_revoked_addresses_are_not_found(app, client, july):
    first, _ = on_duty(july)
    calendar = app.test_client()
    unknown = "A" * 43
    assert calendar.get(f"/duty/feed/{unknown}.ics").status_code == 404
    old_path, _ = make_feed(client, first)
    new_path, _ = make_feed(client, first)  # rotate: the old address stops at once
    assert client.get(f"/api/staff/{first}/feed").get_json()["active"] is True
    assert calendar.get(old_path).status_code == 404
    assert calendar.get(new_path).status_code == 200
    revoked = client.delete(f"/api/staff/{first}/feed").get_json()
    assert revoked["revoked"] is True and revoked["message_en"]
    assert calendar.get(new_path).status_code == 404
    assert client.get(f"/api/staff/{first}/feed").get_json()["active"] is False
    again = client.delete(f"/api/staff/{first}/feed").get_json()
    assert again["revoked"] is False and "没有在用" in again["message_zh"]
    # not a token at all: an unknown URL, like any other (login first, nothing revealed)
    assert calendar.get("/duty/feed/.ics").status_code in (302, 404)
    assert calendar.get("/duty/feed/short.ics").status_code in (302, 404)


def test_a_person_set_inactive_loses_the_feed_and_unknown_people_are_404(app, client, july):
    first, _ = on_duty(july)
    path, _ = make_feed(client, first)
    version = client.get(f"/api/staff/{first}").get_json()["version"]
    assert client.patch(f"/api/staff/{first}",
                        json={"active": False, "version": version}).status_code == 200
    assert app.test_client().get(path).status_code == 404
    resp = client.post("/api/staff/99999/feed")
    assert resp.status_code == 404 and resp.get_json()["error"]["message_en"]


def test_only_the_sha256_of_the_token_is_stored(app, client, july):
    first, _ = on_duty(july)
    _, token = make_feed(client, first)
    with app.extensions["database"].session() as s:
        rows = list(s.scalars(select(DutyFeedToken)))
    assert len(rows) == 1
    assert rows[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert all(token not in str(getattr(rows[0], c.key)) for c in DutyFeedToken.__table__.c)
    assert rows[0].created_by == "admin" and rows[0].revoked_at is None


def test_a_viewer_and_a_duty_officer_cannot_make_see_or_revoke_addresses(app, client, july,
                                                                          make_user, login):
    first, _ = on_duty(july)
    for role in ("viewer", "duty_officer"):
        other = app.test_client()
        login(other, make_user(role))
        for method in ("post", "get", "delete"):
            resp = getattr(other, method)(f"/api/staff/{first}/feed")
            assert resp.status_code == 403, (role, method)
            assert resp.get_json()["error"]["code"] == "forbidden"
    with app.extensions["database"].session() as s:
        assert list(s.scalars(select(DutyFeedToken))) == []


def _example_url(rule) -> str:
    """As in tests/web/test_auth.py, but a feed token filled in as a real one looks."""
    url = re.sub(r"<feed_token:\w+>", "Z" * 43, rule.rule)
    url = re.sub(r"<int(?:\([^)]*\))?:\w+>", "1", url)
    return re.sub(r"<(?:\w+:)?\w+>", "x", url)


def test_the_feed_is_the_only_route_beyond_the_allow_list_open_without_login(app, anon_client):
    assert PUBLIC_FEED_ENDPOINTS == {"roster.duty_feed"} and FEED_METHODS == {"GET", "HEAD"}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint in PUBLIC_FEED_ENDPOINTS]
    assert [r.rule for r in rules] == ["/duty/feed/<feed_token:token>.ics"]
    open_ = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _example_url(rule)
        for method in sorted(rule.methods - {"OPTIONS"}):
            resp = anon_client.open(url, method=method)
            if resp.status_code not in (302, 401):
                open_.append((rule.endpoint, method, resp.status_code))
    # the feed answers GET and HEAD itself (404: no such address); nothing else is open
    assert sorted(open_) == [("roster.duty_feed", "GET", 404), ("roster.duty_feed", "HEAD", 404)]
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        resp = anon_client.open(f"/duty/feed/{'Z' * 43}.ics", method=method)
        assert resp.status_code == 302 and resp.location.startswith("/login"), method


def test_the_duty_page_offers_managers_the_subscription_panel_only(app, client, july,
                                                                   make_user, login):
    html = client.get("/duty").get_data(as_text=True)
    assert 'id="duty-feed-panel"' in html and "日历订阅" in html
    assert "Calendar subscription" in client.get("/duty?lang=en").get_data(as_text=True)
    viewer = app.test_client()
    login(viewer, make_user("viewer"))
    assert 'id="duty-feed-panel"' not in viewer.get("/duty").get_data(as_text=True)
