"""Plan management through the API: versions, drafts, review, restore, rights, conflicts."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.plan_world import assert_text_only, seed_plans

PLAN = "yinma-he"  # runs through 吉林市, 长春市, 松原市
NOW = datetime(2026, 7, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def seeded(app):
    assert seed_plans(app) == 49
    assert seed_plans(app) == 0  # idempotent
    return app


@pytest.fixture
def steward(seeded, client_as):
    return client_as("data_steward", username="cc-steward", prefecture_zh="长春市")


@pytest.fixture
def reviewer(seeded, client_as):
    return client_as("plan_reviewer", username="reviewer")


def receptor(document: dict, site_id: str) -> dict:
    return next(r for r in document["receptors"] if r["id"] == site_id)


def edited_draft(client) -> dict:
    """The steward's draft with intake-1 moved ~55 m north and its population changed."""
    resp = client.post(f"/api/plans/{PLAN}/drafts")
    assert resp.status_code == 201, resp.get_json()
    draft = resp.get_json()
    assert draft["base_version"] == 1 and draft["revision"] == 1
    doc = copy.deepcopy(draft["document"])
    intake = receptor(doc, "intake-1")
    intake["lat"] = round(intake["lat"] + 0.0005, 6)
    intake["population_served"] = 160000
    resp = client.put(f"/api/plans/{PLAN}/drafts/{draft['id']}",
                      json={"document": doc, "revision": draft["revision"]})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_the_seed_is_version_one_and_the_api_names_it(seeded, client):
    body = client.get(f"/api/plans/{PLAN}").get_json()
    assert body["version"] == 1 and body["published_by"] == "system"
    assert body["published_at"].startswith("2026-12-01")
    versions = client.get(f"/api/plans/{PLAN}/versions").get_json()
    assert versions["current_version"] == 1
    assert [v["source"] for v in versions["versions"]] == ["seed"]


def test_edit_submit_approve_publishes_a_new_version_and_keeps_the_old(
        steward, reviewer, client):
    draft = edited_draft(steward)
    resp = steward.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/submit",
                        json={"note": "九台取水口坐标复核、服务人口更新"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "submitted"

    shown = reviewer.get(f"/api/plans/{PLAN}/drafts/{draft['id']}").get_json()
    changes = {(c["op"], c["key"], c["field"]): c for c in shown["changes"]}
    moved = changes[("moved", "intake-1", "lon/lat")]
    assert 50 < moved["distance_m"] < 60
    assert "移动 56 m" in moved["message_zh"] or "移动 55 m" in moved["message_zh"]
    population = changes[("changed", "intake-1", "population_served")]
    assert (population["old"], population["new"]) == (150000, 160000)
    assert len(changes) == 2

    resp = reviewer.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/approve", json={})
    assert resp.status_code == 200, resp.get_json()
    published = resp.get_json()
    assert published["version"] == 2 and published["author"] == "cc-steward"
    assert published["published_by"] == "reviewer"
    assert published["note"] == "九台取水口坐标复核、服务人口更新"

    plan = client.get(f"/api/plans/{PLAN}").get_json()
    assert plan["version"] == 2 and plan["published_by"] == "reviewer"
    site = next(s for s in plan["sites"] if s["id"] == f"{PLAN}/intake-1")
    assert site["attrs"]["population_served"] == 160000

    old = client.get(f"/api/plans/{PLAN}/versions/1").get_json()
    assert receptor(old["document"], "intake-1")["population_served"] == 150000
    diff = client.get(f"/api/plans/{PLAN}/diff?from=1&to=2").get_json()
    assert {c["op"] for c in diff["changes"]} == {"moved", "changed"}

    restored = reviewer.post(f"/api/plans/{PLAN}/versions/1/restore", json={"note": "撤回"})
    assert restored.status_code == 201 and restored.get_json()["version"] == 3
    assert restored.get_json()["restored_from"] == 1
    plan = client.get(f"/api/plans/{PLAN}").get_json()
    assert plan["version"] == 3
    site = next(s for s in plan["sites"] if s["id"] == f"{PLAN}/intake-1")
    assert site["attrs"]["population_served"] == 150000
    assert client.get(f"/api/plans/{PLAN}/diff?from=1&to=3").get_json()["changes"] == []


def test_one_open_draft_per_editor_and_plan(steward):
    first = steward.post(f"/api/plans/{PLAN}/drafts")
    again = steward.post(f"/api/plans/{PLAN}/drafts")
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]


