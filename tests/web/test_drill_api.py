"""The drill API and CLI end to end: scenarios, validation, a controlled run, injects,
observations, the report (JSON, XLSX), permissions, and the headless auto run."""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from emergency.drills.scenario import LIBRARY_DIR

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CHEM = "jetdz-chemical-park-fire"
BROKEN = """
title: 坏脚本
type: 演习
duration: soon
objectives: []
participants: [{id: a, name: 甲, level: planet}]
incidents: [{id: main, report: {lon: 126.55, lat: 43.86, substance: 硝基苯, mass_kg: 1}}]
phases: [{id: p, name: 发生, trigger: "T+0"}]
injects: [{id: I1, trigger: "T+00:10", mode: phone, from: a, to: b, message: x, objective: O1}]
"""


@pytest.fixture
def fixed_now(app):
    app.config["FIXED_NOW"] = NOW
    return NOW


@pytest.fixture
def run(client, fixed_now):
    resp = client.post("/api/drills/runs", json={"scenario_id": CHEM, "speed": "stepped"})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def step(client, run_id: int, minutes: float) -> dict:
    resp = client.post(f"/api/drills/runs/{run_id}/step", json={"minutes": minutes})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


# ------------------------------------------------------------------ scenarios
def test_the_library_lists_sample_scenarios_on_real_rivers(client):
    body = client.get("/api/drills/scenarios").get_json()["scenarios"]
    assert len(body) >= 5 and all(s["sample"] for s in body)
    assert {"第二松花江", "浑江", "布尔哈通河", "松花江"} <= {s["river"] for s in body}
    one = client.get(f"/api/drills/scenarios/{CHEM}").get_json()
    assert one["yaml"].startswith("# 演练脚本(示例)") and len(one["participants"]) >= 4
    assert client.get("/api/drills/scenarios/nope").status_code == 404


def test_an_uploaded_scenario_is_refused_with_every_problem_at_once(client):
    resp = client.post("/api/drills/scenarios/validate", data=BROKEN.encode(),
                       content_type="text/yaml")
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "invalid_scenario" and err["message_zh"] and err["message_en"]
    paths = {p["path"] for p in err["problems"]}
    assert {"type", "duration", "objectives", "participants[0].level",
            "phases[0].trigger", "injects[0].to", "injects[0].objective",
            "incidents[0].report.occurred_at"} <= paths


def test_a_valid_upload_is_checked_on_the_river_network(client):
    text = (LIBRARY_DIR / f"{CHEM}.yaml").read_text("utf-8")
    resp = client.post("/api/drills/scenarios/validate", json={"yaml": text})
    body = resp.get_json()
    assert resp.status_code == 200 and body["valid"], body
    assert any("第二松花江" in f["message_zh"] for f in body["findings"])
    as_file = client.post("/api/drills/scenarios/validate",
                          data={"file": (BytesIO(text.encode()), "chem.yaml")},
                          content_type="multipart/form-data")
    assert as_file.status_code == 200 and as_file.get_json()["valid"]


# ------------------------------------------------------------------ a controlled run
def test_a_run_is_driven_by_the_controller_and_shows_the_msel(client, run):
    assert run["status"] == "running" and run["clock"]["t"] == "T+00:15"
    assert run["current_phase"] == "发生" and run["warnings"] == []
    assert [r["id"] for r in run["msel"] if r["status"] == "fired"] == ["I1"]  # T+00:15
    pending = {r["id"] for r in run["msel"] if r["status"] == "pending"}
    assert {"I2", "I6", "C1"} <= pending
    state = step(client, run["id"], 45)
    # one 45-minute step: I2, I3 and I5 come due, and the 30 minutes allowed for I1 ran out
    fired = {r["id"]: r for r in state["msel"] if r["status"] == "fired"}
    assert set(fired) == {"I1", "I2", "I3", "I5", "C1"}
    assert (fired["I2"]["due_t"], fired["I2"]["delivered_t"]) == ("T+00:25", "T+01:00")
    assert fired["C1"]["cause"] == "I1/A1" and fired["C1"]["kind"] == "contingency"
    assert all(r["message"].startswith("【演练】") for r in state["msel"])
    assert state["expected_next"] and state["current_phase"] == "预警"
    i2 = next(r for r in state["msel"] if r["id"] == "I2")
    assert i2["expected_actions"][0]["status"] == "open"
    # no one acts: two hours later the first report is late and the contingency is out
    state = step(client, run["id"], 120)
    assert "I2" in {a["inject_id"] for a in state["late_actions"]}
    assert next(r for r in state["msel"] if r["id"] == "C2")["status"] == "fired"
    plume = next(r for r in state["msel"] if r["id"] == "I6")
    assert plume["status"] == "fired" and plume["trigger_zh"].startswith("污染团前锋到达")


