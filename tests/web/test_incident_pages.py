"""The incident workspace and river pages through the Flask client: pages render, who may do
what, the path GeoJSON, the polling endpoint, typed coordinates (decimal and 度分秒)."""

from __future__ import annotations

import json
import re

import pytest

from emergency.incidents.geometry import CoordinateError, parse_coordinates
from tests.incident_world import NOW, SPILL, report_spill


@pytest.fixture
def fixed_now(app):
    app.config["FIXED_NOW"] = NOW
    return NOW


@pytest.fixture
def spill(app, client, fixed_now):
    return report_spill(app, client, fixed_now)


@pytest.fixture
def viewer(app, client_as):
    return client_as("viewer")


@pytest.fixture
def officer(app, client_as):
    return client_as("duty_officer")


def page_json(html: str, element_id: str) -> dict:
    start = html.index(f'id="{element_id}">') + len(f'id="{element_id}">')
    return json.loads(html[start:html.index("</script>", start)])


# ----------------------------------------------------------------------------- coordinates
@pytest.mark.parametrize("text", [
    "126.55, 43.86", "126.55 43.86", "126.55,43.86", "43.86, 126.55",
    "126°33′00″E 43°51′36″N", "43°51′36″N 126°33′00″E", "126°33'00\"E, 43°51'36\"N",
    "E126°33′00″ N43°51′36″", "东经126度33分00秒 北纬43度51分36秒", "N43.86 E126.55",
    "１２６．５５，４３．８６", "126°33′E 43°51.6′N",
])
def test_typed_coordinates_are_read_as_decimal_or_dms(text):
    lon, lat = parse_coordinates(text)
    assert lon == pytest.approx(126.55, abs=1e-6) and lat == pytest.approx(43.86, abs=1e-6)


def test_minutes_with_decimals_and_western_hemispheres_are_understood():
    assert parse_coordinates("126°33.5′E 43°51′N") == pytest.approx((126.5583333, 43.85))
    assert parse_coordinates("70°30′W 33°12′S") == pytest.approx((-70.5, -33.2))


@pytest.mark.parametrize("text", ["", "126.55", "abc", "126°61′ 43°", "126.5°33′ 43°",
                                  "43°N 44°N", "126.55, 43.86, 12", "200, 43"])
def test_unreadable_coordinates_are_refused_with_a_message_in_both_languages(text):
    with pytest.raises(CoordinateError) as err:
        parse_coordinates(text)
    assert err.value.message_zh and err.value.message_en


def test_the_coordinates_endpoint_reads_dms_and_explains_errors(client):
    ok = client.get("/api/coordinates", query_string={"q": "126°33′00″E 43°51′36″N"})
    assert ok.get_json() == {"lon": 126.55, "lat": 43.86}
    bad = client.get("/api/coordinates", query_string={"q": "somewhere"})
    assert bad.status_code == 400 and "无法识别坐标" in bad.get_json()["error"]["message_zh"]


# ----------------------------------------------------------------------------- pages
def test_the_incident_list_shows_real_incidents_not_drills(client, spill, fixed_now):
    drill = dict(SPILL, title="演练事件(测试)", is_drill=True)
    assert client.post("/api/incidents", json=drill).status_code == 201
    html = client.get("/incidents").get_data(as_text=True)
    assert spill["title"] in html and "演练事件(测试)" not in html
    assert "I级 特别重大" in html and "红色预警" in html and "已接报" in html
    assert 'id="inc-new"' in html  # an administrator may report


def test_the_nav_links_to_the_incident_and_river_pages(client):
    html = client.get("/incidents").get_data(as_text=True)
    assert 'href="/incidents"' in html and 'href="/rivers"' in html


