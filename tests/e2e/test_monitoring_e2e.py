"""Monitoring on the incident page in a real browser (issue 16): the P5–P95 bands in the arrival
table, the fit summary, the observed-vs-forecast chart (ECharts, served by the app), an
implausible front refused then accepted with confirmation, a result voided (struck through).
Screenshots go to tests/artifacts/ (incident_monitoring*.png)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import api, api_token

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def live_server(network, tmp_path_factory):
    """A server of this module's own: the incidents its tests open stay off the map the other
    browser tests click on."""
    from tests.e2e.conftest import serve_app

    yield from serve_app(network, tmp_path_factory)


@pytest.fixture(scope="module")
def observed(live_server):
    """An incident 30 hours old with a station's hourly results at a downstream intake."""
    token = api_token(live_server)
    occurred = datetime.now(SHANGHAI) - timedelta(hours=30)
    inc = api(live_server, "POST", "/api/incidents", {
        "lon": 126.55, "lat": 43.86, "substance": "硝基苯", "mass_kg": 15000,
        "occurred_at": occurred.isoformat(timespec="minutes"),
        "discovered_at": (occurred + timedelta(minutes=40)).isoformat(timespec="minutes"),
        "title": "吉林市某化工企业硝基苯泄漏(监测浏览器测试)"}, token)
    site = next(d for d in inc["response"]["downstream"]
                if d["kind"] in ("section", "intake") and 20 < d["km"] < 120)
    peak = datetime.fromisoformat(site["peak_at"]) + timedelta(hours=2)
    results = []
    for h in range(-6, 7):
        at = peak + timedelta(hours=h)
        if at > datetime.now(SHANGHAI):
            break
        value = max(site["peak_mg_l"] * 0.4 * (1 - abs(h) / 7), 0.0)
        row = {"site_id": site["id"], "observed_at": at.isoformat(timespec="minutes"),
               "parameter": "硝基苯"}
        row |= ({"concentration_mg_l": round(value, 4)} if value > 0.001
                else {"not_detected": True, "detection_limit_mg_l": 0.001})
        results.append(row)
    api(live_server, "POST", f"/api/incidents/{inc['id']}/observations/import",
        {"results": results, "confirm_implausible": True}, token)
    return inc["id"], site


def test_bands_fit_and_chart_are_shown_and_a_result_can_be_voided(page, log_in, observed, shot):
    incident_id, site = observed
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    log_in(page, "duty_officer")
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/incidents/{incident_id}")
    page.wait_for_selector("#arr-table tbody tr .band")
    assert "P5–P95" in page.locator("#arr-table tbody tr .band").first.inner_text()
    page.locator("#inc-tabs button[data-tab=monitoring]").click()
    page.wait_for_selector("#series-chart canvas")
    assert "监测结果拟合" in page.locator("#fit-summary").inner_text()
    page.select_option("#series-site", site["id"])
    page.wait_for_timeout(800)
    assert site["name_zh"] in page.locator("#series-caption").inner_text()
    shot(page, "incident_monitoring")
    page.locator("#series-chart").scroll_into_view_if_needed()
    shot(page, "incident_monitoring_chart")
    # void the first result: it stays, struck through, with its reason
    page.on("dialog", lambda d: d.accept("采样瓶污染"))
    before = page.locator("#observations tr.obs-void").count()
    page.locator("#observations .obs-void-btn").first.click()
    page.wait_for_function("n => document.querySelectorAll('#observations tr.obs-void')"
                           ".length > n", arg=before)
    assert "采样瓶污染" in page.locator("#observations tr.obs-void").first.inner_text()
    assert errors == []


def test_an_impossible_front_is_refused_then_accepted_with_confirmation(page, log_in, observed):
    incident_id, site = observed
    log_in(page, "duty_officer")
    page.wait_for_url(page.base_url + "/")
    page.goto(f"{page.base_url}/incidents/{incident_id}")
    page.wait_for_selector("#arr-table tbody tr")
    page.locator("#inc-tabs button[data-tab=monitoring]").click()
    far = page.evaluate("EEC_INCIDENT.state().pkg.downstream.filter(d => d.km > 150 && "
                        "d.kind !== 'boundary' && d.kind !== 'point')[0].id")
    page.select_option("#obs-site", far)
    # one hour after the release, 150 km away
    page.evaluate("""() => { const t = new Date(Date.now() - 29 * 3600 * 1000);
        const p = n => String(n).padStart(2, '0');
        document.getElementById('obs-time').value = `${t.getFullYear()}-${p(t.getMonth() + 1)}-` +
          `${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}`; }""")
    page.fill("#obs-conc", "2")
    page.check("#obs-front")
    page.click("#obs-submit")
    page.wait_for_selector("#obs-confirm")
    assert "最大可能流速" in page.locator("#obs-msg").inner_text()
    page.click("#obs-confirm")
    page.wait_for_selector("#obs-msg .eec-msg.warn:not(:has(#obs-confirm))")
    assert "重新拟合" in page.locator("#obs-msg").inner_text()