def test_pause_resume_and_end_follow_the_runs_state(client, run):
    url = f"/api/drills/runs/{run['id']}"
    assert client.post(f"{url}/pause").get_json()["status"] == "paused"
    again = client.post(f"{url}/pause")
    assert again.status_code == 409 and again.get_json()["error"]["message_zh"]
    assert client.post(f"{url}/resume").get_json()["status"] == "running"
    assert client.post(f"{url}/speed", json={"speed": "x60"}).get_json()["clock"]["speed"] == 60
    assert client.post(f"{url}/speed", json={"speed": -3}).status_code == 422
    ended = client.post(f"{url}/end").get_json()
    assert ended["status"] == "ended" and ended["ended"]["reason"] == "controller"
    assert client.post(f"{url}/step", json={"minutes": 10}).status_code == 409
    assert client.post(f"{url}/advance").status_code == 200     # a no-op once ended


def test_the_drill_incident_is_drill_flagged_and_kept_out_of_the_incident_list(client, run):
    incident = run["incidents"][0]
    assert incident["is_drill"] and incident["title"].startswith("【演练】")
    listed = client.get("/api/incidents").get_json()["incidents"]
    assert incident["incident_id"] not in [i["id"] for i in listed]
    shown = client.get(f"/api/incidents/{incident['incident_id']}").get_json()
    assert shown["is_drill"] is True
    assert any(e["summary_zh"].startswith("【演练】") for e in shown["timeline"])


def test_injects_observations_improvements_and_the_report(client, run):
    url = f"/api/drills/runs/{run['id']}"
    manual = client.post(f"{url}/injects", json={"inject_id": "I5"})
    assert manual.status_code == 201 and manual.get_json()["kind"] == "manual"
    bad = client.post(f"{url}/injects", json={"mode": "carrier-pigeon", "message": "x"})
    assert bad.status_code == 422 and bad.get_json()["error"]["problems"]
    adhoc = client.post(f"{url}/injects", json={
        "mode": "sms", "from": "controller", "to": "city-eeb", "message": "补充情况",
        "objective": "O2"})
    assert adhoc.status_code == 201 and adhoc.get_json()["inject_id"] == "X1"
    obs = client.post(f"{url}/observations", json={"objective_id": "O2", "rating": "s",
                                                   "note": "初报要素不全"})
    assert obs.status_code == 201 and obs.get_json()["rating"] == "S"
    assert obs.get_json()["observed_t"] == "T+00:15"
    wrong = client.post(f"{url}/observations", json={"objective_id": "O9", "rating": "X"})
    assert wrong.status_code == 422
    assert {p["field"] for p in wrong.get_json()["error"]["problems"]} == {"objective_id",
                                                                           "rating"}
    item = client.post(f"{url}/improvements", json={"item": "完善园区雨水管网封堵预案",
                                                    "owner": "开发区管委会", "due": "2027-03-31"})
    assert item.status_code == 201
    assert client.post(f"{url}/improvements", json={"item": "x"}).status_code == 422
    client.post(f"{url}/end")
    report = client.get(f"{url}/report").get_json()
    assert report["watermark"] == "【演练】" and report["end_reason"] == "controller"
    assert report["observations"][0]["rating"] == "S"
    assert any(p["source"] == "manual" for p in report["improvement_plan"])
    xlsx = client.get(f"{url}/report.xlsx")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.content_type
    wb = load_workbook(BytesIO(xlsx.data))
    assert all(str(ws["A1"].value).startswith("【演练】") for ws in wb.worksheets)


