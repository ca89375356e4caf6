"""Reports (信息报告, issue 15): 初报, numbered 续报 and 处理结果报告 drafted from the incident,
with 市/县 in the place, complete measure sentences, monitoring as a table; downloadable .docx that
python-docx reads back; edits versioned (stale → 409); sending recorded against the legal clock."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from docx import Document

NOW = datetime(2026, 7, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SPILL = {"lon": 126.55, "lat": 43.86, "substance": "硝基苯", "mass_kg": 20000,
         "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:30+08:00",
         "title": "吉林市硝基苯泄漏(报告测试)",
         "description": "化工企业储罐阀门破裂,物料经雨水管网入河"}


@pytest.fixture
def spill(app, client):
    app.config["FIXED_NOW"] = NOW
    resp = client.post("/api/incidents", json=SPILL)
    assert resp.status_code == 201
    return resp.get_json()


def base(spill):
    return f"/api/incidents/{spill['id']}/reports"


def test_the_first_report_names_the_city_and_county_and_opens_as_word(client, spill):
    item = next(i for i in spill["response"]["checklist"] if i["kind"] == "close_intake")
    client.patch(f"/api/incidents/{spill['id']}/checklist/{item['id']}",
                 json={"status": "done", "version": item["version"]})
    client.post(f"/api/incidents/{spill['id']}/observations",
                json={"site_id": item["key"].split(":")[1],
                      "observed_at": "2026-07-23T09:50+08:00", "concentration_mg_l": 0.5})
    made = client.post(base(spill), json={"kind": "first", "signer": "张三",
                                          "info_source": "企业报告"})
    assert made.status_code == 201, made.get_json()
    r = made.get_json()
    text = r["text"]
    place = next(line for line in text.splitlines() if line.startswith("二、"))
    where = place.split("污染物")[0]  # 省/市/县 and coordinates: known, never 【待填】
    assert "吉林省吉林市" in where and "区境内" in where and "【待填】" not in where
    assert "第二松花江" in place and "km" in place
    measures = next(line for line in text.splitlines() if line.startswith("十、"))
    assert item["text_zh"].rstrip("。") in measures  # the whole sentence, not cut
    assert "企业报告" in text and "张三" in text and "储罐阀门破裂" in text
    assert r["table_rows"] and r["table_rows"][0][3] == "0.5"
    docx = client.get(r["docx"])
    assert docx.status_code == 200
    assert docx.mimetype.endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(docx.data))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert r["title"] in body and "吉林市" in body
    assert doc.tables and doc.tables[0].rows[1].cells[1].text
    again = client.post(base(spill), json={"kind": "first"})
    assert again.status_code == 422


def test_follow_ups_are_numbered_and_a_final_report_follows(client, spill):
    client.post(base(spill), json={"kind": "first"})
    one = client.post(base(spill), json={"kind": "follow_up"}).get_json()
    two = client.post(base(spill), json={"kind": "follow_up"}).get_json()
    assert (one["number"], two["number"]) == (1, 2) and "续报(第2次)" in two["title"]
    final = client.post(base(spill), json={"kind": "final"}).get_json()
    assert "处理结果报告" in final["title"] and "遗留问题" in final["text"]
    assert [r["kind"] for r in client.get(base(spill)).get_json()["reports"]] == [
        "first", "follow_up", "follow_up", "final"]


def test_edits_are_versioned_and_the_sending_is_recorded_against_the_clock(client, spill):
    r = client.post(base(spill), json={"kind": "first"}).get_json()
    url = f"{base(spill)}/{r['id']}"
    edited = client.patch(url, json={"text": r["text"] + "\n补充:企业已停产。",
                                     "signer": "李四", "version": r["version"]})
    assert edited.status_code == 200 and edited.get_json()["signer"] == "李四"
    stale = client.patch(url, json={"text": "x", "version": r["version"]})
    assert stale.status_code == 409
    missing = client.post(f"{url}/sent", json={"version": edited.get_json()["version"]})
    assert missing.status_code == 422
    sent = client.post(f"{url}/sent", json={"sent_to": "吉林市人民政府、吉林省生态环境厅",
                                            "sent_at": "2026-07-23T11:00+08:00",
                                            "version": edited.get_json()["version"]})
    assert sent.status_code == 200, sent.get_json()
    body = sent.get_json()
    assert body["sent_at"] == "2026-07-23T11:00+08:00" and body["on_time"] is True
    assert body["due_at"] == "2026-07-23T11:30+08:00"
    locked = client.patch(url, json={"text": "改", "version": body["version"]})
    assert locked.status_code == 422
    timeline = client.get(f"/api/incidents/{spill['id']}").get_json()["timeline"]
    assert any(e["kind"] == "report_sent" for e in timeline)
