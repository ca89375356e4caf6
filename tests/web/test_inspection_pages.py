"""隐患排查 pages: rendered for each role, bilingual, no inline script, data as text."""

from __future__ import annotations

import json
import re

import pytest

from tests.inspection_world import make_world, submit


@pytest.fixture
def world(loaded, make_user, login):
    return make_world(loaded, make_user, login)

SCRIPT_TAG = re.compile(r"<script[^>]*>")


def _page(client, url, status=200):
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:400]
    html = resp.get_data(as_text=True)
    for tag in SCRIPT_TAG.findall(html):  # only files and JSON data blocks
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"<[^>]*\son[a-z]+=", html)  # no on*= attribute in a tag
    return html


def test_the_pages_show_tasks_the_form_the_register_and_a_hazard(world):
    task = world.task()
    html = _page(world["insp"], "/inspections")
    assert world.source_name in html and "我的排查任务" in html
    assert "新建排查行动" not in html  # an inspector does not plan campaigns
    assert "新建排查行动" in _page(world["admin"], "/inspections")
    form = _page(world["insp"], f"/inspections/tasks/{task['id']}")
    assert form.count('class="insp-item') == 12 and "重大突发环境事件隐患" in form
    assert 'data-editable="1"' in form
    assert 'data-editable="0"' in _page(world["insp2"], f"/inspections/tasks/{task['id']}")
    hazards = submit(world, task).get_json()["hazards"]
    with world.db.session() as s:  # a description with markup stays text
        from emergency.store.inspection_models import Hazard

        s.get(Hazard, hazards[0]["id"]).description = "<img src=x onerror=alert(1)>"
    reg = _page(world["viewer"], "/hazards")
    assert "&lt;img src=x" in reg and "<img src=x" not in reg
    assert "整改通知书" in reg and f"/api/hazards/notice/{world.source_id}.docx" in reg
    en = _page(world["viewer"], "/hazards?lang=en")
    assert "Hazard register" in en and "Export register (XLSX)" in en
    page = _page(world["steward"], f"/hazards/{hazards[1]['id']}")
    assert "报告整改情况" in page and "验收销号" not in page
    assert "报告整改情况" not in _page(world["steward_jl"], f"/hazards/{hazards[1]['id']}")
    _page(world["viewer"], "/hazards/999999", 404)


def test_the_province_map_declares_the_open_major_hazard_layer(world):
    html = world["viewer"].get("/").get_data(as_text=True)
    script = re.search(r'src="(/map/script\.[0-9a-f]{16}\.js)"', html).group(1)
    html += world["viewer"].get(script).get_data(as_text=True)  # the map's script file (CSP)
    declared = re.search(r"push\((\{[^;]*open_major_hazards[^;]*\})\);", html)
    layer = json.loads(declared.group(1))
    assert layer["url"] == "/api/hazards/risk-sources?grade=major"
    assert layer["name"] == "未销号重大隐患"
    assert "隐患排查" in html  # the header link