# ------------------------------------------------------------------ errors and permissions
def test_errors_are_bilingual_4xx(client, fixed_now):
    assert client.get("/api/drills/runs/999").status_code == 404
    assert client.get("/api/drills/runs/999/report").status_code == 404
    resp = client.post("/api/drills/runs", json={})
    assert resp.status_code == 400 and resp.get_json()["error"]["message_en"]
    resp = client.post("/api/drills/runs", data="[1]", content_type="application/json")
    assert resp.status_code == 400
    resp = client.post("/api/drills/runs", json={"scenario_id": CHEM, "speed": "warp"})
    assert resp.status_code == 422
    resp = client.post("/api/drills/runs", json={"yaml": BROKEN})
    assert resp.status_code == 422 and resp.get_json()["error"]["problems"]


def test_only_drill_organisers_drive_drills_and_everyone_may_watch(app, make_user, login,
                                                                    anon_client, fixed_now):
    viewer, organiser = app.test_client(), app.test_client()
    login(viewer, make_user("viewer"))
    login(organiser, make_user("drill_organizer"))
    refused = viewer.post("/api/drills/runs", json={"scenario_id": CHEM, "speed": 0})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    started = organiser.post("/api/drills/runs", json={"scenario_id": CHEM, "speed": 0})
    assert started.status_code == 201
    run_id = started.get_json()["id"]
    assert viewer.get(f"/api/drills/runs/{run_id}").status_code == 200
    assert viewer.post(f"/api/drills/runs/{run_id}/step", json={"minutes": 5}).status_code == 403
    assert anon_client.get(f"/api/drills/runs/{run_id}").status_code == 401


# ------------------------------------------------------------------ the CLI
def test_cli_validate_lists_every_problem_and_fails(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN, "utf-8")
    result = runner.invoke(args=["drill", "validate", str(bad)])
    assert result.exit_code != 0
    assert "bad.yaml: type" in result.output and "injects[0].to" in result.output
    ok = runner.invoke(args=["drill", "validate", CHEM])
    assert ok.exit_code == 0, ok.output
    assert "✓" in ok.output and "第二松花江" in ok.output


