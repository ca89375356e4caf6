"""Park plans (一园一策一图) managed like river plans, under /api/parks/<id>/…: drafts, review,
versions, restore, the checks (422 with every problem, nothing stored), YAML/XLSX exchange and
the rights (plan.edit, plan.review, the park's prefecture)."""

from __future__ import annotations

import copy
import io

import pytest
import yaml
from openpyxl import load_workbook

from emergency.plan_management.park_workbook import SHEETS
from tests.plan_world import assert_text_only, seed_parks

PARK = "park-01"  # 吉林化学工业循环经济示范园区, 吉林市 (centre 126.544561, 43.924757, r 3 km)
URL = f"/api/parks/{PARK}"
#: 10.1 km from the nearest river of the bundled network (inside Jilin)
FAR_FROM_RIVERS = (126.5846, 43.6048)


@pytest.fixture
def seeded(app):
    assert seed_parks(app) == 22
    return app


@pytest.fixture
def steward(seeded, client_as):
    return client_as("data_steward", username="jl-steward", prefecture_zh="吉林市")


@pytest.fixture
def reviewer(seeded, client_as):
    return client_as("plan_reviewer", username="reviewer")


def problems_of(resp) -> list[dict]:  # noqa: ANN001
    assert resp.status_code == 422, resp.get_json()
    err = resp.get_json()["error"]
    assert err["code"] == "plan_invalid" and err["message_zh"] and err["message_en"]
    found = err["details"]["problems"]
    assert all(p["message_zh"] and p["message_en"] for p in found)
    return found


def new_draft(client) -> dict:  # noqa: ANN001
    resp = client.post(f"{URL}/drafts")
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def save(client, draft: dict, doc: dict, revision: int | None = None):  # noqa: ANN001
    return client.put(f"{URL}/drafts/{draft['id']}",
                      json={"document": doc, "revision": revision or draft["revision"]})


