"""The command flow in a real browser (issue 15): a spill an hour above an intake reads 立即 (not
overdue) with the intake closure first; the commander starts the response at a level with its
basis; the decision shows in the log and the timeline. Screenshots in tests/artifacts/."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import api, api_token

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 第二松花江 5 km above the plan's 吉林市 intake (a spill about an hour above it at flood flow)
NEAR_INTAKE = (126.53321, 43.78516)


@pytest.fixture(scope="module")
def spill(live_server):
    """Reported the moment it was discovered, 20 minutes after the release."""
    token = api_token(live_server)
    discovered = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    body = {"lon": NEAR_INTAKE[0], "lat": NEAR_INTAKE[1], "substance": "硝基苯",
            "mass_kg": 15000, "flow_condition": "flood",
            "occurred_at": (discovered - timedelta(minutes=20)).isoformat(timespec="minutes"),
            "discovered_at": discovered.isoformat(timespec="minutes"),
            "title": "吉林市硝基苯泄漏(指挥浏览器测试)"}
    return api(live_server, "POST", "/api/incidents", body, token)


def test_the_intake_closure_reads_immediate_and_comes_first(page, log_in, shot, spill):
    closes = [i for i in spill["response"]["checklist"]
              if i["kind"] == "close_intake" and i["immediate"]]
    assert closes, "the hand-picked spill must make an intake closure immediate"
    log_in(page, "commander")
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/incidents/{spill['id']}")
    page.wait_for_selector("#checklist .ck-item")
    first = page.locator("#checklist .ck-item").first
    assert "关闭" in first.inner_text() and "立即" in first.inner_text()
    assert page.locator("#checklist .ck-item.overdue").count() == 0
    assert page.locator("#clock-next b").inner_text() == "立即"
    assert "关闭" in page.locator("#clock-next span").inner_text()
    shot(page, "command_immediate_1366x768")


def test_the_commander_starts_the_response_at_a_level(page, log_in, shot, spill):
    log_in(page, "commander")
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/incidents/{spill['id']}")
    page.wait_for_selector("#checklist .ck-item")
    page.click("#btn-start")
    page.wait_for_selector("#cmd-form:not([hidden])")
    assert page.locator("#cmd-basis").input_value()  # prefilled from the tier's reasons
    tier = spill["response"]["tier"]["level"]
    other = 4 if tier != 4 else 3
    page.select_option("#cmd-level", str(other))
    page.click("#cmd-submit")
    page.wait_for_selector(".field-error[data-for=override_reason]:not(:empty)")
    page.fill("#cmd-override", "浏览器测试:按属地处置能力调整")
    page.click("#cmd-submit")
    page.wait_for_function("document.getElementById('inc-status').textContent === '响应中'")
    page.wait_for_function("document.getElementById('cmd-log').textContent.includes('启动响应')")
    assert "浏览器测试" in page.locator("#cmd-log").inner_text()
    assert not page.locator("#btn-start").is_visible()
    shot(page, "command_started_1366x768")


def test_a_team_is_dispatched_and_arrives_and_the_order_prints(page, log_in, shot, spill):
    log_in(page, "duty_officer")
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/incidents/{spill['id']}")
    page.wait_for_selector("#checklist .ck-item")
    page.locator("#inc-tabs button[data-tab=command]").click()
    page.wait_for_selector("#dsp-resource option", state="attached")
    first_team = page.locator("#dsp-resource option[value^='team:']").first.get_attribute("value")
    page.select_option("#dsp-resource", first_team)
    page.click("#dsp-submit")
    page.wait_for_selector(".dsp-item.dsp-requested")
    for status in ("dispatched", "en_route", "arrived"):
        page.locator(f".dsp-item button[data-status={status}]").first.click()
        page.wait_for_selector(f".dsp-item.dsp-{status}")
    assert "已到达" in page.locator(".dsp-item").first.inner_text()
    assert "队伍:已调 1,已到 1" in page.locator("#dsp-shortfalls").inner_text()
    shot(page, "command_dispatch_1366x768")
    with page.expect_popup() as popup:
        page.locator(".dsp-item a").first.click()
    order = popup.value
    order.wait_for_load_state()
    assert "调度单" in order.locator("h1").inner_text()
    shot(order, "command_dispatch_order")


def test_the_first_report_is_drafted_and_downloads_as_word(page, log_in, shot, spill):
    import io

    from docx import Document

    log_in(page, "duty_officer")
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/incidents/{spill['id']}")
    page.wait_for_selector("#checklist .ck-item")
    page.locator("#inc-tabs button[data-tab=first-report]").click()
    page.fill("#rpt-signer", "浏览器测试签发人")
    page.click("#rpt-new-first")
    page.wait_for_selector(".rpt-item .rpt-docx")
    text = page.locator(".rpt-item .rpt-text").first.input_value()
    assert "吉林省吉林市" in text and "浏览器测试签发人" in text
    with page.expect_download() as dl:
        page.locator(".rpt-item .rpt-docx").first.click()
    with open(dl.value.path(), "rb") as fh:
        doc = Document(io.BytesIO(fh.read()))
    assert any("初报" in p.text for p in doc.paragraphs)
    page.locator(".rpt-item .rpt-to").first.fill("吉林市人民政府")
    page.locator(".rpt-item .rpt-mark").first.click()
    page.wait_for_function(
        "document.querySelector('.rpt-item .rpt-state').textContent.includes('已报送')")
    shot(page, "command_report_1366x768")


def test_open_incidents_on_the_province_map_and_the_list_filters(page, log_in, shot, spill):
    log_in(page, "duty_officer")
    page.wait_for_url(page.base_url + "/")
    page.wait_for_function("window.EEC_MAP && EEC_MAP.settled === true", timeout=30_000)
    control = page.locator(".leaflet-control-layers").inner_text()
    assert "处置中的突发事件" in control and "进行中的演练事件" in control
    shot(page, "command_province_map_1366x768")
    page.goto(page.base_url + "/incidents?sort=tier")
    page.wait_for_selector("#inc-list")
    assert "吉林市" in page.locator("#inc-list td.place").first.inner_text()
    page.fill("#f-q", "指挥浏览器测试")
    page.click("#f-apply")
    page.wait_for_url("**/incidents?*q=*")
    assert page.locator("#inc-list tbody tr").count() == 1
    shot(page, "command_incident_list_1366x768")


def test_the_intake_map_names_rivers_and_searches(page, log_in, shot):
    log_in(page, "duty_officer")
    page.wait_for_url(page.base_url + "/")
    page.goto(page.base_url + "/incidents/new")
    page.wait_for_function("document.querySelectorAll('.leaflet-eec-ctx-pane path').length > 20")
    page.fill("#intake-search", "伊通")
    page.wait_for_selector("#intake-search-list li")
    assert "伊通河" in page.locator("#intake-search-list").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('intake-search-list').hidden")
    # rivers answer the pointer (their names as hover tooltips) and a click still sets the point
    assert page.locator(".leaflet-eec-ctx-pane path.leaflet-interactive").count() > 20
    shot(page, "command_intake_search_1366x768")
    page.evaluate("""() => {
        const p = document.querySelector('.leaflet-eec-ctx-pane path.leaflet-interactive');
        const r = p.getBoundingClientRect();
        p.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: r.x + r.width / 2,
                                                     clientY: r.y + r.height / 2}));
    }""")
    page.wait_for_selector(".eec-river-label")
    assert page.locator(".eec-river-label").inner_text().strip()


def test_terminating_is_refused_naming_the_conditions_then_overridden(page, log_in, shot, spill):
    """Runs last in this module: the spill's response ends here."""
    log_in(page, "commander")
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/incidents/{spill['id']}")
    page.wait_for_selector("#checklist .ck-item")
    page.click("#btn-terminate")
    page.wait_for_selector("#cmd-conditions li.no-mark")
    assert "污染团尚未通过" in page.locator("#cmd-conditions").inner_text()
    page.click("#cmd-submit")
    page.wait_for_selector(".field-error[data-for=override_reason]:not(:empty)")
    assert "终止条件未满足" in page.locator(".field-error[data-for=override_reason]").inner_text()
    page.fill("#cmd-override", "浏览器测试:演示终止")
    page.click("#cmd-submit")
    page.wait_for_function("document.getElementById('inc-status').textContent === '已终止'")
    page.wait_for_function(
        "document.querySelector('#clock-next span').textContent.includes('计时停止')")
    assert page.locator("#clock-arrival b").inner_text() == "—"
    assert page.locator("#checklist input[type=checkbox]:not([disabled])").count() == 0
    assert "浏览器测试:演示终止" in page.locator("#cmd-log").inner_text()
    shot(page, "command_terminated_1366x768")
