"""The drill pages: the library with runs (/drills) and the controller console of one run."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

CHEM = "jetdz-chemical-park-fire"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def run_id(client, app):
    app.config["FIXED_NOW"] = NOW
    resp = client.post("/api/drills/runs", json={"scenario_id": CHEM, "speed": "stepped"})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def test_admin_sees_the_library_with_start_buttons_and_the_nav_entry(client):
    html = client.get("/drills").get_data(as_text=True)
    assert "演练脚本库" in html and CHEM in html and "第二松花江" in html
    assert 'class="eec-btn primary small drill-start"' in html and "手动步进" in html
    assert 'href="/drills"' in html  # the header's 演练 entry
    assert "js/drill_console.js" in html


def test_the_console_shows_msel_watermark_forms_and_the_player_link(client, run_id):
    client.post(f"/api/drills/runs/{run_id}/step", json={"minutes": 30})
    resp = client.get(f"/drills/runs/{run_id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'data-watermark="【演练】"' in html and "【演练】" in html
    for marker in ('id="msel"', 'id="btn-step"', 'id="btn-end"', 'id="evaluation-form"',
                   'id="inject-adhoc-form"', 'id="drill-next"', "/incidents/1",
                   f"/api/drills/runs/{run_id}/report.xlsx", '"status": "fired"'):
        assert marker in html, marker
    listed = client.get("/drills").get_data(as_text=True)
    assert f"/drills/runs/{run_id}" in listed and "进行中" in listed


def test_a_drill_organiser_may_start_and_drive(app, make_user, login, run_id):
    organiser = app.test_client()
    login(organiser, make_user("drill_organizer"))
    assert "drill-start" in organiser.get("/drills").get_data(as_text=True)
    html = organiser.get(f"/drills/runs/{run_id}").get_data(as_text=True)
    assert 'id="btn-step"' in html and 'data-can-run="1"' in html
    assert 'id="evaluation-form"' in html and 'id="eval-submit"' in html  # organisers score too


def test_an_evaluator_sees_the_evaluation_form_and_a_read_only_console(app, make_user, login,
                                                                     run_id):
    evaluator = app.test_client()
    login(evaluator, make_user("drill_evaluator", display_name="王评估"))
    library = evaluator.get("/drills").get_data(as_text=True)
    assert "drill-start" not in library and "评估员:只能记录和提交评估" in library
    html = evaluator.get(f"/drills/runs/{run_id}").get_data(as_text=True)
    for absent in ('id="btn-step"', 'id="btn-pause"', 'id="btn-end"', 'id="inject-id"',
                   'id="inject-adhoc-form"'):
        assert absent not in html, absent
    for present in ('data-can-run="0"', 'id="drill-read-only"', 'id="evaluation-form"',
                    'id="eval-inject"', 'id="eval-time"', 'id="eval-submit"',
                    'id="drill-evaluators"', f"/api/drills/runs/{run_id}/evaluation"):
        assert present in html, present
    assert evaluator.post(f"/api/drills/runs/{run_id}/observations", json={
        "objective_id": "O1", "rating": "S", "note": "关阀及时"}).status_code == 201
    html = evaluator.get(f"/drills/runs/{run_id}").get_data(as_text=True)
    assert '<li class="drill-evaluator"><b>王评估</b>' in html and "未提交" in html


def test_a_player_sees_no_draft_evaluation_on_the_console(app, make_user, login, client,
                                                          run_id):
    client.post(f"/api/drills/runs/{run_id}/observations",
                json={"objective_id": "O1", "rating": "U", "note": "草稿:应急池未启用"})
    player = app.test_client()
    login(player, make_user("duty_officer"))
    html = player.get(f"/drills/runs/{run_id}").get_data(as_text=True)
    assert "草稿:应急池未启用" not in html and 'id="drill-eval-hidden"' in html
    assert 'id="evaluation-form"' not in html and 'id="drill-evaluators"' not in html
    client.post(f"/api/drills/runs/{run_id}/evaluation")
    client.post(f"/api/drills/runs/{run_id}/end")
    html = player.get(f"/drills/runs/{run_id}").get_data(as_text=True)
    assert "草稿:应急池未启用" in html and 'id="drill-eval-hidden"' not in html
    assert '<li class="drill-evaluator"><b>' in html  # the after-action summary's evaluators


def test_a_viewer_reads_but_cannot_start(app, make_user, login, run_id):
    viewer = app.test_client()
    login(viewer, make_user("viewer"))
    html = viewer.get("/drills").get_data(as_text=True)
    assert "drill-start" not in html and 'id="drill-read-only"' in html
    console = viewer.get(f"/drills/runs/{run_id}").get_data(as_text=True)
    assert 'id="btn-step"' not in console and 'id="evaluation-form"' not in console
    assert 'data-can-run="0"' in console
    assert viewer.post("/api/drills/runs", json={"scenario_id": CHEM}).status_code == 403
    assert viewer.post(f"/api/drills/runs/{run_id}/advance").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(anon_client):
    for url in ("/drills", "/drills/runs/1"):
        resp = anon_client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_an_unknown_run_is_a_404_page(client):
    resp = client.get("/drills/runs/999")
    assert resp.status_code == 404 and "999" in resp.get_data(as_text=True)


# ------------------------------------------------------------------ what the players see
CADMIUM = "jilin-cadmium-upstream-intake"


def test_the_players_incident_page_shows_the_mark_once_and_the_inject_banner(client, run_id):
    html = client.get("/incidents/1").get_data(as_text=True)
    assert "【演练】【演练】" not in html
    assert html.count('<span class="inc-drill">【演练】</span>') == 1
    for marker in ('id="drill-player"', 'id="drill-banner"', 'id="drill-inject-list"',
                   "/api/drills/incidents/1/injects", "js/drill_player.js",
                   "css/drill_player.css"):
        assert marker in html, marker
    assert "<script>" not in html          # no inline script (CSP): data only as JSON


def test_a_real_incident_page_has_no_drill_banner(client, app):
    app.config["FIXED_NOW"] = NOW
    resp = client.post("/api/incidents", json={"lon": 126.55, "lat": 43.86, "substance": "苯",
                                               "mass_kg": 100,
                                               "occurred_at": "2026-11-25T09:00+08:00"})
    html = client.get(f"/incidents/{resp.get_json()['id']}").get_data(as_text=True)
    assert 'id="drill-player"' not in html and "drill_player.js" not in html


def test_players_get_the_delivered_injects_without_the_script_and_acknowledge_them(
        app, make_user, login, client, run_id):
    client.post(f"/api/drills/runs/{run_id}/step", json={"minutes": 20})   # T+00:35: I1, I2
    player = app.test_client()
    login(player, make_user("duty_officer", username="player1"))
    body = player.get("/api/drills/incidents/1/injects").get_json()
    assert body["run_id"] == run_id and body["status"] == "running"
    assert [i["inject_id"] for i in body["injects"]] == ["I1", "I2"]
    first = body["injects"][0]
    assert first["message"].startswith("【演练】") and not first["message"].startswith(
        "【演练】【演练】")
    assert set(first) == {"inject_id", "mode", "mode_zh", "mode_en", "from", "to", "message",
                          "delivered_at", "delivered_t", "acknowledged_at", "acknowledged_t",
                          "acknowledged_by"}            # no expected actions, notes, objective
    assert first["delivered_t"] == "T+00:15" and first["acknowledged_at"] is None
    ack = player.post(f"/api/drills/runs/{run_id}/injects/I1/ack")
    assert ack.status_code == 200
    assert (ack.get_json()["acknowledged_by"], ack.get_json()["acknowledged_t"]) == (
        "player1", "T+00:35")
    again = player.post(f"/api/drills/runs/{run_id}/injects/I1/ack").get_json()
    assert again["acknowledged_at"] == ack.get_json()["acknowledged_at"]   # once
    assert player.post(f"/api/drills/runs/{run_id}/injects/I9/ack").status_code == 404
    events = client.get("/api/incidents/1/changes?since=0").get_json()["events"]
    assert any(e["kind"] == "drill_ack" and "I1" in e["summary_zh"] for e in events)
    viewer = app.test_client()
    login(viewer, make_user("viewer"))
    assert viewer.get("/api/drills/incidents/1/injects").status_code == 200
    assert viewer.post(f"/api/drills/runs/{run_id}/injects/I2/ack").status_code == 403


def test_a_real_incident_has_no_drill_injects(client, app):
    app.config["FIXED_NOW"] = NOW
    resp = client.post("/api/incidents", json={"lon": 126.55, "lat": 43.86, "substance": "苯",
                                               "mass_kg": 100,
                                               "occurred_at": "2026-11-25T09:00+08:00"})
    assert client.get(f"/api/drills/incidents/{resp.get_json()['id']}/injects"
                      ).status_code == 404


def test_the_msel_names_sites_and_tasks_never_raw_ids(client, app):
    app.config["FIXED_NOW"] = NOW
    run = client.post("/api/drills/runs", json={"scenario_id": CADMIUM, "speed": "stepped"})
    msel = {r["id"]: r for r in run.get_json()["msel"]}
    assert msel["I3"]["trigger_zh"] == "污染团前锋到达 支流入江口(演练假定投药点)"
    assert "wende-mouth" not in msel["I3"]["trigger_en"]
    chem = client.post("/api/drills/runs", json={"scenario_id": CHEM, "speed": "stepped"})
    rows = {r["id"]: r for r in chem.get_json()["msel"]}
    assert rows["I7"]["trigger_zh"] == "污染团前锋到达 市界"
    assert rows["I4"]["trigger_zh"].startswith("任务完成:") and \
        "report:first_report" not in rows["I4"]["trigger_zh"]
    html = client.get(f"/drills/runs/{run.get_json()['id']}").get_data(as_text=True)
    assert "污染团前锋到达 wende-mouth" not in html


# ------------------------------------------------------------------ the scenario editor
def _config(html: str) -> dict:
    import json
    import re

    return json.loads(re.search(r'<script type="application/json" id="ed-config">(.*?)</script>',
                                html, re.S).group(1))


def test_the_editor_opens_blank_or_on_a_copy_of_any_scenario(client, app, make_user, login):
    blank = client.get("/drills/scenarios/new")
    assert blank.status_code == 200
    html = blank.get_data(as_text=True)
    assert "<script>" not in html and "js/drill_editor.js" in html
    cfg = _config(html)
    assert cfg["id"] is None and cfg["document"]["incidents"][0]["report"]["lon"] is None
    assert {"county", "prefecture", "province", "nation"} == {
        b["id"] for b in cfg["boundary_levels"]}
    assert any(s["id"] for s in cfg["substances"]) and cfg["urls"]["preview"]
    copy = _config(client.get(f"/drills/scenarios/new?from={CHEM}").get_data(as_text=True))
    assert copy["copied_from"] == CHEM and copy["document"]["title"].endswith("(副本)")
    assert len(copy["document"]["injects"]) == 8
    saved = client.post("/api/drills/scenarios", json={"scenario": copy["document"]}).get_json()
    edit = _config(client.get(f"/drills/scenarios/{saved['id']}/edit").get_data(as_text=True))
    assert (edit["id"], edit["revision"], edit["version"]) == (saved["id"], 1, 1)
    again = _config(client.get(f"/drills/scenarios/new?from=db-{saved['id']}"
                               ).get_data(as_text=True))
    assert again["copied_from"] == f"db-{saved['id']}"
    listed = client.get("/drills").get_data(as_text=True)
    assert 'id="drill-stored"' in listed and f"/drills/scenarios/{saved['id']}/edit" in listed
    assert client.get("/drills/scenarios/new?from=nope").status_code == 404
    viewer = app.test_client()
    login(viewer, make_user("viewer"))
    assert viewer.get("/drills/scenarios/new").status_code == 403
