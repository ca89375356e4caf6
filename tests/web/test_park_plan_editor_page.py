"""The park plan pages a data steward uses before the flood season: the /parks index names each
plan's version in force (vN, when, by whom) and marks sample plans 示例; /parks/<id>/edit marks a
sample plan, offers 在线编辑, and hands one's open draft to the browser's tables as JSON only
(every text escaped, no inline script)."""

from __future__ import annotations

import json
import re

import pytest

from tests.plan_world import assert_text_only, publish_park, seed_parks

PARK = "park-01"  # 吉林化学工业循环经济示范园区, 吉林市
HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = '<img src=x onerror="alert(2)">'


@pytest.fixture
def seeded(app):
    assert seed_parks(app) == 22
    return app


@pytest.fixture
def steward(seeded, client_as):
    return client_as("data_steward", username="jl-steward", prefecture_zh="吉林市")


def row_of(html: str, park_id: str) -> str:
    found = re.search(rf'<tr data-park="{park_id}">(.*?)</tr>', html, re.S)
    assert found, park_id
    return found.group(1)


def page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="park-plan-data">(.*?)</script>',
                      html, re.S)
    assert found
    return json.loads(found.group(1))


def assert_no_markup_from_data(html: str) -> None:
    assert HOSTILE not in html and HOSTILE_IMG not in html
    assert "<img" not in html
    assert_text_only(html)


def test_the_index_reads_from_the_files_until_the_plans_are_stored(app, client):
    html = client.get("/parks").get_data(as_text=True)
    assert "现行版本" in html
    assert "文件(未入库)" in row_of(html, PARK)
    assert "from the files" in row_of(client.get("/parks?lang=en").get_data(as_text=True), PARK)


def test_the_index_names_each_plans_version_in_force_when_and_by_whom(seeded, client):
    html = client.get("/parks").get_data(as_text=True)
    assert len(re.findall(r'<tr data-park="', html)) == 22
    row = row_of(html, PARK)
    assert f'href="/parks/{PARK}/versions">v1</a>' in row
    assert "2026-12-01 16:00 system" in row  # SEEDED_AT 08:00 UTC, shown in Beijing time
    assert publish_park(seeded, PARK, lambda doc: doc["park"]["pools"][0].update(
        volume_m3=9000.0)) == 2
    html = client.get("/parks").get_data(as_text=True)
    assert f'href="/parks/{PARK}/versions">v2</a>' in row_of(html, PARK)
    assert "park-reviewer" in row_of(html, PARK)
    assert ">v1</a>" in row_of(html, "park-02") and "park-reviewer" not in row_of(html, "park-02")
    english = client.get("/parks?lang=en").get_data(as_text=True)
    assert "Version in force" in english and "现行版本" not in english


def test_sample_plans_are_marked_and_a_plan_that_is_not_sample_is_not(seeded, steward, client):
    assert "示例数据" in row_of(client.get("/parks").get_data(as_text=True), PARK)
    edit = steward.get(f"/parks/{PARK}/edit").get_data(as_text=True)
    assert 'id="park-plan-sample-mark">示例数据' in edit and 'id="park-plan-sample"' in edit
    assert "sample data" in steward.get(f"/parks/{PARK}/edit?lang=en").get_data(as_text=True)

    publish_park(seeded, PARK, lambda doc: doc.update(sample=False))
    assert "示例数据" not in row_of(client.get("/parks").get_data(as_text=True), PARK)
    edit = steward.get(f"/parks/{PARK}/edit").get_data(as_text=True)
    assert 'id="park-plan-sample-mark"' not in edit and 'id="park-plan-sample"' not in edit
    assert "示例数据" in row_of(client.get("/parks").get_data(as_text=True), "park-02")


def test_edit_online_opens_a_draft_whose_document_reaches_the_page_as_json(steward):
    before = steward.get(f"/parks/{PARK}/edit").get_data(as_text=True)
    assert 'id="park-plan-edit-online"' in before and "在线编辑" in before
    assert 'id="park-plan-form"' not in before and page_data(before)["document"] is None
    assert '<script src="/static/js/park_plan_form.js' in before

    draft = steward.post(f"/api/parks/{PARK}/drafts").get_json()
    html = steward.get(f"/parks/{PARK}/edit").get_data(as_text=True)
    assert 'id="park-plan-form"' in html and 'id="park-form-save"' in html
    assert 'id="park-plan-edit-online"' not in html
    data = page_data(html)
    assert data["draft"]["id"] == draft["id"] and data["draft"]["revision"] == draft["revision"]
    assert data["document"] == draft["document"]
    assert data["t"]["park_form_col_pool_volume"] == "事故池容积(m³)"
    assert data["t"]["plan_section_park_pools"] == "公共应急池"
    english = page_data(steward.get(f"/parks/{PARK}/edit?lang=en").get_data(as_text=True))
    assert english["t"]["park_form_col_pool_volume"] == "Accident pool volume (m³)"
    assert all(english["t"][k] for k in english["t"])
    # once submitted, the draft is no longer editable: no tables
    steward.post(f"/api/parks/{PARK}/drafts/{draft['id']}/submit",
                 json={"note": "汛前核查", "revision": draft["revision"]})
    html = steward.get(f"/parks/{PARK}/edit").get_data(as_text=True)
    assert 'id="park-plan-form"' not in html and page_data(html)["document"] is None


def test_hostile_plan_text_is_escaped_on_the_index_and_in_the_editor(seeded, steward, client):
    def hostile(doc: dict) -> None:
        doc["name_zh"] = HOSTILE + "园区"
        doc["contacts"][0]["unit_zh"] = HOSTILE_IMG + "(示例)"
        doc["park"]["pools"][0]["name_zh"] = HOSTILE_IMG + "应急池"

    publish_park(seeded, PARK, hostile)
    steward.post(f"/api/parks/{PARK}/drafts")
    index = client.get("/parks").get_data(as_text=True)
    edit = steward.get(f"/parks/{PARK}/edit").get_data(as_text=True)
    for html in (index, edit):
        assert_no_markup_from_data(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;园区" in html
    data = page_data(edit)  # the tables' text: JSON, written by the script as text nodes
    assert data["document"]["contacts"][0]["unit_zh"] == HOSTILE_IMG + "(示例)"
    assert "\\u003cimg" in edit
