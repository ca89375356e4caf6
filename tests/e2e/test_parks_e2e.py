"""A duty officer opens a chemical park's plan: the three levels drawn on the map, sample data
marked; a fire reported by park and enterprise shows which level holds it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_park_page_draws_the_three_levels_on_the_map(page, log_in, shot):
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    log_in(page)
    page.goto(page.base_url + "/parks")
    assert page.locator("#parks-table tbody tr").count() == 22
    page.locator("#parks-table a", has_text="吉林化学工业循环经济示范园区").click()
    page.wait_for_url("**/parks/park-01")
    page.wait_for_function("window.EEC_PARK_MAP !== undefined")
    # 3 enterprises, 6 valves, 2 pools, 1 gate, 1 outfall: one marker each
    markers = page.locator("#park-map path.leaflet-interactive")
    assert markers.count() >= 13
    legend = page.locator("#park-map .inc-legend").inner_text()
    for word in ("企业", "切断阀", "公共应急池", "雨水管网闸门", "园区入河排口"):
        assert word in legend
    assert "示例" in page.locator("#park-sample").inner_text()
    page.locator('#park-map path[fill="#6d4c41"]').first.hover()  # an enterprise
    # (the background's place names are tooltips too)
    assert "示例" in page.locator(".leaflet-tooltip:not(.eec-place-label)").inner_text()
    shot(page, "park_page", full_page=True)
    assert errors == []


def test_a_fire_reported_by_park_and_enterprise_shows_the_overflow(page, log_in, shot):
    log_in(page)
    page.goto(page.base_url + "/parks")  # any page: the API call needs the session's CSRF token
    body = {"park_id": "park-01", "park_enterprise_id": "e2", "substance": "苯",
            "mass_kg": 100000, "released_volume_m3": 1000, "firewater_m3_per_h": 2400,
            "firewater_hours": 5, "occurred_at": "2026-07-23T09:00+08:00",
            "discovered_at": "2026-07-23T09:00+08:00", "flow_condition": "normal",
            "title": "园区企业火灾(测试)"}
    created = page.evaluate(
        """async (body) => {
            const token = document.querySelector('meta[name=csrf-token]').content;
            const r = await fetch('/api/incidents', {method: 'POST', body: JSON.stringify(body),
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}});
            return {status: r.status, body: await r.json()};
        }""", body)
    assert created["status"] == 201, created
    page.goto(f"{page.base_url}/incidents/{created['body']['id']}")
    block = page.locator("#inc-containment")
    assert "园区防控失效" in block.locator("#cont-held").inner_text()
    assert block.locator("#cont-levels tbody tr").count() == 2
    assert "09:50" in block.locator("tr[data-level=enterprise]").inner_text()
    first = page.locator("#panel-checklist").inner_text()
    assert "切断阀" in first
    shot(page, "incident_park_fire")
