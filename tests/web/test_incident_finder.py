"""Finding incidents (issue 15): /incidents sorts, filters and searches, with a 市/县 column;
open incidents (drills apart) for the province map."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

NOW = datetime(2026, 7, 23, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BASE = {"substance": "硝基苯", "mass_kg": 20000, "occurred_at": "2026-07-23T09:00+08:00",
        "discovered_at": "2026-07-23T09:30+08:00"}


@pytest.fixture
def three(app, client):
    app.config["FIXED_NOW"] = NOW
    made = []
    for title, lon, lat, kg, found in (("吉林市硝基苯泄漏", 126.55, 43.86, 20000, "09:30"),
                                       ("延吉市布尔哈通河泄漏", 129.5, 42.9, 50, "10:30"),
                                       ("长春伊通河泄漏", 125.33, 43.9, 10, "11:00")):
        body = BASE | {"title": title, "lon": lon, "lat": lat, "mass_kg": kg,
                       "discovered_at": f"2026-07-23T{found}+08:00"}
        resp = client.post("/api/incidents", json=body)
        assert resp.status_code == 201, resp.get_json()
        made.append(resp.get_json())
    return made


def rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [r.split("</a>")[0].rsplit(">", 1)[1] for r in body.split("<tr>")[1:]]


def test_the_list_shows_city_and_county_and_sorts(client, three):
    html = client.get("/incidents").get_data(as_text=True)
    assert rows(html) == ["长春伊通河泄漏", "延吉市布尔哈通河泄漏", "吉林市硝基苯泄漏"]
    assert "吉林市 昌邑区" in html and "延边朝鲜族自治州" in html
    oldest = client.get("/incidents?sort=discovered").get_data(as_text=True)
    assert rows(oldest) == ["吉林市硝基苯泄漏", "延吉市布尔哈通河泄漏", "长春伊通河泄漏"]
    tier = {i["title"]: i["tier_level"] for i in three}
    assert len(set(tier.values())) > 1
    by_tier = rows(client.get("/incidents?sort=tier").get_data(as_text=True))
    assert [tier[t] for t in by_tier] == sorted(tier.values())  # the most severe first


def test_the_list_filters_and_searches(client, three):
    assert rows(client.get("/incidents?q=布尔哈通").get_data(as_text=True)) == [
        "延吉市布尔哈通河泄漏"]
    pref = client.get("/incidents", query_string={"prefecture": "吉林市"})
    assert rows(pref.get_data(as_text=True)) == ["吉林市硝基苯泄漏"]
    level = three[2]["tier_level"]
    by_level = rows(client.get(f"/incidents?tier={level}").get_data(as_text=True))
    assert by_level == [i["title"] for i in reversed(three) if i["tier_level"] == level]
    late = client.get("/incidents?from=2026-07-24").get_data(as_text=True)
    assert 'id="inc-none"' in late
    odd = client.get("/incidents?tier=x&from=nonsense&sort=drop")  # ignored, not a 500
    assert odd.status_code == 200 and len(rows(odd.get_data(as_text=True))) == 3


def test_open_incidents_for_the_map_leave_drills_apart(client, three):
    opened = client.get("/api/incidents/open").get_json()
    assert {o["id"] for o in opened} == {i["id"] for i in three}
    first = next(o for o in opened if o["id"] == three[0]["id"])
    assert first["detail_url"] == f"/incidents/{three[0]['id']}"
    assert first["prefecture_zh"] == "吉林市" and first["county_zh"]
    assert client.get("/api/incidents/open?drills=1").get_json() == []
    import re

    page = client.get("/").get_data(as_text=True)
    scripts = [client.get(src).get_data(as_text=True)
               for src in re.findall(r'<script src="(/map/script[^"]+)"', page)]
    declared = page + "".join(scripts)  # the map's layer declarations (inline or a script file)
    assert "/api/incidents/open" in declared and "/api/incidents/open?drills=1" in declared


def test_statistics_count_real_incidents_never_drills(app, client, three):
    from io import BytesIO

    from openpyxl import load_workbook

    drill = client.post("/api/incidents", json=BASE | {"title": "演练", "lon": 126.55,
                                                       "lat": 43.86, "is_drill": True})
    assert drill.status_code == 201
    body = client.get("/api/incidents/stats?year=2026&by=prefecture").get_json()
    assert body["total"] == 3
    assert {c["key"] for c in body["counts"]} >= {"吉林市", "长春市"}
    months = client.get("/api/incidents/stats?year=2026&by=month").get_json()["counts"]
    assert months == [{"key": "2026-07", "count": 3}]
    assert client.get("/api/incidents/stats?year=2025").get_json()["total"] == 0
    assert client.get("/api/incidents/stats?by=nope").status_code == 400
    xlsx = client.get("/api/incidents/stats?year=2026&format=xlsx")
    assert xlsx.status_code == 200
    wb = load_workbook(BytesIO(xlsx.data))
    assert "市(州)" in wb.sheetnames
    assert [r for r in wb["年度"].iter_rows(values_only=True)][-1] == ("合计", 3)
    page = client.get("/incidents/stats?year=2026").get_data(as_text=True)
    assert 'id="stats-prefecture"' in page and "合计 3 起" in page
