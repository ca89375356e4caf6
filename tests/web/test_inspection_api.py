"""隐患排查 API: campaigns, tasks, the form's results, the hazard workflow, photos, exports."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from emergency.store.inspection_models import Hazard, InspectionPhoto
from tests.inspection_world import PREF, _error, make_world, png, submit


@pytest.fixture
def world(loaded, make_user, login):
    return make_world(loaded, make_user, login)

# ----------------------------------------------------------------------------- the flow
def test_an_inspection_with_a_major_and_an_ordinary_hazard_fills_the_register(world):
    task = world.task()
    assert len(task["checklist"]) == 12 and task["checklist"][0]["basis"]
    photo = world.photo()
    resp = submit(world, task, photo)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "done" and body["signed_name"] == "王明(示例)"
    grades = sorted(h["grade"] for h in body["hazards"])
    assert grades == ["major", "minor"]
    minor = next(h for h in body["hazards"] if h["grade"] == "minor")
    assert minor["deadline"] == "2026-06-25"  # the ordinary default: 15 days
    register = world["viewer"].get(f"/api/hazards?status=open&prefecture={PREF}").get_json()
    assert register["count"] == 2
    assert {h["status_zh"] for h in register["hazards"]} == {"待整改"}
    detail = world["viewer"].get(f"/api/hazards/{minor['id']}").get_json()
    assert detail["events"][0]["photos"][0]["id"] == photo
    thumb = world["viewer"].get(detail["events"][0]["photos"][0]["thumb_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    source = world["viewer"].get(f"/api/risk-sources/{world.source_id}").get_json()
    assert source["name_zh"] == world.source_name
    assert {h["grade"] for h in source["open_hazards"]} == {"major", "minor"}
    layer = world["viewer"].get("/api/hazards/risk-sources?grade=major").get_json()
    assert [s["id"] for s in layer["risk_sources"]] == [world.source_id]
    # the photo is stored under a random name in the instance folder, never the client's
    with world.db.session() as s:
        stored = s.get(InspectionPhoto, photo).stored_name
    assert "passwd" not in stored and stored.endswith(".png")
    folder = world.app.config["INSTANCE_DIR"] / "inspection_photos"
    assert (folder / stored).is_file()


def test_rectification_is_verified_by_someone_else_and_the_hazard_closes(world):
    task = world.task()
    hazards = submit(world, task).get_json()["hazards"]
    major = next(h for h in hazards if h["grade"] == "major")
    url = f"/api/hazards/{major['id']}"
    r = world["steward"].post(url + "/rectify", json={"version": major["version"],
                                                     "note": "已委托编制", "complete": False})
    assert r.status_code == 200 and r.get_json()["status"] == "in_progress"
    evidence = world.photo("steward")
    r = world["steward"].post(url + "/rectify", json={
        "version": r.get_json()["version"], "note": "预案已修订并备案", "photo_ids": [evidence]})
    assert r.get_json()["status"] == "awaiting_verification"
    v = r.get_json()["version"]
    # the steward who reported it cannot close it (nor holds the permission)
    _error(world["steward"].post(url + "/verify", json={"version": v}), 403, "forbidden")
    # an administrator who reported the completion may not verify it either
    r2 = world["admin"].post(url + "/reopen", json={"version": v, "note": "备案回执缺失"})
    assert r2.get_json()["status"] == "in_progress"
    r3 = world["admin"].post(url + "/rectify", json={"version": r2.get_json()["version"],
                                                    "note": "已补回执"})
    _error(world["admin"].post(url + "/verify", json={"version": r3.get_json()["version"]}),
           403, "same_person")
    r4 = world["insp2"].post(url + "/verify", json={"version": r3.get_json()["version"],
                                                   "note": "现场核实"})
    assert r4.status_code == 200, r4.get_json()
    closed = r4.get_json()
    assert closed["status"] == "closed" and closed["closed_by"] == "insp2"
    assert [e["kind"] for e in closed["events"]] == ["found", "progress", "rectified",
                                                     "reopened", "rectified", "verified"]
    source = world["viewer"].get(f"/api/risk-sources/{world.source_id}").get_json()
    assert [h["grade"] for h in source["open_hazards"]] == ["minor"]


# ----------------------------------------------------------------------------- bad input
def test_bad_results_are_refused_and_nothing_is_stored(world):
    task = world.task()
    items = world.answers(task)
    unknown = items + [{"item_id": "no-such-item", "result": "ok"}]
    body = {"items": unknown, "version": task["version"], "submit": True, "signed_name": "王"}
    err = _error(world["insp"].post(f"/api/inspection-tasks/{task['id']}/results", json=body),
                 422, "invalid_input")
    assert any("no-such-item" in p["message_en"] for p in err["details"]["problems"])
    no_plan = world.answers(task)
    del no_plan[1]["hazard"]["plan"]
    body = {"items": no_plan, "version": task["version"], "submit": True, "signed_name": "王"}
    err = _error(world["insp"].post(f"/api/inspection-tasks/{task['id']}/results", json=body),
                 422, "invalid_input")
    assert "治理方案" in err["message_zh"]
    long_minor = world.answers(task)
    long_minor[7]["hazard"]["deadline"] = "2026-12-31"
    body = {"items": long_minor, "version": task["version"], "submit": True, "signed_name": "王"}
    _error(world["insp"].post(f"/api/inspection-tasks/{task['id']}/results", json=body),
           422, "invalid_input")
    missing = world.answers(task)[:-2]
    body = {"items": missing, "version": task["version"], "submit": True, "signed_name": "王"}
    _error(world["insp"].post(f"/api/inspection-tasks/{task['id']}/results", json=body),
           422, "invalid_input")
    someone_elses = world.photo("insp2")
    _error(submit(world, task, someone_elses), 422, "invalid_input")
    assert world.count(Hazard) == 0
    assert world["insp"].get(f"/api/inspection-tasks/{task['id']}").get_json()["version"] == \
        task["version"]


def test_a_file_that_is_not_an_image_is_refused(world):
    for data in (b"%PDF-1.4 not a photo", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"GIF89a...."):
        resp = world["insp"].post("/api/inspection-photos", data={
            "file": (io.BytesIO(data), "photo.png")}, content_type="multipart/form-data")
        _error(resp, 415, "not_an_image")
    _error(world["viewer"].post("/api/inspection-photos", data={
        "file": (io.BytesIO(png()), "p.png")}, content_type="multipart/form-data"),
        403, "forbidden")
    world.app.config["INSPECTION_PHOTO_MAX_BYTES"] = 1000
    big = png(size=(400, 400))
    resp = world["insp"].post("/api/inspection-photos", data={
        "file": (io.BytesIO(big + b"\x00" * 2000), "p.png")}, content_type="multipart/form-data")
    assert resp.status_code == 413
    assert world.count(InspectionPhoto) == 0


def test_a_steward_or_inspector_of_another_prefecture_is_refused(world):
    task = world.task()
    err = _error(submit(world, task, who="insp_jl"), 403, "not_your_task")
    hazards = submit(world, task).get_json()["hazards"]
    h = hazards[0]
    err = _error(world["steward_jl"].post(f"/api/hazards/{h['id']}/rectify", json={
        "version": h["version"], "note": "x"}), 403, "other_prefecture")
    assert "吉林市" in err["message_zh"]
    _error(world["insp_jl"].post(f"/api/hazards/{h['id']}/reopen", json={
        "version": h["version"], "note": "x"}), 403, "other_prefecture")
    # an inspector of 吉林市 cannot be given a 长春市 source
    cid = world.campaign(name="尾矿库专项排查", kinds=["enterprise"])
    _error(world["admin"].post(f"/api/inspections/{cid}/tasks", json={
        "tasks": [{"risk_source_id": world.source_id, "inspector": "insp_jl"}]}),
        422, "inspector_other_prefecture")
    after = world["viewer"].get(f"/api/hazards/{h['id']}").get_json()
    assert after["version"] == h["version"] and after["status"] == "open"


def test_two_saves_of_the_same_version_give_a_409(world):
    task = world.task()
    draft = {"items": world.answers(task)[:3], "version": task["version"]}
    url = f"/api/inspection-tasks/{task['id']}/results"
    first = world["insp"].post(url, json=draft)
    assert first.status_code == 200 and first.get_json()["status"] == "in_progress"
    _error(world["insp"].post(url, json=draft), 409, "stale_version")
    done = submit(world, task | {"version": first.get_json()["version"]})
    assert done.status_code == 201
    _error(submit(world, task | {"version": done.get_json()["version"]}), 409, "already_signed")


def test_campaign_input_is_checked_and_progress_is_by_prefecture(world):
    _error(world["admin"].post("/api/inspections", json={"name": "", "due_date": "x"}),
           422, "invalid_input")
    _error(world["admin"].post("/api/inspections", json={
        "name": "x", "prefectures": ["火星市"], "due_date": "2027-01-01"}), 422, "invalid_input")
    _error(world["insp"].post("/api/inspections", json={"name": "x"}), 403, "forbidden")
    cid = world.campaign(kinds=["tailings_pond", "enterprise"], prefectures=[])
    resp = world["admin"].post(f"/api/inspections/{cid}/tasks", json={"inspector": "insp"})
    assert resp.status_code == 201
    assert {t["prefecture_zh"] for t in resp.get_json()["tasks"]} == {PREF}
    _error(world["admin"].post(f"/api/inspections/{cid}/tasks", json={"inspector": "insp"}),
           422, "invalid_input")  # nothing left to assign in 长春市
    campaigns = world["viewer"].get("/api/inspections").get_json()["campaigns"]
    progress = {r["prefecture_zh"]: r for r in campaigns[0]["progress"]["by_prefecture"]}
    assert progress[PREF]["assigned"] == progress[PREF]["sources"] > 0
    assert progress["吉林市"]["assigned"] == 0 < progress["吉林市"]["sources"]
    mine = world["insp"].get("/api/inspection-tasks?mine=1").get_json()
    assert mine["count"] == progress[PREF]["assigned"]
    assert world["insp2"].get("/api/inspection-tasks?mine=1").get_json()["count"] == 0


# ----------------------------------------------------------------------------- exports
def test_the_register_exports_as_xlsx_and_a_notice_as_docx(world):
    from docx import Document
    from openpyxl import load_workbook

    task = world.task()
    hazards = submit(world, task).get_json()["hazards"]
    with world.db.session() as s:  # a description a spreadsheet would run as a formula
        s.get(Hazard, hazards[0]["id"]).description = "=HYPERLINK(\"http://x\")"
    resp = world["viewer"].get("/api/hazards/register.xlsx?status=open")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    rows = list(wb["隐患台账"].iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "风险源", "类型") and len(rows) == 3
    assert {r[7] for r in rows[1:]} == {"重大", "一般"}
    assert any(str(r[8]).startswith("'=") for r in rows[1:])
    cells = [c for row in wb["隐患台账"].iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)  # text cells are text, never formulas
    assert any(isinstance(c.value, int) for c in cells)  # numbers stay numbers (the id)
    resp = world["viewer"].get(f"/api/hazards/notice/{world.source_id}.docx")
    assert resp.status_code == 200
    doc = Document(io.BytesIO(resp.data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "突发环境事件隐患整改通知书" in text and world.source_name in text
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert "重大" in cells and "一般" in cells and "2026-09-30" in cells
    assert any("治理措施" in c for c in cells)


def test_a_notice_for_a_source_without_open_hazards_is_a_404(world):
    _error(world["viewer"].get(f"/api/hazards/notice/{world.source_id}.docx"), 404,
           "no_open_hazards")
    _error(world["viewer"].get("/api/risk-sources/999999"), 404, "not_found")
    _error(world["viewer"].get("/api/hazards?status=bogus"), 400, "invalid_parameter")


def test_statistics_count_by_prefecture_grade_status_and_overdue(world):
    task = world.task()
    submit(world, task)
    stats = world["viewer"].get("/api/hazards/stats").get_json()
    assert stats["total"] == 2 and stats["by_grade"] == {"major": 1, "minor": 1}
    assert stats["by_prefecture"][PREF]["major_open"] == 1 and stats["overdue"] == 0
    world.app.config["FIXED_NOW"] = datetime(2026, 7, 1, 9, 0)
    stats = world["viewer"].get("/api/hazards/stats").get_json()
    assert stats["overdue"] == 1  # the ordinary one, due 2026-06-25
    assert world["viewer"].get("/api/hazards?overdue=1").get_json()["count"] == 1
    assert date(2026, 6, 25) < date(2026, 7, 1)
