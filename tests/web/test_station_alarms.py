"""Automatic-station readings raise alarms in every page header until acknowledged, logged in
the duty log (issue 16 part 5)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

NOW = datetime(2026, 7, 24, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def station(app, client):
    app.config["FIXED_NOW"] = NOW
    return client.get("/api/stations").get_json()["stations"][0]


def reading(client, station, value, **headers):
    return client.post(f"/api/stations/{station['id']}/readings", headers=headers, json={
        "readings": [{"parameter": "硝基苯", "value_mg_l": value,
                      "observed_at": "2026-07-24T11:00+08:00"}]})


def test_a_reading_above_the_threshold_raises_an_alarm_in_the_header_until_acknowledged(
        client, station):
    assert "水质自动站报警" not in client.get("/incidents").get_data(as_text=True)
    low = reading(client, station, 0.001)
    assert low.status_code == 201 and low.get_json()["alarms"] == []
    high = reading(client, station, 0.5)
    assert high.status_code == 201
    alarm = high.get_json()["alarms"][0]
    assert alarm["threshold_mg_l"] == 0.017 and alarm["station_name_zh"] == station["name_zh"]
    page = client.get("/incidents").get_data(as_text=True)
    assert "水质自动站报警 1 条未确认" in page
    listed = client.get("/api/alarms").get_json()
    assert listed["open"] == 1
    ack = client.post(f"/api/alarms/{alarm['id']}/acknowledge", json={"note": "已通知监测站复核"})
    assert ack.status_code == 200 and ack.get_json()["acknowledged_by"] == "admin"
    assert "水质自动站报警" not in client.get("/incidents").get_data(as_text=True)
    assert client.post(f"/api/alarms/{alarm['id']}/acknowledge", json={}).status_code == 422


def test_the_alarm_and_the_acknowledgement_are_written_to_the_duty_log(app, client, station):
    from sqlalchemy import select

    from emergency.store.roster_models import DutyLogEntry

    alarm = reading(client, station, 0.5).get_json()["alarms"][0]
    client.post(f"/api/alarms/{alarm['id']}/acknowledge", json={})
    with app.extensions["database"].session() as s:
        texts = [e.text for e in s.scalars(select(DutyLogEntry))]
    assert any(t.startswith("水质自动站报警") for t in texts)
    assert any(t.startswith("确认水质自动站报警") for t in texts)


def test_a_station_system_sends_readings_with_its_token_and_a_viewer_cannot_acknowledge(
        app, anon_client, make_user, station):
    def token_for(role):
        user = make_user(role)
        body = anon_client.post("/api/auth/token", json={"username": user.username,
                                                         "password": user.password}).get_json()
        return {"Authorization": f"Bearer {body['token']}"}

    sent = reading(anon_client, station, 0.5, **token_for("monitoring_system"))
    assert sent.status_code == 201
    alarm = sent.get_json()["alarms"][0]
    assert reading(anon_client, station, 0.5, **token_for("viewer")).status_code == 403
    refused = anon_client.post(f"/api/alarms/{alarm['id']}/acknowledge", json={},
                               headers=token_for("viewer"))
    assert refused.status_code == 403


def test_bad_readings_are_422_and_nothing_is_stored(client, station):
    resp = client.post(f"/api/stations/{station['id']}/readings", json={"readings": [
        {"parameter": "硝基苯", "value_mg_l": 0.5, "observed_at": "2026-07-24T11:00+08:00"},
        {"parameter": "?", "value_mg_l": -1, "observed_at": "2026-07-30T11:00+08:00"}]})
    assert resp.status_code == 422
    fields = {p["field"] for p in resp.get_json()["error"]["problems"]}
    assert fields == {"readings[1].parameter", "readings[1].value_mg_l",
                      "readings[1].observed_at"}
    assert client.get("/api/alarms").get_json()["alarms"] == []
    assert client.post("/api/stations/nowhere/readings", json={}).status_code == 404


def test_the_alarms_page_lists_alarms_for_tracing(client, station):
    reading(client, station, 0.5)
    page = client.get("/alarms")
    assert page.status_code == 200 and "alarms.js" in page.get_data(as_text=True)
