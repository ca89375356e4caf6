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
