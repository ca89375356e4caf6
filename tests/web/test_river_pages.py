"""The river page's risk sources (风险源) section and map markers, with the sample inventory.

The page's other sections are tested in ``test_incident_pages.py``.
"""

from __future__ import annotations

import json

REAL_PARK = "吉林化学工业循环经济示范园区"


def page_json(html: str, element_id: str) -> dict:
    start = html.index(f'id="{element_id}">') + len(f'id="{element_id}">')
    return json.loads(html[start:html.index("</script>", start)])


def section(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start:html.index("</table>", start)]


def test_the_river_page_lists_its_risk_sources_from_upstream(loaded, client):
    html = client.get("/rivers/dier-songhua-jiang").get_data(as_text=True)
    assert "<h2" in html and ">风险源</h2>" in html and "主要物质(最大存在量)" in html
    table = section(html, "river-risk-sources")
    assert REAL_PARK in table and "化工园区" in table and "重大风险源企业" in table
    assert "尾矿库" in table and "经未命名河道汇入(" in table and "直接入河" in table
    assert "示例</span>" in table and "龙潭区" in table and " t" in table
    rows = [r.split('class="num">', 1)[1].split("<", 1)[0]
            for r in table.split("<tr data-risk-source=")[1:]]
    kms = [float(x) for x in rows]
    assert len(kms) > 10 and kms == sorted(kms)
    elsewhere = client.get("/api/plans/hun-jiang").get_json()["risk_sources"]  # 鸭绿江 basin
    assert elsewhere and not any(r["name_zh"] in table for r in elsewhere)


def test_the_risk_sources_are_markers_on_the_river_map_with_a_legend_entry(loaded, client):
    data = page_json(client.get("/rivers/dier-songhua-jiang").get_data(as_text=True),
                     "river-data")
    risks = [s for s in data["sites"] if s["kind"] == "risk_source"]
    park = next(s for s in risks if s["name_zh"] == REAL_PARK)
    assert 126 < park["lon"] < 127 and 43.5 < park["lat"] < 44.5 and park["km"] > 0
    assert {"kind": "risk_source", "label": "风险源", "colour": park["colour"]} in data["kinds"]
    assert {s["kind"] for s in data["sites"]} >= {"intake", "intercept", "risk_source"}


def test_the_risk_sources_section_is_in_english_on_request(loaded, client):
    html = client.get("/rivers/dier-songhua-jiang?lang=en").get_data(as_text=True)
    table = section(html, "river-risk-sources")
    assert ">Risk sources</h2>" in html and "Main substances (maximum)" in html
    assert "chemical park" in table and "via unnamed channel (" in table and "directly" in table
    assert "benzene" in table and "major" in table
    legend = page_json(html, "river-data")["kinds"]
    assert {"kind": "risk_source", "label": "risk source", "colour": "#ef6c00"} in legend


def test_a_river_page_without_an_inventory_says_there_are_none(client):
    html = client.get("/rivers/dier-songhua-jiang").get_data(as_text=True)
    assert ">风险源</h2>" in html and "无</td>" in section(html, "river-risk-sources")


def test_the_plan_list_counts_each_rivers_risk_sources(loaded, client):
    html = client.get("/rivers").get_data(as_text=True)
    row = html.split('href="/rivers/dier-songhua-jiang"', 1)[1].split("</tr>", 1)[0]
    cells = [c.split("<", 1)[0] for c in row.split('<td class="num">')[1:]]
    expected = len(client.get("/api/plans/dier-songhua-jiang").get_json()["risk_sources"])
    assert expected > 10 and cells[-1] == str(expected)
