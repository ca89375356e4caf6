"""A duty officer logs in, sees the province map drawn, searches a river, switches language."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

RIVER_PATHS = ".leaflet-eec-rivers-key-pane path"  # one SVG path per key river (and part)
SETTLED = "window.EEC_MAP && EEC_MAP.settled === true"  # every layer in, API ones included
LAYER_ENTRIES = """() => performance.getEntriesByType('resource')
    .filter(e => e.name.includes('/map/layers/'))
    .map(e => ({key: e.name.split('/').pop().split('.')[0], transferred: e.transferSize}))"""


def test_an_anonymous_visit_lands_on_the_login_page(page, shot):
    page.goto(page.base_url + "/")
    assert re.search(r"/login\?next=/$", page.url)
    assert page.locator("h1").inner_text() == "用户登录"
    shot(page, "login_zh")


def test_a_wrong_password_is_refused_with_a_clear_message(page, log_in, shot):
    log_in(page, "admin", "not-the-password")
    assert page.locator("#login-error").inner_text() == "用户名或密码错误"
    shot(page, "login_wrong_password")


def test_after_login_the_map_draws_rivers_layers_and_labels(page, log_in, shot):
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    log_in(page)
    page.wait_for_url(page.base_url + "/")
    page.wait_for_function(f"document.querySelectorAll('{RIVER_PATHS}').length > 40")
    control = page.locator(".leaflet-control-layers-overlays").inner_text()
    for name in ("重点河流", "其他河流", "湖泊水库", "省界", "市(州)界", "县(市、区)界", "城镇"):
        assert name in control
    assert page.locator(".eec-place-label", has_text="长春市").count() == 1
    assert page.locator(".eec-title").inner_text() == "生态环境风险应急指挥系统"
    # no request left the machine: every loaded resource came from the app
    urls = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(page.base_url) for u in urls), urls
    page.wait_for_function(SETTLED)  # the screenshot shows every layer
    assert errors == []
    shot(page, "map_zh_1366x768")


def test_the_key_rivers_come_after_the_page_and_from_the_cache_the_next_time(page, log_in):
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    log_in(page)
    page.wait_for_url(page.base_url + "/")
    page.wait_for_function(SETTLED)
    nav = page.evaluate("performance.getEntriesByType('navigation')[0].decodedBodySize")
    assert nav < 200_000  # the page itself: the heavy layers are separate files
    first = page.evaluate(LAYER_ENTRIES)
    assert {e["key"] for e in first} >= {"rivers_key", "county", "prefecture", "land"}
    assert len(first) == len({e["key"] for e in first})  # the preload was used, not repeated
    drawn = page.evaluate("""() => performance.getEntriesByName('eec:layer:rivers_key')
        .map(m => m.startTime)""")
    assert len(drawn) == 1 and page.locator(RIVER_PATHS).count() > 40
    # key rivers drawn thicker than the other rivers, as before
    widths = page.evaluate("""() => ['rivers-key', 'rivers-other'].map(p => Math.max(...Array.from(
        document.querySelectorAll('.leaflet-eec-' + p + '-pane path'),
        e => parseFloat(e.getAttribute('stroke-width')))))""")
    assert widths[0] >= 3 and widths[0] > 2 * widths[1], widths

    page.reload()
    page.wait_for_function(SETTLED)
    again = page.evaluate(LAYER_ENTRIES)
    assert {e["key"] for e in again} == {e["key"] for e in first}
    assert all(e["transferred"] == 0 for e in again), again  # from the browser's cache
    assert page.locator(RIVER_PATHS).count() > 40
    assert errors == []


def test_boundaries_stack_in_map_order_whatever_order_they_arrive_in(page, log_in):
    held = []
    page.route("**/map/layers/county.*", lambda route: held.append(route))
    log_in(page)
    page.wait_for_url(page.base_url + "/")
    page.wait_for_function("performance.getEntriesByName('eec:layer:nation').length > 0")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()  # the county lines arrive last, and must not cover the others
    page.wait_for_function(SETTLED)
    strokes = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.leaflet-eec-boundaries-pane path'), e => e.getAttribute('stroke').toLowerCase())""")
    county = [i for i, c in enumerate(strokes) if c in ("#90a4ae", "#b0bec5")]
    assert county and strokes[-1] == "#37474f"  # the national border on top
    assert max(county) < strokes.index("#b71c1c")  # Jilin's red outline above county lines


