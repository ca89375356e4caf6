"""In the browser: an organiser starts the chemical-park drill stepped, steps, rates (with an
inject and a time), submits the evaluation, ends; the summary names the evaluator."""

from __future__ import annotations

import re

from playwright.sync_api import expect

CHEM = "jetdz-chemical-park-fire"


def test_admin_runs_a_stepped_drill_to_its_score(page, log_in, shot):
    log_in(page, "admin")
    page.goto(page.base_url + "/drills")
    row = page.locator(f'#drill-library tr[data-scenario="{CHEM}"]')
    row.locator("select[name=speed]").select_option("stepped")
    row.locator("button.drill-start").click()
    page.wait_for_url(re.compile(r".*/drills/runs/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#drill-speed")).to_contain_text("手动步进")
    expect(page.locator("#drill-clock")).to_have_text("T+00:15")  # the scenario's start offset
    expect(page.locator('#msel-body tr[data-inject="I2"]')).to_contain_text("待触发")

    page.fill("#step-minutes", "20")
    page.click("#btn-step")
    expect(page.locator("#drill-clock")).to_have_text("T+00:35")
    fired = page.locator('#msel-body tr.fired[data-inject="I2"]')
    expect(fired).to_contain_text("已下达")
    expect(fired).to_contain_text("【演练】")
    # the player link opens this run's own drill incident (whatever its id)
    state = page.request.get(f"{page.base_url}/api/drills/runs/{run_id}").json()
    assert state["incidents"], state
    incident = state["incidents"][0]  # the page links the first (drill_run.html)
    expect(page.locator("#drill-player-link")).to_have_attribute(
        "href", f"/incidents/{incident['incident_id']}")
    played = page.request.get(f"{page.base_url}/api/incidents/{incident['incident_id']}").json()
    assert played["is_drill"] is True and played["title"] == incident["title"]

    page.on("dialog", lambda dialog: dialog.accept())
    page.select_option("#eval-objective", "O1")
    page.select_option("#eval-rating", "S")
    page.select_option("#eval-inject", "I1")
    page.fill("#eval-time", "T+99:00")                      # in the future: refused, kept
    page.fill("#eval-note", "企业关阀及时,应急池启用迟缓")
    page.click("#eval-save")
    expect(page.locator("#drill-msg")).to_contain_text("观察时间须为")
    page.fill("#eval-time", "T+00:30")
    page.click("#eval-save")
    expect(page.locator("#drill-observations")).to_contain_text("应急池启用迟缓")
    expect(page.locator("#drill-evaluators")).to_contain_text("未提交")
    page.click("#eval-submit")
    expect(page.locator("#drill-msg")).to_contain_text("评估已提交")
    expect(page.locator("#drill-evaluators")).to_contain_text("提交于")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "drill_console")

    page.click("#btn-end")
    expect(page.locator("#drill-status")).to_have_text("已结束")
    expect(page.locator("#drill-report")).to_be_visible()
    expect(page.locator("#drill-grade")).to_have_text("未完成")
    expect(page.locator("#drill-incomplete")).to_be_visible()
    expect(page.locator("#drill-incomplete-reasons")).to_contain_text("演练提前结束:结束于 T+00:35")
    # O1: its action (I1/A1, due T+00:45) not played 0, rating S 70 → 0.4·70 = 28; the other
    # objectives (weights 1.5 + 1 + 1.5 + 1) not played → 0; 28 / 6 = 4.7 (it used to read 70.0)
    expect(page.locator("#drill-score")).to_have_text("4.7")
    expect(page.locator("#drill-xlsx")).to_have_attribute(
        "href", f"/api/drills/runs/{run_id}/report.xlsx")
    expect(page.locator("#drill-report-evaluators")).to_contain_text("admin")
    shot(page, "drill_report")