def test_cli_auto_run_plays_a_scenario_to_its_report(runner, tmp_path):
    result = runner.invoke(args=["drill", "run", CHEM, "--speed", "60", "--auto",
                                 "--on-time", "0.7", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "[I1]" in result.output and "【演练】" in result.output
    assert "终止" in result.output and "score" in result.output
    run_id = int(re.search(r"run id: (\d+)", result.output).group(1))
    xlsx = tmp_path / "report.xlsx"
    report = runner.invoke(args=["drill", "report", str(run_id), "--xlsx", str(xlsx)])
    assert report.exit_code == 0, report.output
    assert xlsx.stat().st_size > 0 and "按时" in report.output
    missing = runner.invoke(args=["drill", "report", "999"])
    assert missing.exit_code != 0


# ------------------------------------------------------------ controllers, evaluators, players
# Every route of the drill blueprints and the permission it declares. A new route fails
# test_every_drill_route_declares_the_permission_of_its_job until it is added here.
P_READ, P_RUN, P_EVAL = "read", "drill.run", "drill.evaluate"
DRILL_ROUTE_PERMISSIONS = {
    ("drills.scenarios", "GET"): P_READ,
    ("drills.scenario", "GET"): P_READ,
    ("drills.validate", "POST"): P_READ,         # checks a file, changes nothing
    ("drills.runs", "GET"): P_READ,
    ("drills.run", "GET"): P_READ,               # drafts filtered for players
    ("drills.start", "POST"): P_RUN,
    ("drills.advance", "POST"): P_RUN,
    ("drills.step", "POST"): P_RUN,
    ("drills.pause", "POST"): P_RUN,
    ("drills.resume", "POST"): P_RUN,
    ("drills.speed", "POST"): P_RUN,
    ("drills.end", "POST"): P_RUN,
    ("drills.inject", "POST"): P_RUN,
    ("drills.observations", "GET"): P_READ,      # drafts filtered for players
    ("drills.observe", "POST"): P_EVAL,
    ("drills.submit_evaluation", "POST"): P_EVAL,
    ("drills.improve", "POST"): P_EVAL,
    ("drills.report", "GET"): P_READ,            # players: once the drill has ended
    ("drills.report_xlsx_file", "GET"): P_READ,
    ("drills.player_injects", "GET"): P_READ,
    ("drills.report_docx_file", "GET"): P_READ,
    ("drills.create_scenario", "POST"): P_RUN,            # organisers write scenarios
    ("drills.update_scenario", "PUT"): P_RUN,
    ("drills.preview_unsaved", "POST"): P_RUN,
    ("drills.preview_stored", "POST"): P_RUN,
    ("drills.stored_scenario", "GET"): P_READ,            # the script only for insiders
    ("drills.scenario_versions", "GET"): P_READ,
    ("drills.export_scenario", "GET"): P_EVAL,
    ("drill_pages.new_scenario", "GET"): P_RUN,
    ("drill_pages.edit_scenario", "GET"): P_RUN,

    ("drills.acknowledge", "POST"): "incident.write",   # a player working the incident
    ("drill_pages.index", "GET"): P_READ,
    ("drill_pages.run_page", "GET"): P_READ,
}


def test_every_drill_route_declares_the_permission_of_its_job(app):
    from emergency.web.auth import required_permission

    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("drills.", "drill_pages.")):
            continue
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "required_permission", None)
        assert declared is not None, f"{rule.rule} declares no permission"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(rule.endpoint, method)] = declared.value
            with app.test_request_context():
                assert required_permission(rule.endpoint, method).value == declared.value
    assert found == DRILL_ROUTE_PERMISSIONS
    # the controller's levers are never open to an evaluator, the scores never to a controller-only
    for (endpoint, _method), permission in found.items():
        if endpoint.split(".")[1] in {"start", "advance", "step", "pause", "resume", "speed",
                                      "end", "inject"}:
            assert permission == P_RUN, endpoint


def _as(app, make_user, login, role: str, **overrides):
    c = app.test_client()
    login(c, make_user(role, **overrides))
    return c


def test_an_evaluator_scores_and_submits_but_cannot_drive_the_drill(app, make_user, login,
                                                                    client, run):
    url = f"/api/drills/runs/{run['id']}"
    evaluator = _as(app, make_user, login, "drill_evaluator", display_name="李评估")
    step(client, run["id"], 30)                                   # T+00:45
    obs = evaluator.post(f"{url}/observations", json={
        "objective_id": "O1", "rating": "M", "note": "应急池启用迟缓", "inject_id": "I1",
        "observed_t": "T+00:20"})
    assert obs.status_code == 201, obs.get_json()
    body = obs.get_json()
    assert (body["evaluator"], body["status"], body["observed_t"], body["inject_id"]) == (
        "李评估", "draft", "T+00:20", "I1")
    assert body["recorded_by"].startswith("drill_evaluator") and body["recorded_at"]
    for action, payload in (("injects", {"inject_id": "I6"}), ("step", {"minutes": 10}),
                            ("advance", {}), ("pause", {}), ("resume", {}),
                            ("speed", {"speed": 60}), ("end", {})):
        resp = evaluator.post(f"{url}/{action}", json=payload)
        assert resp.status_code == 403, action
        err = resp.get_json()["error"]
        assert err["code"] == "forbidden" and err["details"]["permission"] == "drill.run"
    assert evaluator.post("/api/drills/runs", json={"scenario_id": CHEM}).status_code == 403
    state = client.get(url).get_json()
    assert state["clock"]["t"] == "T+00:45" and state["status"] == "running"  # untouched
    assert next(r for r in state["msel"] if r["id"] == "I6")["status"] == "pending"
    assert evaluator.post(f"{url}/improvements", json={
        "item": "应急池切换演练", "owner": "园区", "due": "2027-03-31"}).status_code == 201

    submitted = evaluator.post(f"{url}/evaluation")
    assert submitted.status_code == 200
    assert [o["status"] for o in submitted.get_json()["submitted"]] == ["submitted"]
    again = evaluator.post(f"{url}/evaluation")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "nothing_to_submit"
    assert again.get_json()["error"]["message_zh"] and again.get_json()["error"]["message_en"]
    who = client.get(url).get_json()["evaluators"]
    assert [(e["evaluator"], e["drafts"], bool(e["submitted_at"])) for e in who] == [
        ("李评估", 0, True)]
    assert "evaluation_submitted" in {e["kind"] for e in client.get(url).get_json()["timeline"]}