def test_search_waits_for_key_rivers_still_on_their_way(page, log_in, shot):
    held = []
    page.route("**/map/layers/rivers_key.*", lambda route: held.append(route))
    log_in(page)
    page.wait_for_url(page.base_url + "/")
    page.wait_for_function("document.querySelectorAll("
                           "'.leaflet-eec-boundaries-pane path').length > 3")
    while not held:
        page.wait_for_timeout(50)
    assert page.locator(RIVER_PATHS).count() == 0
    page.fill("#eec-search-input", "第二松花")
    page.wait_for_selector("#eec-search-results li[role=option]")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1500)  # the map has flown there; the river is not drawn yet
    assert page.locator(".leaflet-popup-content").count() == 0
    held[0].continue_()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "第二松花江" in popup.inner_text()


def test_inventory_layers_are_loaded_from_the_api_into_the_layer_control(page, log_in):
    log_in(page)
    page.wait_for_url(page.base_url + "/")
    for url, name in (("/api/risk-sources", "风险源"), ("/api/materials", "应急物资库"),
                      ("/api/teams", "应急队伍")):
        if page.request.get(page.base_url + url).status == 404:
            continue  # that API is not there yet: the page skips the layer quietly
        page.wait_for_function(
            "n => document.querySelector('.leaflet-control-layers-overlays')"
            ".innerText.includes(n + ' (')", arg=name)


def test_search_finds_a_river_and_opens_its_popup(page, log_in, shot):
    log_in(page)
    page.wait_for_function(f"document.querySelectorAll('{RIVER_PATHS}').length > 40")
    page.fill("#eec-search-input", "第二松花")
    page.wait_for_selector("#eec-search-results li[role=option]")
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "第二松花江" in popup.inner_text()
    page.wait_for_timeout(400)  # the popup fades in
    shot(page, "map_search_river")


def test_switching_to_english_relabels_the_page_and_is_remembered(page, log_in, shot):
    log_in(page)
    page.click("#eec-lang-switch")
    page.wait_for_function(f"document.querySelectorAll('{RIVER_PATHS}').length > 40")
    assert "Key rivers" in page.locator(".leaflet-control-layers-overlays").inner_text()
    assert page.locator(".eec-title").inner_text() == "Environmental Emergency Command System"
    # the layer file is language-neutral: the popup takes the English names
    page.fill("#eec-search-input", "Second Songhua")
    page.wait_for_selector("#eec-search-results li[role=option]")
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Di’er Songhua Jiang" in popup.inner_text() and "Basin" in popup.inner_text()
    page.keyboard.press("Escape")
    page.locator(".leaflet-popup-close-button").click()
    page.wait_for_function(SETTLED)
    page.goto(page.base_url + "/map")
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "map_en_1366x768")


def test_the_map_fills_a_command_centre_screen(browser, live_server, log_in, shot):
    context = browser.new_context(viewport={"width": 2560, "height": 1440}, locale="zh-CN")
    pg = context.new_page()
    pg.base_url = live_server
    try:
        log_in(pg)
        pg.wait_for_function(f"document.querySelectorAll('{RIVER_PATHS}').length > 40")
        box = pg.locator(".folium-map").bounding_box()
        assert box["width"] == 2560 and box["height"] > 1300
        shot(pg, "map_zh_2560x1440")
    finally:
        context.close()


def test_a_viewer_cannot_write_even_from_the_page(page, log_in):
    log_in(page, "viewer")
    page.wait_for_url(page.base_url + "/")
    status = page.evaluate(
        "EEC.fetch('/api/auth/token', {method: 'DELETE'}).then(r => r.status)")
    assert status == 400  # allowed to call (own token), but a session has no token to revoke
    status = page.evaluate("EEC.fetch('/api/nothing', {method: 'POST'}).then(r => r.status)")
    assert status == 403
