"""隐患排查 in the browser: an inspector fills the form on a phone (390×844) with one 重大 and one
一般 hazard and a photo; the hazards reach the register and the map; the steward reports the
rectification and a second inspector verifies and closes it (1366×768)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

API = """async ([method, url, body]) => {
    const token = document.querySelector('meta[name=csrf-token]').content;
    const r = await fetch(url, {method, body: body ? JSON.stringify(body) : undefined,
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}});
    return {status: r.status, body: await r.json()};
}"""


def api(pg, method: str, url: str, body: dict | None = None) -> dict:
    out = pg.evaluate(API, [method, url, body])
    assert out["status"] < 400, out
    return out["body"]


def photo_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def desk(browser, live_server):
    """Another person at a 1366×768 desk (a fresh browser context)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    pg.base_url = live_server
    return context, pg


def accept_dialogs(pg) -> None:
    pg.on("dialog", lambda d: d.accept())


def test_an_inspection_on_a_phone_to_a_closed_hazard(page, phone, browser, live_server,
                                                     log_in, shot):
    # the provincial centre opens a campaign and assigns one enterprise of 长春市 to "insp"
    log_in(page)
    page.goto(page.base_url + "/inspections")
    campaign = api(page, "POST", "/api/inspections", {
        "name": "2027 汛前环境风险隐患排查(测试)", "kinds": ["enterprise"],
        "prefectures": ["长春市"], "due_date": "2027-05-31"})
    source = api(page, "GET", "/api/risk-sources?prefecture=长春市&kind=enterprise"
                 )["risk_sources"][0]
    tasks = api(page, "POST", f"/api/inspections/{campaign['id']}/tasks",
                {"tasks": [{"risk_source_id": source["id"], "inspector": "insp"}]})
    task_id = tasks["tasks"][0]["id"]

    # the inspector, on a phone
    log_in(phone, "insp")
    phone.goto(phone.base_url + "/inspections")
    phone.locator(f"a[href='/inspections/tasks/{task_id}']").first.click()
    phone.wait_for_url(f"**/inspections/tasks/{task_id}")
    accept_dialogs(phone)
    items = phone.locator("#insp-form fieldset.insp-item")
    n = items.count()
    assert n > 10
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the form fits the phone's width"
    for k in range(n):
        items.nth(k).locator("label.c-ok").click()
    major, minor = items.nth(1), items.nth(7)
    major.locator("label.c-hazard").click()
    major.locator("label.g-major").click()
    assert major.locator(".insp-grade-def[data-for=major]").is_visible()
    major.locator("textarea[name=description]").fill("应急预案 2019 年备案后未修订(测试)")
    major.locator("input[name=responsible_unit]").fill("安环部(测试)")
    for ta in major.locator(".insp-plan textarea").all():
        ta.fill("按期完成(测试)")
    minor.locator("label.c-hazard").click()
    minor.locator("label.g-minor").click()
    minor.locator("textarea[name=description]").fill("事故应急池积存雨水约 40%(测试)")
    minor.locator("input[name=responsible_unit]").fill("安环部(测试)")
    minor.locator("input[type=file]").set_input_files(
        files=[{"name": "pool.png", "mimeType": "image/png", "buffer": photo_png()}])
    minor.locator(".insp-thumbs li[data-photo-id]").wait_for()
    shot(phone, "inspection_phone_form")
    phone.locator("#insp-signed-name").fill("王明(测试)")
    phone.locator("#insp-submit").click()
    phone.locator(".insp-done").wait_for()
    shot(phone, "inspection_phone_signed", full_page=False)

    # the register lists both; the map's layer of open major hazards has the source
    page.goto(page.base_url + f"/hazards?risk_source={source['id']}")
    register = page.locator("main, body").first.inner_text()
    assert "应急预案 2019 年备案后未修订(测试)" in register
    assert "事故应急池积存雨水约 40%(测试)" in register
    layer = api(page, "GET", "/api/hazards/risk-sources?grade=major")["risk_sources"]
    assert [s["id"] for s in layer] == [source["id"]]
    hazards = api(page, "GET", "/api/hazards?status=open&prefecture=长春市")["hazards"]
    minor_hazard = next(h for h in hazards if h["description"].startswith("事故应急池积存"))
    found = api(page, "GET", f"/api/hazards/{minor_hazard['id']}")
    assert any(e["photos"] for e in found["events"]), "the photo travels with the hazard"
    # on the province map: the layer of open major hazards draws the source
    page.goto(page.base_url + "/")
    page.wait_for_function("window.EEC_MAP && EEC_MAP.settled === true")
    overlays = page.locator(".leaflet-control-layers-overlays").inner_text()
    assert overlays.count("未销号重大隐患") == 1

    # the steward reports the rectification; another inspector verifies and closes it
    steward_context, steward = desk(browser, live_server)
    log_in(steward, "steward")
    steward.goto(steward.base_url + f"/hazards/{minor_hazard['id']}")
    accept_dialogs(steward)
    steward.locator("form.insp-step[data-step=rectify] textarea[name=note]").fill(
        "已排空事故应急池并建立巡检制度(测试)")
    steward.locator("form.insp-step[data-step=rectify] button[type=submit]").click()
    steward.locator("form.insp-step[data-step=rectify]").wait_for(state="detached")
    steward_context.close()
    context, verifier = desk(browser, live_server)
    log_in(verifier, "insp2")
    verifier.goto(verifier.base_url + f"/hazards/{minor_hazard['id']}")
    verifier.locator("form.insp-step[data-step=verify] textarea[name=note]").fill("现场复核通过")
    verifier.locator("form.insp-step[data-step=verify] button[type=submit]").click()
    verifier.locator("form.insp-step[data-step=verify]").wait_for(state="detached")
    closed = api(verifier, "GET", f"/api/hazards/{minor_hazard['id']}")
    assert closed["status"] == "closed" and closed["closed_by"] == "insp2"
    assert closed["reported_by"] == "steward"
    shot(verifier, "hazard_closed")
    context.close()
