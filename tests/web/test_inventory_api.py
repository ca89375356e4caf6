"""The inventory API: listings, filters, bilingual 400s, export, all-or-nothing import."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from emergency.inventory import service
from emergency.inventory.sample import generate_sample
from emergency.substances import load_catalogue

AS_OF = date(2026, 5, 20)
KINDS = ("risk_sources", "materials", "teams", "experts")


@pytest.fixture(scope="module")
def sample(network):
    return generate_sample(network, load_catalogue(), as_of=AS_OF)


@pytest.fixture
def api(app, client, sample, request):
    """A client on a database holding the sample, allowed to read and import.

    When the login layer is installed, it logs in as a data steward (数据管理员).
    """
    app.config["FIXED_NOW"] = datetime(2026, 5, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with app.extensions["database"].session() as s:
        for kind in KINDS:
            service.apply_rows(s, kind, sample.records(kind))
    if "auth" in app.blueprints:
        user = request.getfixturevalue("make_user")("data_steward")
        request.getfixturevalue("login")(client, user)
    return client


def ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    return resp.get_json()


def error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    err = resp.get_json()["error"]
    assert err["code"] == code and err["message_zh"] and err["message_en"]
    return err


# ----------------------------------------------------------------------------- listings
def test_risk_sources_are_listed_by_kind_with_the_seed_counts(api):
    assert ok(api.get("/api/risk-sources"))["count"] == 173
    counts = {kind: ok(api.get(f"/api/risk-sources?kind={kind}"))["count"]
              for kind in ("enterprise", "tailings_pond", "chemical_park")}
    assert counts == {"enterprise": 52, "tailings_pond": 99, "chemical_park": 22}
    assert ok(api.get("/api/risk-sources?kind=尾矿库"))["count"] == 99


def test_a_risk_source_carries_its_substances_and_discharge_route(api):
    body = ok(api.get("/api/risk-sources?kind=chemical_park&county=龙潭区"))
    park = next(r for r in body["risk_sources"] if r["name_zh"] == "吉林化学工业循环经济示范园区")
    assert park["county_zh"] == "龙潭区" and park["prefecture_zh"] == "吉林市"
    assert park["discharge"]["joins_river_zh"] == "第二松花江"
    assert park["discharge"]["entry"]["segment_id"] > 0 and park["discharge"]["outfall"]
    assert all(s["name_zh"] and s["max_t"] > 0 for s in park["substances"])
    assert park["sample"] is True and park["version"] == 1


def test_filters_narrow_the_risk_sources(api):
    every = ok(api.get("/api/risk-sources"))["risk_sources"]
    river = ok(api.get("/api/risk-sources?river=第二松花江"))["risk_sources"]
    by_slug = ok(api.get("/api/risk-sources?river=dier-songhua-jiang"))["risk_sources"]
    assert 0 < len(river) < len(every) and river == by_slug
    assert all("第二松花江" in (r["discharge"]["receiving_river_zh"],
                                r["discharge"]["joins_river_zh"]) for r in river)
    yanbian = ok(api.get("/api/risk-sources?prefecture=延边"))["risk_sources"]
    assert yanbian and {r["prefecture_zh"] for r in yanbian} == {"延边朝鲜族自治州"}
    cyanide = ok(api.get("/api/risk-sources?substance=氰化钠"))["risk_sources"]
    assert cyanide and {r["kind"] for r in cyanide} == {"tailings_pond"}
    box = ok(api.get("/api/risk-sources?bbox=126.3,43.7,126.8,44.1"))["risk_sources"]
    assert box and all(126.3 <= r["lon"] <= 126.8 and 43.7 <= r["lat"] <= 44.1 for r in box)
    assert len(box) < len(every)
    by_code = ok(api.get("/api/risk-sources?county=220203"))["risk_sources"]
    assert by_code == ok(api.get("/api/risk-sources?county=龙潭区"))["risk_sources"]


@pytest.mark.parametrize("query, parameter", [
    ("bbox=126,43,125", "bbox"),
    ("bbox=127,43,126,44", "bbox"),
    ("bbox=a,b,c,d", "bbox"),
    ("county=海淀区", "county"),
    ("prefecture=沈阳市", "prefecture"),
    ("kind=factory", "kind"),
    ("river=莱茵河", "river"),
    ("substance=unobtainium", "substance"),
])
def test_bad_filters_are_400_in_both_languages(api, query, parameter):
    err = error(api.get(f"/api/risk-sources?{query}"), 400, "invalid_parameter")
    assert parameter in err["message_en"]


def test_materials_by_category_keep_only_that_category_and_flag_expiry(api):
    body = ok(api.get("/api/materials"))
    assert body["count"] == 20 and body["items"] > 200
    assert any(d["expired_items"] for d in body["depots"])
    item = next(i for d in body["depots"] for i in d["items"] if i["expired"])
    assert item["days_to_expiry"] < 0 and item["expiring_soon"] is False
    monitoring = ok(api.get("/api/materials?category=环境监测"))
    assert 0 < monitoring["count"] <= 20
    assert {i["category"] for d in monitoring["depots"] for i in d["items"]} == {"环境监测"}
    expired = ok(api.get("/api/materials?expired=1"))["depots"]
    assert expired and all(d["expired_items"] for d in expired)
    changchun = ok(api.get("/api/materials?prefecture=长春市&storage_mode=协议储备"))["depots"]
    assert [d["name_zh"] for d in changchun] == ["示例省级环境应急物资储备库02(长春市)"]
    error(api.get("/api/materials?category=食品"), 400, "invalid_parameter")


def test_teams_and_experts_are_listed_and_filtered(api):
    teams = ok(api.get("/api/teams"))
    assert teams["count"] == 17
    provincial = ok(api.get("/api/teams?level=省级"))["teams"]
    assert len(provincial) == 2
    assert ok(api.get("/api/teams?level=provincial"))["teams"] == provincial
    assert len({t["prefecture_zh"] for t in ok(api.get("/api/teams?level=市级"))["teams"]}) == 9
    experts = ok(api.get("/api/experts"))
    assert experts["count"] == 20 and "phone" in experts["experts"][0]
    jilin = ok(api.get("/api/experts?prefecture=吉林市"))["experts"]
    assert jilin and {e["prefecture_zh"] for e in jilin} == {"吉林市"}


def test_substances_come_from_the_catalogue_and_filter_by_class(api):
    every = ok(api.get("/api/substances"))
    assert every["count"] == len(load_catalogue())
    metals = ok(api.get("/api/substances?class=heavy_metal"))["substances"]
    assert metals and all(s["heavy_metal_or_metalloid"] for s in metals)
    nitro = ok(api.get("/api/substances?q=硝基苯"))["substances"]
    assert nitro[0]["cas"] == "98-95-3" and nitro[0]["limit_mg_l"] == 0.017
    error(api.get("/api/substances?class=radioactive"), 400, "invalid_parameter")


# ----------------------------------------------------------------------------- files
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_file_imports_back_without_changing_anything(api, fmt):
    before = ok(api.get("/api/materials"))
    resp = api.get(f"/api/inventory/materials.{fmt}")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    body = ok(api.post("/api/inventory/materials/import",
                       data={"file": (io.BytesIO(resp.data), f"materials.{fmt}")}))
    assert (body["inserted"], body["updated"], body["unchanged"]) == (0, 0, 20)
    assert body["rows_read"] == before["items"]
    assert any(w["code"] == "expired" for w in body["warnings"])
    assert ok(api.get("/api/materials")) == before


def test_geojson_exports_every_map_layer_but_not_the_experts(api):
    for kind, n in (("risk-sources", 173), ("materials", 20), ("teams", 17)):
        resp = api.get(f"/api/inventory/{kind}.geojson")
        assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
        layer = json.loads(resp.data)
        assert len(layer["features"]) == n
    error(api.get("/api/inventory/experts.geojson"), 404, "no_geometry")
    error(api.get("/api/inventory/pipelines.csv"), 404, "unknown_inventory")
    error(api.get("/api/inventory/teams.pdf"), 404, "unknown_format")


def test_a_template_has_the_headings_only(api):
    resp = api.get("/api/inventory/risk-sources/template.csv")
    text = resp.data.decode("utf-8-sig")
    assert text.startswith("风险源类型,名称,") and text.count("\n") == 1


def test_an_import_with_bad_rows_is_422_lists_every_error_and_writes_nothing(api):
    text = api.get("/api/inventory/teams.csv").data.decode("utf-8-sig")
    head, *rows = csv.reader(io.StringIO(text, newline=""))
    rows[2][head.index("队员人数")] = "十二"
    rows[4][head.index("经度")] = "126.55"    # 吉林市, not in the team's county
    rows[4][head.index("纬度")] = "43.86"
    rows[5][head.index("队伍名称")] = "示例新队伍"   # a good change, not applied either
    out = io.StringIO(newline="")
    csv.writer(out).writerows([head, *rows])
    data = out.getvalue().encode()
    before = ok(api.get("/api/teams"))
    err = error(api.post("/api/inventory/teams/import",
                         data={"file": (io.BytesIO(data), "teams.csv")}), 422, "invalid_rows")
    found = [(e["row"], e["column"], e["code"]) for e in err["details"]["errors"]]
    assert found == [(4, "队员人数", "not_a_number"), (6, "经度", "outside_declared_county")]
    assert all(e["message_zh"] and e["message_en"] for e in err["details"]["errors"])
    assert ok(api.get("/api/teams")) == before


def test_a_corrupt_workbook_is_422_and_a_dry_run_writes_nothing(api):
    err = error(api.post("/api/inventory/materials/import",
                         data={"file": (io.BytesIO(b"PK\x03\x04junk"), "m.xlsx")}), 422,
                "invalid_rows")
    assert err["details"]["errors"][0]["code"] == "unreadable_file"
    csv = api.get("/api/inventory/experts.csv").data.decode("utf-8-sig")
    new = "新专家,环境化学,教授,示例高校环境学院,长春市,13900000001,是"
    extra = csv.rstrip("\r\n") + "\r\n" + new + "\r\n"
    body = ok(api.post("/api/inventory/experts/import?dry_run=1",
                       data={"file": (io.BytesIO(extra.encode()), "experts.csv")}))
    assert body["dry_run"] is True and body["inserted"] == 1
    assert ok(api.get("/api/experts"))["count"] == 20
    body = ok(api.post("/api/inventory/experts/import",
                       data={"file": (io.BytesIO(extra.encode()), "experts.csv")}))
    assert body["inserted"] == 1 and ok(api.get("/api/experts"))["count"] == 21


def test_an_import_without_a_file_is_400(api):
    error(api.post("/api/inventory/teams/import", data={}), 400, "missing_file")


def test_data_load_loads_the_sample_inventories_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["data", "load"])
    assert first.exit_code == 0, first.output
    assert "loaded 173 sample records" in first.output
    assert "chemical_park 22, enterprise 52, tailings_pond 99" in first.output
    second = runner.invoke(args=["data", "load"])
    assert "kept (table not empty); 173 in the database" in second.output