def test_a_steward_of_another_prefecture_can_read_but_not_edit(seeded, make_user, login):
    other = seeded.test_client()
    login(other, make_user("data_steward", username="bs-steward", prefecture_zh="白山市"))
    assert other.get(f"/api/plans/{PLAN}").status_code == 200
    resp = other.post(f"/api/plans/{PLAN}/drafts")
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "other_prefecture"


def test_a_steward_cannot_approve_and_nobody_approves_their_own_draft(
        steward, seeded, make_user, login):
    draft = edited_draft(steward)
    steward.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/submit", json={"note": "复核"})
    resp = steward.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/approve", json={})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"

    admin = seeded.test_client()
    login(admin, make_user("admin", username="chief"))
    own = edited_draft(admin)
    admin.post(f"/api/plans/{PLAN}/drafts/{own['id']}/submit", json={"note": "自改"})
    resp = admin.post(f"/api/plans/{PLAN}/drafts/{own['id']}/approve", json={})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "own_draft"


def test_a_reviewer_bound_to_another_prefecture_cannot_approve(steward, seeded, make_user,
                                                              login):
    draft = edited_draft(steward)
    steward.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/submit", json={"note": "复核"})
    far = seeded.test_client()
    login(far, make_user("plan_reviewer", username="bc-reviewer", prefecture_zh="白城市"))
    resp = far.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/approve", json={})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "other_prefecture"


def test_returned_with_a_comment_then_resubmitted(steward, reviewer):
    draft = edited_draft(steward)
    url = f"/api/plans/{PLAN}/drafts/{draft['id']}"
    steward.post(f"{url}/submit", json={"note": "复核"})
    assert reviewer.post(f"{url}/return", json={}).status_code == 422  # a comment is required
    back = reviewer.post(f"{url}/return", json={"comment": "请附坐标复核记录"})
    assert back.status_code == 200 and back.get_json()["status"] == "returned"
    shown = steward.get(url).get_json()
    assert shown["comment"] == "请附坐标复核记录"
    assert steward.post(f"{url}/submit", json={"note": "已附记录"}).status_code == 200
    assert reviewer.post(f"{url}/approve", json={}).status_code == 200


def test_a_bad_document_is_422_with_every_problem_and_nothing_stored(steward):
    draft = steward.post(f"/api/plans/{PLAN}/drafts").get_json()
    doc = copy.deepcopy(draft["document"])
    intake = receptor(doc, "intake-1")
    intake["lon"] += 0.13  # ~10 km east of the river
    doc["receptors"].append(copy.deepcopy(doc["receptors"][0]))  # a duplicate site id
    doc["response_cards"]["petroleum"][0]["group"] = "打扫卫生"
    resp = steward.put(f"/api/plans/{PLAN}/drafts/{draft['id']}",
                       json={"document": doc, "revision": draft["revision"]})
    assert resp.status_code == 422
    problems = resp.get_json()["error"]["details"]["problems"]
    paths = [p["path"] for p in problems]
    assert "receptors[2]" in paths  # intake-1, too far from its river
    assert any(p["path"].endswith(".id") and "重复" in p["message_zh"] for p in problems)
    assert "response_cards.petroleum[0].group" in paths
    unknown = dict(doc, id="no-such-river")
    resp = steward.put(f"/api/plans/{PLAN}/drafts/{draft['id']}",
                       json={"document": unknown, "revision": draft["revision"]})
    assert resp.status_code == 422
    assert any(p["path"] == "id" for p in resp.get_json()["error"]["details"]["problems"])
    kept = steward.get(f"/api/plans/{PLAN}/drafts/{draft['id']}").get_json()
    assert kept["revision"] == draft["revision"] and kept["changes"] == []


def test_a_stale_save_is_409_naming_who_saved(steward):
    draft = edited_draft(steward)  # revision 2 now
    resp = steward.put(f"/api/plans/{PLAN}/drafts/{draft['id']}",
                       json={"document": draft["document"], "revision": 1})
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "stale_draft" and "cc-steward" in err["message_zh"]
    # the message reads the time as the person does: local time, not the stored UTC instant
    saved = datetime.fromisoformat(err["details"]["updated_at"])
    assert saved.utcoffset() == timedelta(hours=8)
    assert saved.strftime("%Y-%m-%d %H:%M") in err["message_zh"]
    assert "+00:00" not in err["message_zh"] and "T" not in err["message_en"].split(" at ")[1][:16]


