"""A station alarm in a real browser (issue 16): a reading above the threshold shows in the
header, the alarms page traces the source (溯源) and one click reports the incident.
Screenshots: tests/artifacts/station_alarm*.png."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import api, api_token

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATION = "dier-songhua-jiang/section-2"   # 第二松花江吉林市—长春市界断面(示例)


@pytest.fixture(scope="module")
def live_server(network, tmp_path_factory):
    """A server of this module's own: the incidents its tests open stay off the map the other
    browser tests click on."""
    from tests.e2e.conftest import serve_app

    yield from serve_app(network, tmp_path_factory)


def test_an_alarm_is_in_the_header_traced_and_reported_in_one_click(page, log_in, live_server,
                                                                    shot):
    token = api_token(live_server)
    at = (datetime.now(SHANGHAI) - timedelta(hours=1)).isoformat(timespec="minutes")
    sent = api(live_server, "POST", f"/api/stations/{STATION}/readings",
               {"readings": [{"parameter": "硝基苯", "value_mg_l": 0.8, "observed_at": at}]},
                token)
    assert sent["alarms"]
    log_in(page, "duty_officer")
    page.wait_for_url(page.base_url + "/")
    page.wait_for_selector("#eec-alarm")
    assert "报警" in page.locator("#eec-alarm").inner_text()
    assert "水质自动站报警" in page.locator("#eec-alarm").get_attribute("title")
    page.click("#eec-alarm")
    page.wait_for_selector("#alarm-list tbody button")
    page.locator("#alarm-list tbody button", has_text="溯源").first.click()
    page.wait_for_selector(".trace-candidates li")
    shot(page, "station_alarm_trace")
    assert page.locator(".trace-candidates li").count() >= 1
    button = page.locator(".make-incident").first
    button.click()
    page.wait_for_url("**/incidents/*")
    page.wait_for_selector("#arr-table tbody tr")
    assert "溯源" in page.locator("body").inner_text()
