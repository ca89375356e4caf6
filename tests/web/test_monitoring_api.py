"""Monitoring results you can trust (issue 16): plausibility, confirmation, void, import, ingest,
the fit and the uncertainty bands in the package."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.incident_world import report_spill

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 7, 24, 12, 0, tzinfo=SH)


@pytest.fixture
def spill(app, client):
    return report_spill(app, client, NOW)


def far_site(spill, km=60):
    return next(d for d in spill["response"]["downstream"] if d["km"] > km)


def observe(client, spill, **body):
    return client.post(f"/api/incidents/{spill['id']}/observations", json=body)


def test_every_downstream_item_has_p5_p95_bands_around_the_forecast(spill):
    pkg = spill["response"]
    assert pkg["fit"]["n_observations"] == 0 and pkg["fit"]["members"] >= 1000
    for d in pkg["downstream"]:
        assert d["front_at_p05"] <= d["front_at"] <= d["front_at_p95"]
        assert d["peak_at_p05"] <= d["peak_at"] <= d["peak_at_p95"]
        assert d["peak_mg_l_p05"] <= d["peak_mg_l"] <= d["peak_mg_l_p95"]
        assert 0.0 <= d["p_exceed"] <= 1.0
    # the maximum-probable front stays the planning bound: the earliest of the three
    assert all(d["front_at_earliest"] <= d["front_at"] for d in pkg["downstream"])


def test_an_impossibly_early_front_is_refused_with_reasons_and_nothing_saved(client, spill):
    site = far_site(spill)
    resp = observe(client, spill, site_id=site["id"], observed_at="2026-07-23T09:01+08:00",
                   concentration_mg_l=1.0, front_detected=True)
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "implausible_observation" and err["confirm_required"]
    assert [d["code"] for d in err["doubts"]] == ["front_too_early"]
    assert "最大可能流速" in err["doubts"][0]["message_zh"]
    assert "maximum-probable" in err["doubts"][0]["message_en"]
    shown = client.get(f"/api/incidents/{spill['id']}").get_json()
    assert shown["observations"] == []


def test_a_confirmed_implausible_result_is_kept_and_the_confirmation_logged(client, spill):
    site = far_site(spill)
    resp = observe(client, spill, site_id=site["id"], observed_at="2026-07-23T09:01+08:00",
                   concentration_mg_l=1.0, front_detected=True, confirm_implausible=True)
    assert resp.status_code == 201, resp.get_json()
    obs = resp.get_json()["observation"]
    assert obs["doubts"][0]["code"] == "front_too_early" and obs["confirmed_by"] == "admin"
    timeline = client.get(f"/api/incidents/{spill['id']}").get_json()["timeline"]
    confirmed = [e for e in timeline if e["kind"] == "observation_confirmed"]
    assert confirmed and "admin" in confirmed[0]["summary_zh"]


@pytest.mark.parametrize(("body", "code"), [
    ({"observed_at": "2026-07-23T08:00+08:00"}, "before_release"),
    ({"observed_at": "2026-07-25T08:00+08:00"}, "in_future"),
    ({"lon": 125.32, "lat": 43.95, "site_id": None}, "not_downstream"),  # 长春, upstream side
])
def test_times_before_release_or_in_future_and_points_not_downstream_are_doubted(
        client, spill, body, code):
    base = {"site_id": far_site(spill)["id"], "observed_at": "2026-07-23T20:00+08:00",
            "concentration_mg_l": 0.2}
    resp = observe(client, spill, **(base | body))
    assert resp.status_code == 422
    assert code in [d["code"] for d in resp.get_json()["error"]["doubts"]]


def test_not_detected_needs_a_detection_limit_and_a_value_below_it_must_say_so(client, spill):
    site = far_site(spill)["id"]
    resp = observe(client, spill, site_id=site, observed_at="2026-07-23T20:00+08:00",
                   not_detected=True)
    assert resp.status_code == 422
    assert {p["field"] for p in resp.get_json()["error"]["problems"]} == {"detection_limit_mg_l"}
    resp = observe(client, spill, site_id=site, observed_at="2026-07-23T20:00+08:00",
                   concentration_mg_l=0.001, detection_limit_mg_l=0.005)
    assert resp.status_code == 422
    ok = observe(client, spill, site_id=site, observed_at="2026-07-23T20:00+08:00",
                 not_detected=True, detection_limit_mg_l=0.005)
    assert ok.status_code == 201 and ok.get_json()["observation"]["not_detected"]


def test_a_voided_result_is_kept_struck_and_stops_affecting_the_fit(client, spill):
    site = far_site(spill)
    before = site["front_at"]
    late = observe(client, spill, site_id=site["id"], observed_at="2026-07-24T08:00+08:00",
                   concentration_mg_l=0.5, front_detected=True)
    assert late.status_code == 201, late.get_json()
    body = late.get_json()
    assert body["fit"]["n_observations"] == 1
    moved = next(d for d in body["response"]["downstream"] if d["id"] == site["id"])
    assert moved["front_at"] > before
    oid = body["observation"]["id"]
    url = f"/api/incidents/{spill['id']}/observations/{oid}/void"
    assert client.post(url, json={"reason": " "}).status_code == 422
    voided = client.post(url, json={"reason": "采样瓶标签错误"})
    assert voided.status_code == 200, voided.get_json()
    vbody = voided.get_json()
    assert vbody["observation"]["void"] and vbody["observation"]["void_reason"] == "采样瓶标签错误"
    assert vbody["fit"]["n_observations"] == 0
    back = next(d for d in vbody["response"]["downstream"] if d["id"] == site["id"])
    assert back["front_at"] == before
    shown = client.get(f"/api/incidents/{spill['id']}").get_json()
    assert shown["observations"][0]["void"]                       # kept
    assert "observation_voided" in [e["kind"] for e in shown["timeline"]]
    assert client.post(url, json={"reason": "again"}).status_code == 422


def test_the_fit_endpoint_reports_factors_and_residuals(client, spill):
    site = far_site(spill)
    observe(client, spill, site_id=site["id"], observed_at="2026-07-24T08:00+08:00",
            concentration_mg_l=0.5, front_detected=True)
    fit = client.get(f"/api/incidents/{spill['id']}/fit").get_json()
    assert fit["n_observations"] == 1 and fit["sites"][0]["km"] == pytest.approx(site["km"])
    assert fit["residuals"][0]["observed_mg_l"] == 0.5
    assert "front_at_p05" in fit["downstream"][0]


CSV_HEAD = "点位,经度,纬度,采样时间,监测项目,浓度(mg/L),检出限,备注\n"


def upload(client, spill, text, name="results.csv", **form):
    data = {"file": (io.BytesIO(text.encode("utf-8-sig")), name)} | form
    return client.post(f"/api/incidents/{spill['id']}/observations/import", data=data,
                       content_type="multipart/form-data")


def test_a_csv_import_is_all_or_nothing_with_row_and_column_errors(client, spill):
    site = far_site(spill)
    bad = (CSV_HEAD + f"{site['id']},,,2026-07-23 20:00,硝基苯,0.2,0.005,\n"
           f"{site['id']},,,昨天,硝基苯,0.3,0.005,\n"
           f"{site['id']},,,2026-07-23 22:00,硝基苯,很多,0.005,\n")
    resp = upload(client, spill, bad)
    assert resp.status_code == 422
    problems = resp.get_json()["error"]["problems"]
    assert {(p["row"], p["column"]) for p in problems} == {(3, "采样时间"), (4, "浓度(mg/L)")}
    assert client.get(f"/api/incidents/{spill['id']}").get_json()["observations"] == []


def test_a_good_csv_imports_every_row_including_not_detected(client, spill):
    site = far_site(spill)
    good = (CSV_HEAD + f"{site['name_zh']},,,2026-07-23 20:00,硝基苯,未检出,0.005,\n"
            f"{site['id']},,,2026-07-24 02:00,硝基苯,0.3,0.005,实验室\n"
            f"{site['id']},,,2026-07-24 04:00,硝基苯,<0.005,,\n")
    resp = upload(client, spill, good)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["imported"] == 3 and body["fit"]["n_observations"] == 3
    assert [o["not_detected"] for o in body["observations"]] == [True, False, True]
    assert body["observations"][2]["detection_limit_mg_l"] == 0.005


def test_an_xlsx_with_chinese_headings_imports(client, spill):
    from openpyxl import Workbook

    site = far_site(spill)
    wb = Workbook()
    ws = wb.active
    ws.append(["松花江应急监测结果"])
    ws.append(["点位", "经度", "纬度", "采样时间", "监测项目", "浓度(mg/L)", "检出限", "备注"])
    ws.append([site["id"], None, None, datetime(2026, 7, 24, 2, 0), "硝基苯", 0.3, 0.005, ""])
    buf = io.BytesIO()
    wb.save(buf)
    resp = client.post(f"/api/incidents/{spill['id']}/observations/import",
                       data={"file": (io.BytesIO(buf.getvalue()), "r.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["observations"][0]["observed_at"].startswith("2026-07-24T02:00")


def test_a_station_system_ingests_with_its_bearer_token_and_a_viewer_cannot(
        app, anon_client, make_user, spill):
    def token_for(role):
        user = make_user(role)
        resp = anon_client.post("/api/auth/token", json={"username": user.username,
                                                         "password": user.password})
        return {"Authorization": f"Bearer {resp.get_json()['token']}"}

    site = far_site(spill)
    body = {"results": [{"site_id": site["id"], "observed_at": "2026-07-24T02:00+08:00",
                         "concentration_mg_l": 0.3, "parameter": "硝基苯"}]}
    url = f"/api/incidents/{spill['id']}/observations/import"
    assert anon_client.post(url, json=body, headers=token_for("viewer")).status_code == 403
    resp = anon_client.post(url, json=body, headers=token_for("monitoring_system"))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["observations"][0]["source"] == "ingest"
    wrong = {"results": [{"site_id": site["id"], "observed_at": "2026-07-23T09:01+08:00",
                          "concentration_mg_l": 3, "front_detected": True}]}
    refused = anon_client.post(url, json=wrong, headers=token_for("monitoring_system"))
    assert refused.status_code == 422
    assert refused.get_json()["error"]["problems"][0]["field"] == "front_too_early"


def test_results_of_another_parameter_do_not_enter_the_fit(client, spill):
    site = far_site(spill)
    resp = observe(client, spill, site_id=site["id"], observed_at="2026-07-24T02:00+08:00",
                   concentration_mg_l=5.0, parameter="氨氮")
    assert resp.status_code == 201
    assert resp.get_json()["fit"]["n_observations"] == 0


def test_voided_and_upstream_results_stay_out_of_the_first_report(client, spill):
    site = far_site(spill)
    kept = observe(client, spill, site_id=site["id"], observed_at="2026-07-24T02:00+08:00",
                   concentration_mg_l=0.31)
    wrong = observe(client, spill, site_id=site["id"], observed_at="2026-07-24T03:00+08:00",
                    concentration_mg_l=7.77)
    upstream = observe(client, spill, lon=125.32, lat=43.95, observed_at="2026-07-24T03:00+08:00",
                       concentration_mg_l=0.01, confirm_implausible=True)
    assert {kept.status_code, wrong.status_code, upstream.status_code} == {201}
    oid = wrong.get_json()["observation"]["id"]
    client.post(f"/api/incidents/{spill['id']}/observations/{oid}/void", json={"reason": "误录"})
    text = client.get(f"/api/incidents/{spill['id']}/first-report").get_json()["text"]
    assert "0.31 mg/L" in text and "7.77" not in text and "0.01 mg/L" not in text


def test_the_series_at_a_site_has_the_band_around_the_forecast_and_the_results(client, spill):
    site = far_site(spill)
    observe(client, spill, site_id=site["id"], observed_at="2026-07-24T02:00+08:00",
            concentration_mg_l=0.3)
    resp = client.get(f"/api/incidents/{spill['id']}/series?site={site['id']}")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert len(body["times"]) == len(body["p05"]) == len(body["p50"]) == len(body["p95"]) > 50
    assert all(lo <= hi for lo, hi in zip(body["p05"], body["p95"], strict=True))
    assert max(body["p95"]) > max(body["p50"]) > 0
    assert body["observations"][0]["concentration_mg_l"] == 0.3
    assert body["limit_mg_l"] == site["limit_mg_l"]
    assert client.get(f"/api/incidents/{spill['id']}/series?site=nowhere").status_code == 404
    assert client.get(f"/api/incidents/{spill['id']}/series").status_code == 400