def test_an_organiser_still_drives_and_scores(app, make_user, login, fixed_now):
    organiser = _as(app, make_user, login, "drill_organizer")
    started = organiser.post("/api/drills/runs", json={"scenario_id": CHEM, "speed": 0})
    url = f"/api/drills/runs/{started.get_json()['id']}"
    assert organiser.post(f"{url}/injects", json={"inject_id": "I2"}).status_code == 201
    assert organiser.post(f"{url}/step", json={"minutes": 10}).status_code == 200
    assert organiser.post(f"{url}/observations",
                          json={"objective_id": "O2", "rating": "P"}).status_code == 201
    assert organiser.post(f"{url}/evaluation").status_code == 200
    assert organiser.post(f"{url}/end").status_code == 200


def test_bad_evaluation_input_is_refused_bilingually_and_changes_nothing(app, make_user, login,
                                                                         run):
    url = f"/api/drills/runs/{run['id']}"
    evaluator = _as(app, make_user, login, "drill_evaluator")
    for payload, field in ((({"objective_id": "O1", "rating": "P", "observed_t": "T+05:00"}),
                            "observed_t"),                     # in the future (now T+00:15)
                           ({"objective_id": "O1", "rating": "P", "observed_t": "soon"},
                            "observed_t"),
                           ({"objective_id": "O1", "rating": "P", "observed_t": "T+00:05"},
                            "observed_t"),                     # before the drill started
                           ({"objective_id": "O1", "rating": "Z"}, "rating"),
                           ({"objective_id": "O1", "rating": "P", "inject_id": "I99"},
                            "inject_id"),
                           ({"objective_id": "O1", "rating": "P", "score": 3}, "score")):
        resp = evaluator.post(f"{url}/observations", json=payload)
        assert resp.status_code == 422, payload
        assert resp.get_json()["error"]["code"] == "invalid_evaluation"
        problems = resp.get_json()["error"]["problems"]
        assert field in {p["field"] for p in problems}
        assert all(p["message_zh"] and p["message_en"] for p in problems)
    assert evaluator.post(f"{url}/observations", data="[1]",
                          content_type="application/json").status_code == 400
    assert evaluator.get(f"{url}/observations").get_json()["observations"] == []
    assert evaluator.post(f"{url}/evaluation").status_code == 409  # nothing was saved