def upload(client, data: bytes, name: str):  # noqa: ANN001
    return client.post(f"{URL}/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_draft_submit_approve_publishes_v2_that_the_api_and_engine_use(
        steward, reviewer, client, seeded):
    draft = new_draft(steward)
    assert draft["base_version"] == 1 and draft["document"]["id"] == PARK
    doc = copy.deepcopy(draft["document"])
    doc["enterprises"][1]["accident_pool"]["volume_m3"] = 3000.0   # e2: 2,000 → 3,000 m³
    doc["park"]["gates"][0]["close_minutes"] = 12.0
    resp = save(steward, draft, doc)
    assert resp.status_code == 200, resp.get_json()
    saved = resp.get_json()
    resp = steward.post(f"{URL}/drafts/{draft['id']}/submit",
                        json={"note": "e2 事故池扩建;闸门关闭用时复核",
                              "revision": saved["revision"]})
    assert resp.status_code == 200 and resp.get_json()["status"] == "submitted"
    shown = reviewer.get(f"{URL}/drafts/{draft['id']}").get_json()
    changes = {(c["section"], c["key"], c["field"]): c for c in shown["changes"]}
    assert set(changes) == {("enterprises", "e2", "accident_pool.volume_m3"),
                            ("park_gates", doc["park"]["gates"][0]["id"], "close_minutes")}
    assert changes[("enterprises", "e2", "accident_pool.volume_m3")]["new"] == 3000

    resp = reviewer.post(f"{URL}/drafts/{draft['id']}/approve", json={"comment": "同意"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["version"] == 2 and resp.get_json()["author"] == "jl-steward"

    park = client.get(URL).get_json()
    assert park["version"] == 2 and park["published_by"] == "reviewer"
    assert park["plan"]["enterprises"][1]["accident_pool"]["volume_m3"] == 3000
    engine = seeded.extensions["engine"].get()
    assert engine.parks().get(PARK).enterprise("e2").accident_pool.volume_m3 == 3000
    versions = client.get(f"{URL}/versions").get_json()
    assert versions["current_version"] == 2
    assert [v["source"] for v in versions["versions"]] == ["review", "seed"]
    old = client.get(f"{URL}/versions/1").get_json()
    assert old["document"]["enterprises"][1]["accident_pool"]["volume_m3"] == 2000
    assert len(client.get(f"{URL}/diff?from=1&to=2").get_json()["changes"]) == 2

    restored = reviewer.post(f"{URL}/versions/1/restore", json={"note": "恢复原容积"})
    assert restored.status_code == 201 and restored.get_json()["version"] == 3
    assert client.get(URL).get_json()["plan"]["enterprises"][1]["accident_pool"][
        "volume_m3"] == 2000
    assert client.get(f"{URL}/diff?from=1&to=3").get_json()["changes"] == []


def test_a_stale_save_is_409_naming_who_saved(steward):
    draft = new_draft(steward)
    doc = copy.deepcopy(draft["document"])
    doc["contacts"][0]["phone"] = "0432-0000000"
    assert save(steward, draft, doc).status_code == 200
    resp = save(steward, draft, doc, revision=1)
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "stale_draft" and "jl-steward" in err["message_zh"]
    assert err["details"]["updated_by"] == "jl-steward"


def bad_documents(doc: dict) -> dict[str, tuple[dict, str, str]]:
    """name → (document, the problem's path, a word of its Chinese message)."""
    negative = copy.deepcopy(doc)
    negative["enterprises"][0]["accident_pool"]["volume_m3"] = -50.0
    valve_out = copy.deepcopy(doc)
    valve_out["enterprises"][0]["outfalls"][0]["lon"] += 0.12   # ~10 km east of the park
    outfall_far = copy.deepcopy(doc)
    outfall_far["park"]["outfalls"][0]["lon"], outfall_far["park"]["outfalls"][0]["lat"] = \
        FAR_FROM_RIVERS
    unknown_plan = copy.deepcopy(doc)
    unknown_plan["river"]["plans"].append("no-such-river")
    return {
        "negative volume": (negative, "enterprises[0].accident_pool.volume_m3", "不能小于 0"),
        "valve outside the park": (valve_out, "enterprises[0].outfalls[0]", "超出园区范围"),
        "outfall far from rivers": (outfall_far, "park.outfalls[0]", "超过 3 km"),
        "unknown river plan": (unknown_plan, f"river.plans[{len(doc['river']['plans'])}]",
                               "不存在"),
    }


def test_bad_documents_are_422_with_bilingual_problems_and_nothing_stored(steward, seeded):
    draft = new_draft(steward)
    for name, (doc, path, word) in bad_documents(draft["document"]).items():
        for resp in (save(steward, draft, doc),
                     upload(steward, yaml.safe_dump(doc, allow_unicode=True).encode(),
                            "park.yaml"),
                     steward.post(f"{URL}/check", json={"document": doc})):
            if resp.status_code == 200:  # /check answers 200 with the problems
                found = resp.get_json()["problems"]
            else:
                found = problems_of(resp)
            assert [p["path"] for p in found] == [path], (name, found)
            assert word in found[0]["message_zh"], (name, found)
    kept = steward.get(f"{URL}/drafts/{draft['id']}").get_json()
    assert kept["revision"] == draft["revision"] and kept["changes"] == []
    assert steward.get(f"{URL}/versions").get_json()["current_version"] == 1


def test_xlsx_round_trip_is_the_same_document(steward):
    resp = steward.get(f"{URL}.xlsx")
    assert resp.status_code == 200
    assert "园区预案_park-01_v1.xlsx" in resp.headers["Content-Disposition"].replace(
        "%E5%9B%AD%E5%8C%BA%E9%A2%84%E6%A1%88", "园区预案")
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == [*SHEETS, "填表说明"]
    assert [c.value for c in book["企业"][1]][:3] == ["园区编号(plan_id)", "编号(id)",
                                                     "名称(name_zh)"]
    imported = upload(steward, resp.data, "park-01.xlsx")
    assert imported.status_code == 201, imported.get_json()
    body = imported.get_json()
    assert body["changes"] == [] and body["source"] == "import"
    from plans.parks import ParkPlanDoc

    original = steward.get(f"{URL}/versions/1").get_json()["document"]
    assert ParkPlanDoc.model_validate(body["document"]) == ParkPlanDoc.model_validate(original)


def test_a_changed_workbook_cell_is_the_change_and_a_bad_one_is_located(steward):
    book = load_workbook(io.BytesIO(steward.get(f"{URL}.xlsx").data))
    sheet = book["公共应急池"]
    volume = [c.value for c in sheet[1]].index("容积 m³(volume_m3)") + 1
    sheet.cell(row=2, column=volume, value=9000)
    out = io.BytesIO()
    book.save(out)
    resp = upload(steward, out.getvalue(), "park-01.xlsx")
    assert resp.status_code == 201, resp.get_json()
    assert [(c["section"], c["field"], c["new"]) for c in resp.get_json()["changes"]] == [
        ("park_pools", "volume_m3", 9000)]

    ent = book["企业"]
    heads = [c.value for c in ent[1]]
    ent.cell(row=3, column=heads.index("事故应急池容积 m³(accident_pool.volume_m3)") + 1,
             value=-10)
    book["企业排口"].cell(row=2, column=2, value="e99")   # an enterprise not on 企业
    out = io.BytesIO()
    book.save(out)
    found = problems_of(upload(steward, out.getvalue(), "park-01.xlsx"))
    assert [(p["sheet"], p["row"], p["column"]) for p in found] == [
        ("企业排口", 2, "企业编号(enterprise)")]
    book["企业排口"].cell(row=2, column=2, value="e1")
    out = io.BytesIO()
    book.save(out)
    found = problems_of(upload(steward, out.getvalue(), "park-01.xlsx"))
    assert [(p["sheet"], p["row"], p["column"], p["path"]) for p in found] == [
        ("企业", 3, "事故应急池容积 m³(accident_pool.volume_m3)",
         "enterprises[1].accident_pool.volume_m3")]
    assert "不能小于 0" in found[0]["message_zh"]
    # the draft still holds the good import (9,000 m³), not the bad one
    mine = steward.get(f"{URL}/drafts").get_json()["drafts"]
    shown = steward.get(f"{URL}/drafts/{mine[0]['id']}").get_json()
    assert shown["document"]["enterprises"][1]["accident_pool"]["volume_m3"] == 2000


def test_yaml_export_is_the_document_in_force(steward):
    resp = steward.get(f"{URL}.yaml")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].endswith(
        "park-01.yaml")
    text = resp.get_data(as_text=True)
    assert text.startswith("# 一园一策一图 吉林化学工业循环经济示范园区 v1")
    assert yaml.safe_load(text) == steward.get(f"{URL}/versions/1").get_json()["document"]


def test_rights_plan_edit_plan_review_and_the_parks_prefecture(seeded, steward, make_user,
                                                                 login):
    viewer = seeded.test_client()
    login(viewer, make_user("viewer", username="v"))
    assert viewer.get(f"{URL}/versions").status_code == 200
    assert viewer.post(f"{URL}/drafts").status_code == 403
    other = seeded.test_client()
    login(other, make_user("data_steward", username="cc-steward", prefecture_zh="长春市"))
    resp = other.post(f"{URL}/drafts")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "other_prefecture"
    assert "不在该市州" in resp.get_json()["error"]["message_zh"]
    draft = new_draft(steward)
    steward.post(f"{URL}/drafts/{draft['id']}/submit", json={"note": "复核"})
    resp = steward.post(f"{URL}/drafts/{draft['id']}/approve", json={})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    far = seeded.test_client()
    login(far, make_user("plan_reviewer", username="cc-reviewer", prefecture_zh="长春市"))
    resp = far.post(f"{URL}/drafts/{draft['id']}/approve", json={})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "other_prefecture"
    assert steward.post("/api/parks/no-such-park/drafts").status_code == 404


def test_the_park_plan_pages_show_the_version_link_the_flow_and_render_text(
        steward, reviewer, client):
    page = client.get(f"/parks/{PARK}").get_data(as_text=True)
    assert "现行版本 v1(system" in page
    assert f'href="/parks/{PARK}/edit"' in page and f'href="/parks/{PARK}/versions"' in page
    draft = new_draft(steward)
    doc = copy.deepcopy(draft["document"])
    doc["park"]["pools"][0]["volume_m3"] = 9000.0
    save(steward, draft, doc)
    editing = steward.get(f"/parks/{PARK}/edit").get_data(as_text=True)
    assert 'id="park-plan-submit"' in editing and "公共应急池" in editing and "9000" in editing
    steward.post(f"{URL}/drafts/{draft['id']}/submit",
                 json={"note": "<script>alert(1)</script>扩容"})
    pages = {
        "park": client.get(f"/parks/{PARK}"),
        "edit": steward.get(f"/parks/{PARK}/edit"),
        "review": reviewer.get(f"/parks/{PARK}/review/{draft['id']}"),
        "versions": reviewer.get(f"/parks/{PARK}/versions"),
        "queue": reviewer.get("/plans/review"),
        "edit_en": reviewer.get(f"/parks/{PARK}/edit?lang=en"),
    }
    for name, resp in pages.items():
        assert resp.status_code == 200, name
        assert_text_only(resp.get_data(as_text=True), name)
    review = pages["review"].get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;扩容" in review
    assert 'id="plan-approve"' in review and "公共应急池" in review
    assert f'data-approve="/api/parks/{PARK}/drafts/{draft["id"]}/approve"' in review
    assert f'href="/parks/{PARK}/review/{draft["id"]}"' in pages["queue"].get_data(as_text=True)
    assert "Read only" in pages["edit_en"].get_data(as_text=True)  # a reviewer does not edit
    reviewer.post(f"{URL}/drafts/{draft['id']}/approve", json={})
    versions = reviewer.get(f"/parks/{PARK}/versions").get_data(as_text=True)
    assert 'data-version="2"' in versions
    assert f'data-restore="/api/parks/{PARK}/versions/1/restore"' in versions
    assert "现行版本 v2(reviewer" in client.get(f"/parks/{PARK}").get_data(as_text=True)


def test_a_new_park_plan_is_a_draft_until_a_reviewer_approves_it(steward, reviewer, client_as,
                                                                  seeded):
    """POST /api/parks: a chemical park not yet in the store, checked like any park plan, is a
    draft (not in /api/parks, not used by the engine) until approved as version 1."""
    doc = yaml.safe_load(steward.get(f"{URL}.yaml").data)
    doc["id"], doc["name_zh"] = "park-23", "示例新建化工园区23(吉林市)"
    # the same place as park-01, so every facility stays inside and the outfall on its river
    assert steward.get("/api/parks/park-23").status_code == 404

    far = copy.deepcopy(doc)
    far["park"]["outfalls"][0]["lon"], far["park"]["outfalls"][0]["lat"] = FAR_FROM_RIVERS
    assert any(p["path"].startswith("park.outfalls[0]")
               for p in problems_of(steward.post("/api/parks", json={"document": far})))
    assert steward.get("/api/parks/park-23/versions").status_code == 404  # nothing stored

    viewer = client_as("viewer", username="v1")
    assert viewer.post("/api/parks", json={"document": doc}).status_code == 403
    other = client_as("data_steward", username="cc-steward", prefecture_zh="长春市")
    assert other.post("/api/parks", json={"document": doc}).status_code == 403
    taken = dict(doc, id=PARK)
    assert steward.post("/api/parks", json={"document": taken}).status_code == 409

    resp = steward.post("/api/parks", json={"document": doc})
    assert resp.status_code == 201, resp.get_json()
    draft = resp.get_json()
    assert draft["base_version"] == 0 and draft["plan_id"] == "park-23"
    assert steward.get("/api/parks/park-23").status_code == 404  # a draft is not in force
    assert steward.post(f"/api/parks/park-23/drafts/{draft['id']}/submit",
                        json={"note": "新建园区预案"}).status_code == 200
    review = reviewer.get(f"/parks/park-23/review/{draft['id']}")
    assert review.status_code == 200 and "示例新建化工园区23" in review.get_data(as_text=True)
    resp = reviewer.post(f"/api/parks/park-23/drafts/{draft['id']}/approve", json={})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["version"] == 1
    shown = steward.get("/api/parks/park-23")
    assert shown.status_code == 200 and shown.get_json()["name_zh"] == "示例新建化工园区23(吉林市)"
    assert any(p["id"] == "park-23" for p in steward.get("/api/parks").get_json()["parks"])
    assert steward.get("/parks/park-23").status_code == 200