def test_a_player_sees_injects_on_the_incident_page_and_acknowledges_them(page, browser,
                                                                        log_in, shot):
    log_in(page, "admin")
    page.goto(page.base_url + "/drills")
    row = page.locator(f'#drill-library tr[data-scenario="{CHEM}"]')
    row.locator("select[name=speed]").select_option("stepped")
    row.locator("button.drill-start").click()
    page.wait_for_url("**/drills/runs/*")
    page.fill("#step-minutes", "20")
    page.click("#btn-step")
    expect(page.locator("#drill-clock")).to_have_text("T+00:35")
    # the MSEL names the places: a boundary level and a scenario point, never an id
    expect(page.locator('#msel-body tr[data-inject="I7"]')).to_contain_text("污染团前锋到达 市界")
    expect(page.locator('#msel-body tr[data-inject="I6"]')).not_to_contain_text("trib-mouth")
    href = page.locator("#drill-player-link").get_attribute("href")

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    player = context.new_page()
    player.base_url = page.base_url
    log_in(player, "duty_officer")
    player.goto(page.base_url + href)
    title = player.locator("#inc-title")
    expect(title).to_contain_text("【演练】")
    assert title.inner_text().count("【演练】") == 1
    banner = player.locator("#drill-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("I2")
    expect(player.locator("#drill-banner-count")).to_have_text("2 条未签收")
    shot(player, "drill_player_banner")
    player.click("#drill-ack")
    expect(player.locator("#drill-banner-count")).to_have_text("1 条未签收")
    expect(banner).to_contain_text("I1")
    player.click("#drill-ack")
    expect(player.locator("#drill-banner-count")).to_have_text("")
    expect(player.locator("#drill-ack")).to_be_hidden()
    player.click(".drill-inject-list summary")
    expect(player.locator('#drill-inject-list li[data-inject="I1"]')).to_contain_text(
        "已签收 T+00:35 duty_officer")
    shot(player, "drill_player_acknowledged")
    context.close()


def test_an_organiser_writes_a_scenario_from_a_copy_with_a_plume_inject_and_runs_it(page,
                                                                                  log_in,
                                                                                  shot):
    log_in(page, "admin")
    page.goto(page.base_url + "/drills")
    page.locator(f'#drill-library tr[data-scenario="{CHEM}"] a.drill-copy').click()
    page.wait_for_url("**/drills/scenarios/new?from=*")
    expect(page.locator("#ed-name")).to_have_value(
        "吉林经济技术开发区化工企业火灾爆炸次生突发水污染事件应急演练(副本)")
    expect(page.locator("#ed-status")).to_have_text("脚本有效", timeout=30_000)
    # the copy's plume inject shows its dry-run time, named place, never an id
    i7 = page.locator('#ed-injects .ed-inject[data-inject="I7"]')
    expect(i7.locator(".ed-dry")).to_have_text(re.compile(r"^T\+\d\d:\d\d$"))

    page.fill("#ed-name", "开发区演练:县界加密监测(组织者编写)")
    page.click("#ed-injects button.add-inject")
    card = page.locator('#ed-injects .ed-inject[data-inject="I9"]')
    expect(card).to_be_visible()
    card.locator("select.ed-kind").first.select_option("plume")
    targets = page.evaluate("window.EEC_EDITOR.preview().targets")
    county = next(t for t in targets if t["kind"] == "boundary" and t["level"] == "county")
    target = card.locator("select.ed-target-plume")
    target.select_option(county["id"])                       # from the predicted list
    assert "预计 " + county["front_t"] in target.locator("option:checked").inner_text()
    card.locator("input.ed-offset").fill("-00:30")
    card.locator("textarea").fill("下游县生态环境局来电:请通报污染团预计到达县界时间。")
    card.locator("button.add-action").click()
    action = card.locator(".ed-act").first
    action.locator("select.ed-check").select_option("report:follow_up")
    action.locator("input.ed-within").fill("01:00")
    expect(page.locator("#ed-status")).to_have_text("脚本有效", timeout=30_000)
    dry = card.locator(".ed-dry")
    expect(dry).to_have_text(re.compile(r"^T\+\d\d:\d\d$"), timeout=30_000)
    preview = page.evaluate("window.EEC_EDITOR.preview()")
    fires = next(i for i in preview["injects"] if i["id"] == "I9")["fires_t"]
    expect(dry).to_have_text(fires)
    expect(page.locator("#ed-timeline")).to_contain_text(fires + "I9")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "drill_editor")
    shot(page, "drill_editor_full", full_page=True)

    page.fill("#ed-note", "复制示例,增加县界触发的注入")
    page.click("#ed-save")
    expect(page.locator("#ed-msg")).to_have_text("已保存:第 1 版")
    page.select_option("#ed-speed", "x60")
    page.click("#ed-start")
    page.wait_for_url("**/drills/runs/*")
    expect(page.locator("#drill-speed")).to_contain_text("60")
    row = page.locator('#msel-body tr[data-inject="I9"]')
    expect(row).to_contain_text("污染团前锋到达")
    expect(row).to_contain_text("-00:30")
    expect(row).to_contain_text("≈" + fires)
    shot(page, "drill_editor_run")
    # an evaluator scores it; ended early, the report says so
    page.select_option("#eval-objective", "O2")
    page.select_option("#eval-rating", "S")
    page.fill("#eval-note", "县界通报及时")
    page.click("#eval-save")
    expect(page.locator("#drill-observations")).to_contain_text("县界通报及时")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#btn-end")
    expect(page.locator("#drill-report")).to_be_visible()
    expect(page.locator("#drill-grade")).to_have_text("未完成")
    expect(page.locator("#drill-docx")).to_have_attribute("href", re.compile(r"report\.docx$"))