def test_a_player_reads_no_draft_evaluation_and_the_summary_only_after_the_end(
        app, make_user, login, client, run):
    url = f"/api/drills/runs/{run['id']}"
    evaluator = _as(app, make_user, login, "drill_evaluator", display_name="张评估")
    second = _as(app, make_user, login, "drill_evaluator", display_name="赵评估")
    player = _as(app, make_user, login, "duty_officer")
    evaluator.post(f"{url}/observations", json={"objective_id": "O1", "rating": "S",
                                                "note": "已提交的观察"})
    evaluator.post(f"{url}/evaluation")
    second.post(f"{url}/observations", json={"objective_id": "O1", "rating": "U",
                                             "note": "仍是草稿"})
    assert len(client.get(url).get_json()["observations"]) == 2            # organisers: all
    assert len(second.get(f"{url}/observations").get_json()["observations"]) == 2
    assert player.get(url).get_json()["observations"] == []                # live: nothing
    assert player.get(url).get_json()["evaluators"] == []
    assert player.get(f"{url}/observations").get_json()["observations"] == []
    for path in ("report", "report.xlsx"):
        refused = player.get(f"{url}/{path}")
        assert refused.status_code == 403, path
        err = refused.get_json()["error"]
        assert err["code"] == "evaluation_not_published"
        assert "演练结束" in err["message_zh"] and "ended" in err["message_en"]
    assert client.get(f"{url}/report").status_code == 200                  # interim, insiders

    client.post(f"{url}/end")
    notes = [o["note"] for o in player.get(f"{url}/observations").get_json()["observations"]]
    assert notes == ["已提交的观察"]                                         # drafts stay inside
    report = player.get(f"{url}/report").get_json()
    assert [o["note"] for o in report["observations"]] == ["已提交的观察"]
    assert report["observations"][0]["evaluator"] == "张评估"
    assert report["observations"][0]["submitted_at"] and report["observations"][0]["recorded_at"]
    assert [e["evaluator"] for e in report["evaluators"]] == ["张评估"]
    full = client.get(f"{url}/report").get_json()
    assert {e["evaluator"] for e in full["evaluators"]} == {"张评估", "赵评估"}
    assert next(o for o in full["observations"] if o["evaluator"] == "赵评估")["status"] == "draft"
    wb = load_workbook(BytesIO(player.get(f"{url}/report.xlsx").data))
    cells = [c.value for row in wb["评估人员 Evaluators"].iter_rows() for c in row]
    assert "张评估" in cells and "赵评估" not in cells


def test_a_player_sees_the_script_only_as_far_as_it_has_happened(app, make_user, login,
                                                                 client, run):
    url = f"/api/drills/runs/{run['id']}"
    player = _as(app, make_user, login, "duty_officer")
    evaluator = _as(app, make_user, login, "drill_evaluator")
    organiser = client.get(url).get_json()
    assert any(r["status"] == "pending" for r in organiser["msel"])
    assert organiser["expected_next"]
    seen = player.get(url).get_json()
    assert all(r["status"] == "fired" for r in seen["msel"])
    assert seen["expected_next"] == [] and seen["late_actions"] == []
    assert all("expected_actions" not in r and "notes" not in r for r in seen["msel"])
    assert evaluator.get(url).get_json()["msel"] == organiser["msel"]  # evaluators: the lot

    stepped = step(client, run["id"], 60)
    fired = [r["id"] for r in stepped["msel"] if r["status"] == "fired"]
    assert fired and [r["id"] for r in player.get(url).get_json()["msel"]] == fired

    scenario = player.get(f"/api/drills/scenarios/{CHEM}").get_json()
    assert scenario["script_hidden"] and "yaml" not in scenario
    assert not isinstance(scenario["injects"], list)  # how many, not what
    assert scenario["objectives"] and scenario["title"]
    full = client.get(f"/api/drills/scenarios/{CHEM}").get_json()
    assert full["injects"] and full["yaml"]


def test_the_validator_says_when_each_plume_inject_fires_on_the_engine(client, fixed_now):
    text = (LIBRARY_DIR / f"{CHEM}.yaml").read_text("utf-8")
    findings = client.post("/api/drills/scenarios/validate", json={"yaml": text}
                           ).get_json()["findings"]
    i7 = next(f for f in findings if f["where"] == "I7")
    run = client.post("/api/drills/runs", json={"scenario_id": CHEM, "speed": "stepped"})
    predicted = next(r["predicted_t"] for r in run.get_json()["msel"] if r["id"] == "I7")
    # the validator's time is the running engine's time, and the place is named
    assert i7["level"] == "info"
    assert i7["message_zh"] == f"I7 预计 {predicted} 触发(污染团前锋到达 市界)"
    assert i7["message_en"] == (f"I7 is predicted to fire at {predicted} "
                                "(plume front reaches prefecture boundary)")
    i6 = next(f for f in findings if f["where"] == "I6")
    assert "trib-mouth" not in i6["message_zh"] and "支流入第二松花江口" in i6["message_zh"]


