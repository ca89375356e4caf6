"""Plans as spreadsheets and YAML: export with Chinese headings, import into a draft."""

from __future__ import annotations

import io

import pytest
import yaml
from openpyxl import load_workbook

from emergency.plan_management.workbook import SHEETS
from tests.plan_world import seed_plans

PLAN = "yinma-he"
SHEET_NAMES = ["河流基本信息", "敏感目标", "应急空间与设施", "监测点位", "应急处置卡", "联系人",
               "填表说明"]


@pytest.fixture
def steward(app, client_as):
    seed_plans(app)
    return client_as("data_steward", username="cc-steward", prefecture_zh="长春市")


def upload(client, data: bytes, name: str = "plan.xlsx"):
    return client.post(f"/api/plans/{PLAN}/import",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_workbook_has_the_chinese_sheets_and_headings(steward):
    resp = steward.get(f"/api/plans/{PLAN}.xlsx")
    assert resp.status_code == 200
    assert "v1" in resp.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == SHEET_NAMES
    heads = [c.value for c in book["敏感目标"][1]]
    assert heads[:4] == ["预案编号", "编号", "类型", "名称"]
    kinds = {row[2] for row in book["敏感目标"].iter_rows(min_row=2, values_only=True)}
    assert kinds == {"取水口", "水源地", "监测断面"}
    assert book["河流基本信息"]["B2"].value == "饮马河"


def test_export_then_import_unchanged_is_an_empty_diff(steward):
    data = steward.get(f"/api/plans/{PLAN}.xlsx").data
    resp = upload(steward, data)
    assert resp.status_code == 201, resp.get_json()
    draft = resp.get_json()
    assert draft["source"] == "import" and draft["changes"] == []


def test_a_changed_cell_comes_back_as_the_change(steward):
    book = load_workbook(io.BytesIO(steward.get(f"/api/plans/{PLAN}.xlsx").data))
    sheet = book["敏感目标"]
    heads = [c.value for c in sheet[1]]
    col = heads.index("服务人口(人)") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == "intake-1")
    sheet.cell(row, col).value = 170000
    buffer = io.BytesIO()
    book.save(buffer)
    draft = upload(steward, buffer.getvalue()).get_json()
    assert [(c["key"], c["field"], c["new"]) for c in draft["changes"]] == [
        ("intake-1", "population_served", 170000)]


def test_a_bad_workbook_is_422_with_sheet_row_column_and_nothing_stored(steward):
    book = load_workbook(io.BytesIO(steward.get(f"/api/plans/{PLAN}.xlsx").data))
    receptors = book["敏感目标"]
    heads = [c.value for c in receptors[1]]
    receptors.cell(3, heads.index("经度") + 1).value = "东经一百二十五度"
    receptors.cell(4, heads.index("类型") + 1).value = "水塔"
    cards = book["应急处置卡"]
    cheads = [c.value for c in cards[1]]
    cards.cell(2, cheads.index("措施类别") + 1).value = "打扫卫生"
    buffer = io.BytesIO()
    book.save(buffer)
    resp = upload(steward, buffer.getvalue())
    assert resp.status_code == 422
    found = {(p["sheet"], p["row"], p["column"])
             for p in resp.get_json()["error"]["details"]["problems"]}
    assert found == {("敏感目标", 3, "经度"), ("敏感目标", 4, "类型"),
                     ("应急处置卡", 2, "措施类别")}
    assert steward.get(f"/api/plans/{PLAN}/drafts").get_json()["drafts"] == []


def test_rule_problems_point_at_the_cell_they_came_from(steward):
    book = load_workbook(io.BytesIO(steward.get(f"/api/plans/{PLAN}.xlsx").data))
    sheet = book["应急空间与设施"]
    heads = [c.value for c in sheet[1]]
    sheet.cell(3, heads.index("经度") + 1).value = sheet.cell(3, heads.index("经度") + 1).value \
        + 0.3  # ~25 km off the river
    buffer = io.BytesIO()
    book.save(buffer)
    resp = upload(steward, buffer.getvalue())
    assert resp.status_code == 422
    (problem,) = resp.get_json()["error"]["details"]["problems"]
    assert (problem["sheet"], problem["row"]) == ("应急空间与设施", 3)
    assert problem["path"] == "facilities[1]" and "km" in problem["message_zh"]


def test_formula_like_text_is_inert_in_the_file_and_comes_back_unchanged(steward, app):
    draft = steward.post(f"/api/plans/{PLAN}/drafts").get_json()
    doc = draft["document"]
    doc["contacts"][0]["role_zh"] = "=HYPERLINK(\"http://x\")"
    saved = steward.put(f"/api/plans/{PLAN}/drafts/{draft['id']}",
                        json={"document": doc, "revision": draft["revision"]})
    assert saved.status_code == 200
    steward.post(f"/api/plans/{PLAN}/drafts/{draft['id']}/submit", json={"note": "测试"})
    from emergency.plan_management.workbook import export_workbook

    data = export_workbook([doc])
    sheet = load_workbook(io.BytesIO(data))["联系人"]
    assert sheet["C2"].value.startswith("'=") and sheet["C2"].data_type == "s"
    from emergency.plan_management.workbook import read_workbook

    back, _ = read_workbook(data, PLAN)
    assert back["contacts"][0]["role_zh"] == "=HYPERLINK(\"http://x\")"


def test_yaml_export_and_import(steward):
    resp = steward.get(f"/api/plans/{PLAN}.yaml")
    assert resp.status_code == 200
    doc = yaml.safe_load(resp.data.decode("utf-8"))
    assert doc["id"] == PLAN
    doc["receptors"][0]["name_zh"] = "饮马河吉林市—长春市界断面(示例,复核)"
    draft = upload(steward, yaml.safe_dump(doc, allow_unicode=True).encode(), "p.yaml").get_json()
    assert [(c["key"], c["field"]) for c in draft["changes"]] == [("section-1", "name_zh")]


def test_all_plans_in_one_workbook(steward):
    resp = steward.get("/api/plans.xlsx")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.data), read_only=True)
    ids = [r[0] for r in book["河流基本信息"].iter_rows(min_row=2, values_only=True)]
    assert len(ids) == 49 and PLAN in ids
    assert set(SHEETS) < set(book.sheetnames)
