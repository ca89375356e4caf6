"""Withdrawing a published roster through the API (撤回): a duty manager with a reason; 409 in
both languages for a roster that has started unless forced; the people affected in the answer;
the header stops showing withdrawn days; bad input is 4xx in both languages and changes nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
BEFORE = datetime(2026, 6, 20, 10, 0, tzinfo=SH)
DURING = datetime(2026, 7, 16, 9, 0, tzinfo=SH)


@pytest.fixture
def july(app, client):
    """The sample staff; July 2026 generated and published on 20 June (not started)."""
    from emergency.roster import staff_service

    app.config["FIXED_NOW"] = BEFORE
    with app.extensions["database"].session() as s:
        staff_service.load_sample_staff(s, as_of=BEFORE.date(), now=BEFORE)
    made = client.post("/api/rosters", json={"month": "2026-07"}).get_json()
    published = client.post(f"/api/rosters/{made['id']}/publish",
                            json={"revision": made["revision"]}).get_json()
    return published


def header(client) -> str:
    return client.get("/duty").get_data(as_text=True).split('id="eec-on-duty"', 1)[1] \
        .split("</a>", 1)[0]


def snapshot(client) -> tuple:
    month = client.get("/api/rosters/2026-07").get_json()
    return ([(r["id"], r["status"], r["version"], r["revision"]) for r in month["rosters"]],
            client.get("/api/duty/log?from=2026-06-01&to=2026-07-31").get_json()["entries"])


def test_a_manager_withdraws_a_roster_before_it_starts_and_gets_the_people_to_tell(
        app, client, july):
    resp = client.post(f"/api/rosters/{july['id']}/withdraw",
                       json={"reason": "人员调整,重新排班", "revision": july["revision"]})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["roster"]["status"] == "draft" and body["draft"]["id"] == july["id"]
    assert body["kept_until"] is None and body["withdrawn_version"] == 1
    assert "退回草稿" in body["message_zh"] and "draft again" in body["message_en"]
    person = body["affected"][0]
    assert person["name"] and person["phone"] and person["duties"][0]["date"] >= "2026-07-01"
    assert {"date", "position", "position_zh", "position_en", "shift", "start", "end"} <= set(
        person["duties"][0])
    assert body["duties"] == sum(len(p["duties"]) for p in body["affected"])
    assert body["log_entry"]["kind"] == "roster" and body["log_entry"]["author"] == "admin"
    assert "人员调整,重新排班" in body["log_entry"]["text"]
    app.config["FIXED_NOW"] = DURING
    assert "暂无已发布值班表" in header(client)
    assert client.get("/api/duty/now").get_json()["roster"] is None
    entries = client.get("/api/duty/log?date=2026-06-20").get_json()["entries"]
    assert any(e["kind"] == "roster" and e["kind_zh"] == "排班" for e in entries)


def test_a_started_roster_is_409_in_both_languages_unless_forced(app, client, july):
    app.config["FIXED_NOW"] = DURING
    before = snapshot(client)
    resp = client.post(f"/api/rosters/{july['id']}/withdraw", json={"reason": "调整"})
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert "正在进行的24小时值班" in err["message_zh"] and "24-hour duty" in err["message_en"]
    assert err["details"]["force_required"] is True
    assert snapshot(client) == before
    on_duty_now = client.get("/api/duty/now").get_json()["leader"][0]["name"]

    forced = client.post(f"/api/rosters/{july['id']}/withdraw",
                         json={"reason": "带班领导调整", "force": True})
    assert forced.status_code == 200, forced.get_json()
    body = forced.get_json()
    assert body["kept_until"] == "2026-07-16" and body["roster"]["status"] == "published"
    assert body["draft"]["status"] == "draft" and body["draft"]["period"]["start"] == "2026-07-17"
    assert all(d["date"] >= "2026-07-17" for p in body["affected"] for d in p["duties"])
    assert on_duty_now in header(client)  # the running 24-hour duty stays on the header
    app.config["FIXED_NOW"] = datetime(2026, 7, 17, 9, 0, tzinfo=SH)
    assert "暂无已发布值班表" in header(client)


@pytest.mark.parametrize(("body", "status", "code"), [
    ({}, 422, "invalid_input"),
    ({"reason": "   "}, 422, "invalid_input"),
    ({"reason": 5}, 400, "invalid_parameter"),
    ({"reason": "调整", "force": "maybe"}, 400, "invalid_parameter"),
    ({"reason": "调整", "revision": "x"}, 400, "invalid_parameter"),
    ({"reason": "调整", "revision": 1}, 409, "stale"),
])
def test_bad_withdrawals_say_why_in_both_languages_and_change_nothing(client, july, body,
                                                                      status, code):
    before = snapshot(client)
    resp = client.post(f"/api/rosters/{july['id']}/withdraw", json=body)
    assert resp.status_code == status, resp.get_json()
    err = resp.get_json()["error"]
    assert err["code"] == code and err["message_zh"] and err["message_en"]
    assert snapshot(client) == before


def test_a_draft_or_an_unknown_roster_cannot_be_withdrawn(client, july):
    client.post(f"/api/rosters/{july['id']}/withdraw", json={"reason": "重排"})
    again = client.post(f"/api/rosters/{july['id']}/withdraw", json={"reason": "重排"})
    assert again.status_code == 409 and "只有已发布" in again.get_json()["error"]["message_zh"]
    assert client.post("/api/rosters/999/withdraw", json={"reason": "x"}).status_code == 404
    no_json = client.post(f"/api/rosters/{july['id']}/withdraw", data="reason")
    assert no_json.status_code == 400


def test_viewers_and_duty_officers_cannot_withdraw(app, client, july, make_user, login):
    for role in ("viewer", "duty_officer"):
        other = app.test_client()
        login(other, make_user(role))
        resp = other.post(f"/api/rosters/{july['id']}/withdraw", json={"reason": "x"})
        assert resp.status_code == 403, role
    assert client.get("/api/rosters/2026-07").get_json()["rosters"][0]["status"] == "published"


def test_the_duty_page_has_the_withdraw_button_with_a_reason_field(client, july):
    html = client.get("/duty").get_data(as_text=True)
    assert 'id="duty-withdraw"' in html and 'id="duty-withdraw-reason"' in html
    assert "撤回" in html
    assert "Withdraw" in client.get("/duty?lang=en").get_data(as_text=True)