def test_the_validator_warns_of_a_plume_inject_that_never_fires_within_the_duration(client):
    from pathlib import Path

    text = (Path(__file__).parent.parent / "unit" / "test_drill_engine.py").read_text(
        "utf-8").split('SCENARIO = """')[1].split('"""')[0].replace(
        'duration: "120:00"', 'duration: "20:00"')
    body = client.post("/api/drills/scenarios/validate", json={"yaml": text}).get_json()
    i3 = next(f for f in body["findings"] if f["where"] == "I3")
    # the nitrobenzene front reaches Heilongjiang more than a day after T+0 (see the engine test)
    assert i3["level"] == "warning"
    assert re.fullmatch(r"I3 预计 T\+\d\d:\d\d 触发,晚于演练结束 T\+20:00:演练中不会触发",
                        i3["message_zh"]), i3
    assert "after the drill ends at T+20:00: it never fires in the drill" in i3["message_en"]


def test_the_summary_report_downloads_as_word_and_players_wait_for_the_end(app, make_user,
                                                                           login, client, run):
    from docx import Document

    player = _as(app, make_user, login, "duty_officer")
    url = f"/api/drills/runs/{run['id']}/report.docx"
    assert player.get(url).status_code == 403                 # not before the drill has ended
    step(client, run["id"], 30)
    client.post(f"/api/drills/runs/{run['id']}/end")
    resp = player.get(url)
    assert resp.status_code == 200 and resp.mimetype.endswith("wordprocessingml.document")
    assert "summary-report.docx" in resp.headers["Content-Disposition"]
    doc = Document(BytesIO(resp.data))
    assert doc.paragraphs[0].text.startswith("【演练】吉林经济技术开发区")
    msel = {r.cells[0].text: r.cells[1].text for r in doc.tables[-2].rows[1:]}
    assert msel["I7"] == "污染团前锋到达 市界" and "trib-mouth" not in msel["I6"]


# ------------------------------------------------------------------ scenarios as managed content
def _library_document(key: str = CHEM) -> dict:
    from emergency.drills.managed import document_of

    return document_of((LIBRARY_DIR / f"{key}.yaml").read_text("utf-8"))


def test_a_scenario_is_stored_with_versions_and_a_stale_save_is_refused(client, fixed_now):
    doc = _library_document()
    doc["title"] = "开发区演练(副本)"
    created = client.post("/api/drills/scenarios", json={"scenario": doc, "note": "复制示例",
                                                         "copied_from": CHEM})
    assert created.status_code == 201, created.get_json()
    sid = created.get_json()["id"]
    assert created.get_json()["version"] == 1
    got = client.get(f"/api/drills/scenarios/{sid}").get_json()
    assert got["title"] == "开发区演练(副本)" and got["scenario"]["title"] == got["title"]
    assert got["stored"] is True and got["copied_from"] == CHEM
    doc["duration"] = "30:00"
    saved = client.put(f"/api/drills/scenarios/{sid}", json={
        "scenario": doc, "revision": got["revision"], "note": "缩短时长"})
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    stale = client.put(f"/api/drills/scenarios/{sid}", json={
        "scenario": doc, "revision": got["revision"]})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale"
    versions = client.get(f"/api/drills/scenarios/{sid}/versions").get_json()["versions"]
    assert [(v["number"], v["note"]) for v in versions] == [(2, "缩短时长"), (1, "复制示例")]
    listed = client.get("/api/drills/scenarios").get_json()["scenarios"]
    assert listed[0]["id"] == sid and listed[0]["duration"] == "30:00"
    assert any(s["id"] == CHEM for s in listed)           # the library stays
    exported = client.get(f"/api/drills/scenarios/{sid}/export.yaml")
    assert exported.status_code == 200 and "duration: '30:00'" in exported.get_data(as_text=True)
    # a run plays the stored scenario and records its version
    run = client.post("/api/drills/runs", json={"scenario_id": sid, "speed": "stepped"})
    assert run.status_code == 201, run.get_json()
    assert run.get_json()["scenario_id"] == f"db-{sid}" and run.get_json()["clock"]["limit_t"] \
        == "T+30:00"
    assert run.get_json()["scenario_version"] == 2
    first = client.post("/api/drills/runs", json={"scenario_id": sid, "version": 1,
                                                  "speed": "stepped"}).get_json()
    assert (first["scenario_version"], first["clock"]["limit_t"]) == (1, "T+36:00")


