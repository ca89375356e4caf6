"""In the browser: an organiser starts the chemical-park drill stepped, steps, rates (with an
inject and a time), submits the evaluation, ends; the summary names the evaluator."""

from __future__ import annotations

from playwright.sync_api import expect

CHEM = "jetdz-chemical-park-fire"


def test_admin_runs_a_stepped_drill_to_its_score(page, log_in, shot):
    log_in(page, "admin")
    page.goto(page.base_url + "/drills")
    row = page.locator(f'#drill-library tr[data-scenario="{CHEM}"]')
    row.locator("select[name=speed]").select_option("stepped")
    row.locator("button.drill-start").click()
    page.wait_for_url("**/drills/runs/*")
    expect(page.locator("#drill-speed")).to_contain_text("手动步进")
    expect(page.locator("#drill-clock")).to_have_text("T+00:15")  # the scenario's start offset
    expect(page.locator('#msel-body tr[data-inject="I2"]')).to_contain_text("待触发")

    page.fill("#step-minutes", "20")
    page.click("#btn-step")
    expect(page.locator("#drill-clock")).to_have_text("T+00:35")
    fired = page.locator('#msel-body tr.fired[data-inject="I2"]')
    expect(fired).to_contain_text("已下达")
    expect(fired).to_contain_text("【演练】")
    expect(page.locator("#drill-player-link")).to_have_attribute("href", "/incidents/1")

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
    expect(page.locator("#drill-xlsx")).to_have_attribute("href", "/api/drills/runs/1/report.xlsx")
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