def test_a_draft_on_an_old_version_is_refused_naming_the_newer_publication(
        steward, reviewer, seeded, make_user, login):
    mine = edited_draft(steward)
    other = seeded.test_client()
    login(other, make_user("data_steward", username="jl-steward", prefecture_zh="吉林市"))
    theirs = edited_draft(other)
    other.post(f"/api/plans/{PLAN}/drafts/{theirs['id']}/submit", json={"note": "吉林市复核"})
    assert reviewer.post(f"/api/plans/{PLAN}/drafts/{theirs['id']}/approve",
                         json={}).status_code == 200
    resp = steward.post(f"/api/plans/{PLAN}/drafts/{mine['id']}/submit", json={"note": "x"})
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "stale_base" and "reviewer" in err["message_zh"]
    assert "吉林市复核" in err["message_zh"]


def test_incidents_record_the_plans_used_and_hear_of_a_new_version(seeded, client, steward,
                                                                   reviewer):
    seeded.config["FIXED_NOW"] = NOW
    spill = {"lon": 125.78, "lat": 43.80, "substance": "硝基苯", "mass_kg": 5000,
             "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:30+08:00",
             "title": "饮马河上游泄漏(测试)"}
    resp = client.post("/api/incidents", json=spill)
    assert resp.status_code == 201, resp.get_json()
    incident = resp.get_json()
    used = {u["id"]: u["version"] for u in incident["plans_used"]}
    assert used[PLAN] == 1
    assert incident["response"]["plans_used"][0] == {"id": PLAN, "version": 1}
    draft = edited_draft(steward)
    steward.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/submit", json={"note": "复核"})
    reviewer.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/approve", json={})
    shown = client.get(f"/api/incidents/{incident['id']}").get_json()
    notices = [e for e in shown["timeline"] if e["kind"] == "plan_updated"]
    assert len(notices) == 1 and "预案已更新至 v2" in notices[0]["summary_zh"]
    again = client.patch(f"/api/incidents/{incident['id']}",
                         json={"deaths": 1, "version": shown["version"]})
    assert again.status_code == 200, again.get_json()
    assert {u["id"]: u["version"] for u in again.get_json()["plans_used"]}[PLAN] == 2
    timeline = client.get(f"/api/incidents/{incident['id']}").get_json()["timeline"]
    assert any(e["kind"] == "plans_recomputed" for e in timeline)


def test_the_incident_page_names_the_plans_used_and_the_newer_version(seeded, client, steward,
                                                                      reviewer):
    seeded.config["FIXED_NOW"] = NOW
    spill = {"lon": 125.78, "lat": 43.80, "substance": "硝基苯", "mass_kg": 5000,
             "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:30+08:00"}
    incident = client.post("/api/incidents", json=spill).get_json()
    page = client.get(f"/incidents/{incident['id']}").get_data(as_text=True)
    assert 'id="inc-plans-used"' in page and f"{PLAN}</a> v1" in page
    assert "inc-plan-updates" not in page
    draft = edited_draft(steward)
    steward.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/submit", json={"note": "复核"})
    reviewer.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/approve", json={})
    page = client.get(f"/incidents/{incident['id']}").get_data(as_text=True)
    assert "预案已更新至 v2" in page


def test_the_plan_pages_render_as_text_without_inline_scripts(seeded, steward, reviewer):
    draft = edited_draft(steward)
    steward.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/submit",
                 json={"note": "<script>alert(1)</script>复核"})
    pages = {
        "edit": steward.get(f"/rivers/{PLAN}/edit"),
        "review": reviewer.get(f"/rivers/{PLAN}/review/{draft['id']}"),
        "versions": reviewer.get(f"/rivers/{PLAN}/versions"),
        "queue": reviewer.get("/plans/review"),
        "a3": reviewer.get(f"/rivers/{PLAN}/a3"),
    }
    for name, resp in pages.items():
        assert resp.status_code == 200, name
        assert_text_only(resp.get_data(as_text=True), name)
    review = pages["review"].get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;复核" in review
    assert 'id="plan-approve"' in review and "移动" in review
    assert 'id="plan-approve"' not in steward.get(
        f"/rivers/{PLAN}/review/{draft['id']}").get_data(as_text=True)
    css = (Path(__file__).resolve().parents[2] / "static/css/plans.css").read_text("utf-8")
    assert "@page { size: A3 landscape" in css
    assert "预案版本 v1" in pages["a3"].get_data(as_text=True)