def test_an_invalid_scenario_is_refused_with_every_problem_and_nothing_stored(client):
    doc = _library_document()
    doc["duration"] = "soon"
    doc["injects"][0]["from"] = "nobody"
    resp = client.post("/api/drills/scenarios", json={"scenario": doc})
    assert resp.status_code == 422
    paths = {p["path"] for p in resp.get_json()["error"]["problems"]}
    assert {"duration", "injects[0].from"} <= paths
    assert all(p["message_zh"] and p["message_en"] for p in resp.get_json()["error"]["problems"])
    assert not [s for s in client.get("/api/drills/scenarios").get_json()["scenarios"]
                if s["stored"]]


def test_a_yaml_import_is_stored_and_a_draft_cannot_be_played(client, fixed_now):
    text = (LIBRARY_DIR / "jilin-cadmium-upstream-intake.yaml").read_text("utf-8")
    resp = client.post("/api/drills/scenarios", data=text.encode(), content_type="text/yaml")
    assert resp.status_code == 201
    draft = client.post("/api/drills/scenarios", json={"yaml": text, "draft": True})
    played = client.post("/api/drills/runs", json={"scenario_id": draft.get_json()["id"]})
    assert played.status_code == 409 and played.get_json()["error"]["code"] == "not_published"


def test_the_preview_times_each_inject_on_the_engine_and_lists_the_places(client, fixed_now):
    body = client.post("/api/drills/scenarios/preview",
                       json={"scenario": _library_document()}).get_json()
    run = client.post("/api/drills/runs", json={"scenario_id": CHEM, "speed": "stepped"})
    predicted = {r["id"]: r["predicted_t"] for r in run.get_json()["msel"]}
    injects = {i["id"]: i for i in body["injects"]}
    assert injects["I7"]["fires_t"] == predicted["I7"] and injects["I7"]["plume"]
    assert injects["I1"]["fires_t"] == "T+00:15" and injects["I1"]["fires_at_offset_h"] == 0.25
    assert body["expected"][0] == {"inject_id": "I1", "action_id": "A1", "due_offset_h": 0.75,
                                   "due_t": "T+00:45"}
    kinds = {t["kind"] for t in body["targets"]}
    assert "boundary" in kinds and all(t["name_zh"] for t in body["targets"])
    fronts = [t["front_t"] for t in body["targets"]]       # in the order the front gets there
    assert fronts == sorted(fronts, key=lambda t: tuple(map(int, t[2:].split(":"))))
    assert any(c["key"] == "report:first_report" for c in body["checklist"])
    assert body["valid"] and body["ended_t"]


def test_a_prefectures_organiser_changes_only_its_own_scenarios_and_players_never_see_scripts(
        app, make_user, login, client):
    doc = _library_document()
    provincial = client.post("/api/drills/scenarios", json={"scenario": doc}).get_json()
    city = _as(app, make_user, login, "drill_organizer", prefecture_zh="长春市")
    refused = city.put(f"/api/drills/scenarios/{provincial['id']}",
                       json={"scenario": doc, "revision": provincial["revision"]})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_yours"
    own = city.post("/api/drills/scenarios", json={"scenario": doc}).get_json()
    assert city.put(f"/api/drills/scenarios/{own['id']}", json={
        "scenario": doc, "revision": own["revision"]}).status_code == 200
    listed = {s.get("id"): s for s in client.get("/api/drills/scenarios").get_json()["scenarios"]}
    assert listed[own["id"]]["prefecture"] == "长春市" and listed[provincial["id"]][
        "prefecture"] is None                                  # shared: everyone reads both
    player = _as(app, make_user, login, "duty_officer")
    seen = player.get(f"/api/drills/scenarios/{own['id']}").get_json()
    assert seen["script_hidden"] and "yaml" not in seen and "scenario" not in seen
    assert player.post("/api/drills/scenarios", json={"scenario": doc}).status_code == 403
    assert player.get(f"/api/drills/scenarios/{own['id']}/export.yaml").status_code == 403