def test_the_incident_page_says_how_bad_with_reasons_and_embeds_its_state(client, spill):
    resp = client.get(f"/incidents/{spill['id']}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "I级" in html and "特别重大" in html and "红色预警" in html
    assert "松原市第二松花江取水口" in html  # the reason for tier I is on the page
    state = page_json(html, "inc-state")
    assert state["incident"]["id"] == spill["id"]
    assert state["package"]["downstream"] and state["package"]["checklist"]
    assert state["last_event_id"] == max(e["id"] for e in state["events"])
    config = page_json(html, "inc-config")
    assert config["can_write"] and config["can_command"]
    assert config["server_now"].startswith("2026-07-23T10:00:00")
    assert [g["id"] for g in config["groups"]][:2] == ["reporting", "on_site"]
    # served locally, nothing from a CDN
    assert "/static/vendor/leaflet/leaflet.js" in html and "https://" not in html


def test_a_drill_incident_page_carries_the_drill_mark(client, fixed_now):
    row = client.post("/api/incidents", json=dict(SPILL, is_drill=True)).get_json()
    html = client.get(f"/incidents/{row['id']}").get_data(as_text=True)
    assert "【演练】" in html and "is-drill" in html


def test_an_unknown_incident_is_a_404_page(client):
    resp = client.get("/incidents/9999")
    assert resp.status_code == 404 and "未找到" in resp.get_data(as_text=True)


def test_the_print_view_has_the_whole_package_and_the_first_report(client, spill):
    html = client.get(f"/incidents/{spill['id']}/print").get_data(as_text=True)
    for text in ("突发环境事件响应方案", "事件分级依据", "信息报告时限", "下游到达预测", "拦截方案",
                 "任务清单", "下游敏感点位示意图", "关于", "【待填】", "<svg"):
        assert text in html, text


def test_the_intake_page_prefills_the_point_and_lists_substances(officer):
    resp = officer.get("/incidents/new?lon=126.55&lat=43.86")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    config = page_json(html, "intake-config")
    assert config["point"] == {"lon": 126.55, "lat": 43.86}
    assert any(s["zh"] == "硝基苯" and s["limit"] == 0.017 for s in config["substances"])
    assert "按日期自动" in html and "汛期" in html  # the flow default and its explanation


def test_english_pages_speak_english(client, spill):
    html = client.get(f"/incidents/{spill['id']}?lang=en").get_data(as_text=True)
    assert "Tier I" in html and "Red" in html and "Checklist" in html
    assert "任务清单" not in html


# ----------------------------------------------------------------------------- permissions
def test_a_viewer_sees_the_incident_but_cannot_report_or_change_it(viewer, spill, client):
    html = viewer.get(f"/incidents/{spill['id']}").get_data(as_text=True)
    config = page_json(html, "inc-config")
    assert not config["can_write"] and not config["can_command"]
    assert 'id="btn-start"' not in html and 'id="obs-form"' not in html
    assert "只读" in html
    assert viewer.get("/incidents/new").status_code == 403
    assert 'id="inc-new"' not in viewer.get("/incidents").get_data(as_text=True)
    item = spill["response"]["checklist"][0]
    refused = viewer.patch(f"/api/incidents/{spill['id']}/checklist/{item['id']}",
                           json={"status": "done", "version": item["version"]})
    assert refused.status_code == 403
    assert viewer.get(f"/api/incidents/{spill['id']}/changes?since=0").status_code == 200


def test_a_duty_officer_may_write_but_not_terminate_from_the_page(officer, spill):
    config = page_json(officer.get(f"/incidents/{spill['id']}").get_data(as_text=True),
                       "inc-config")
    assert config["can_write"] and not config["can_command"]


def test_pages_need_a_login(anon_client):
    for url in ("/incidents", "/incidents/new", "/incidents/1", "/rivers", "/rivers/songhua-jiang"):
        assert anon_client.get(url).status_code == 302
    assert anon_client.get("/api/incidents/1/changes").status_code == 401


# ----------------------------------------------------------------------------- path and changes
def test_the_path_geojson_is_one_line_from_the_entry_with_km_at_every_vertex(client, spill):
    resp = client.get(f"/api/incidents/{spill['id']}/path.geojson")
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    features = {f["id"]: f for f in resp.get_json()["features"]}
    line = features["path"]
    coords, km = line["geometry"]["coordinates"], line["properties"]["km"]
    assert len(coords) == len(km) > 100
    assert km[0] == 0 and all(b >= a for a, b in zip(km, km[1:], strict=False))
    assert km[-1] == pytest.approx(line["properties"]["length_km"], abs=0.01)
    entry = features["entry"]["geometry"]["coordinates"]
    assert coords[0] == pytest.approx(entry, abs=1e-4)
    pkg = spill["response"]
    assert line["properties"]["length_km"] == pytest.approx(pkg["path"]["length_km"], abs=0.01)
    # a downstream site lies on the line near its km
    site = next(d for d in pkg["downstream"] if d["kind"] == "intake")
    k = min(range(len(km)), key=lambda i: abs(km[i] - site["km"]))
    assert abs(coords[k][0] - site["lon"]) < 0.1 and abs(coords[k][1] - site["lat"]) < 0.1
    assert [r["river_name_zh"] for r in line["properties"]["reaches"]][:2] == ["第二松花江",
                                                                               "松花江"]


def test_changes_returns_new_events_and_the_items_they_touched(client, spill):
    url = f"/api/incidents/{spill['id']}/changes"
    first = client.get(url, query_string={"since": 0}).get_json()
    assert [e["kind"] for e in first["events"]][:2] == ["reported", "graded"]
    since = first["last_event_id"]
    quiet = client.get(url, query_string={"since": since}).get_json()
    assert quiet["events"] == [] and quiet["checklist"] == [] and quiet["last_event_id"] == since
    item = spill["response"]["checklist"][3]
    client.patch(f"/api/incidents/{spill['id']}/checklist/{item['id']}",
                 json={"status": "done", "version": item["version"]})
    after = client.get(url, query_string={"since": since}).get_json()
    assert [e["kind"] for e in after["events"]] == ["checklist"]
    assert [(i["id"], i["status"], i["version"]) for i in after["checklist"]] == [
        (item["id"], "done", item["version"] + 1)]
    assert after["last_event_id"] > since and not after["refresh_package"]
    assert after["incident"]["status"] == "reported" and after["incident"]["tier_level"] == 1


def test_changes_asks_for_a_package_reload_after_an_observation(client, spill):
    url = f"/api/incidents/{spill['id']}/changes"
    since = client.get(url).get_json()["last_event_id"]
    site = next(d for d in spill["response"]["downstream"] if d["kind"] == "section")
    client.post(f"/api/incidents/{spill['id']}/observations",
                json={"site_id": site["id"], "observed_at": "2026-07-23T09:55+08:00",
                      "concentration_mg_l": 0.5})
    after = client.get(url, query_string={"since": since}).get_json()
    assert after["refresh_package"] and "observation" in {e["kind"] for e in after["events"]}


def test_changes_refuses_a_bad_since(client, spill):
    resp = client.get(f"/api/incidents/{spill['id']}/changes?since=abc")
    assert resp.status_code == 400
    assert client.get("/api/incidents/9999/changes").status_code == 404


def test_the_map_background_is_small_cached_geojson(client):
    resp = client.get("/api/map/context.geojson", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    assert len(resp.data) < 150_000
    again = client.get("/api/map/context.geojson", headers={"If-None-Match": resp.headers["ETag"]
                                                           .removeprefix("W/")})
    assert again.status_code == 304
    kinds = {f["properties"]["k"] for f in client.get("/api/map/context.geojson")
             .get_json()["features"]}
    assert kinds >= {"river", "prefecture", "province", "lake", "city"}


def test_the_province_map_offers_report_here_and_uses_plan_rivers_as_key_rivers(client, app):
    html = client.get("/").get_data(as_text=True)
    script = re.search(r'src="(/map/script\.[0-9a-f]{16}\.js)"', html).group(1)
    html += client.get(script).get_data(as_text=True)  # the map's own script file (CSP)
    assert "intake_map.js" in html and "EEC_REPORT_HERE" in html and "/incidents/new" in html
    assert "第二松花江" in app.config["KEY_RIVERS"]
    assert "not a river" not in app.config["KEY_RIVERS"]


# ----------------------------------------------------------------------------- river pages
def test_the_river_list_shows_every_plan_marked_sample(client, app):
    html = client.get("/rivers").get_data(as_text=True)
    plans = app.extensions["plans"].get()
    assert html.count('href="/rivers/') == len(plans) > 40
    assert "第二松花江" in html and "示例" in html


def test_a_river_page_has_its_map_data_and_tables(client):
    resp = client.get("/rivers/dier-songhua-jiang")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for text in ("第二松花江", "敏感目标", "环境应急空间与设施", "应急处置卡", "责任单位联系方式",
                 "丰满水电站大坝(示例)", "吉林市生态环境局", "示例数据", "有机毒物"):
        assert text in html, text
    data = page_json(html, "river-data")
    assert data["river"]["type"] == "MultiLineString" and data["river"]["coordinates"]
    assert {s["kind"] for s in data["sites"]} >= {"intake", "section", "intercept"}


def test_an_unknown_river_is_a_404(client):
    assert client.get("/rivers/no-such-river").status_code == 404