def test_a_drill_keeps_the_plan_versions_in_force_at_its_start(seeded, client, steward,
                                                              reviewer):
    from emergency.incidents import service as incidents

    seeded.config["FIXED_NOW"] = NOW
    spill = {"lon": 125.78, "lat": 43.80, "substance": "硝基苯", "mass_kg": 5000,
             "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:30+08:00"}
    ctx = seeded.extensions["engine"].get()
    with seeded.extensions["database"].session() as s:
        drill, _ = incidents.report_incident(s, ctx, spill, actor="organiser", now=NOW,
                                             is_drill=True)
        drill_id = drill.id
    real = client.post("/api/incidents", json=spill).get_json()
    draft = edited_draft(steward)  # intake-1 now serves 160,000 people
    steward.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/submit", json={"note": "复核"})
    assert reviewer.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/approve",
                         json={}).status_code == 200

    def intake(pkg):
        return next(d for d in pkg.downstream if d.id == f"{PLAN}/intake-1")

    with seeded.extensions["database"].session() as s:
        drill_pkg = incidents.package_now(s, ctx, incidents.get_incident(s, drill_id), NOW)
        real_pkg = incidents.package_now(s, ctx, incidents.get_incident(s, real["id"]), NOW)
        drill_events = [e.kind for e in incidents.get_incident(s, drill_id).events]
    assert intake(drill_pkg).attrs["population_served"] == 150000
    assert {u.id: u.version for u in drill_pkg.plans_used}[PLAN] == 1
    assert intake(real_pkg).attrs["population_served"] == 160000
    assert {u.id: u.version for u in real_pkg.plans_used}[PLAN] == 2
    assert "plan_updated" not in drill_events


def test_a_new_plan_for_an_unnamed_channel_is_reviewed_then_published(seeded, steward, reviewer,
                                                                     network, client):
    from rivers.network import RiverPosition

    plans = seeded.extensions["plans"].get()
    claimed = {s for p in plans.plans.values() for s in p.seg_ids}
    data = network.data
    seg = next(int(data.seg_id[i]) for i in range(network.n)
               if not data.name_zh[i] and data.in_jilin[i] and int(data.seg_id[i]) not in claimed
               and data.length_m[i] > 5000)
    i = network.index(seg)
    lon, lat = network.lonlat_at(RiverPosition(i, float(data.length_m[i]) / 2))
    document = {
        "id": "test-channel", "name_zh": "测试河", "basin": "松花江水系", "sample": True,
        "sample_note_zh": "示例", "prefectures": ["长春市"], "counties": [],
        "identified": {"seg_ids": [seg], "confidence": "medium", "evidence_zh": "示例证据",
                       "published": {"course_zh": "示例"}, "sources": ["https://example.org/"]},
        "monitoring": [{"id": "monitoring-1", "name_zh": "测试河监测点(示例)", "lon": lon,
                        "lat": lat}],
        "response_cards": {"petroleum": [{"text_zh": "布设围油栏", "responsible_zh": "县政府",
                                          "group": "现场污染处置"}]},
        "contacts": [{"unit_zh": "示例单位", "role_zh": "值班", "phone": "0431-8xxxxx00(示例)"}],
    }
    taken = dict(document, id="test-channel-2",
                 identified=dict(document["identified"],
                                 seg_ids=list(plans.plans["lafa-he"].seg_ids[:1])))
    resp = steward.post("/api/plans", json={"document": taken})
    assert resp.status_code == 422
    assert any("已被预案 lafa-he" in p["message_zh"]
               for p in resp.get_json()["error"]["details"]["problems"])
    resp = steward.post("/api/plans", json={"document": document})
    assert resp.status_code == 201, resp.get_json()
    draft = resp.get_json()
    assert draft["base_version"] == 0
    assert client.get("/api/plans/test-channel").status_code == 404  # not published yet
    steward.post(f"/api/plans/test-channel/drafts/{draft['id']}/submit", json={"note": "新增"})
    page = reviewer.get(f"/rivers/test-channel/review/{draft['id']}")
    assert page.status_code == 200 and "测试河监测点" in page.get_data(as_text=True)
    published = reviewer.post(f"/api/plans/test-channel/drafts/{draft['id']}/approve", json={})
    assert published.status_code == 200 and published.get_json()["version"] == 1
    plan = client.get("/api/plans/test-channel").get_json()
    assert plan["version"] == 1 and plan["identified"] is True
    assert steward.post("/api/plans", json={"document": document}).status_code == 409
