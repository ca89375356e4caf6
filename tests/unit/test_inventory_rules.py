"""Inventory files: every bad row reported with row, column and reason; the real river network."""

from __future__ import annotations

import io
from datetime import date

import pytest
import shapely

from emergency.inventory.columns import COLUMNS
from emergency.inventory.places import places_for
from emergency.inventory.rules import RuleSettings, has_content, parse_rows
from emergency.inventory.tables import write_csv, write_xlsx
from emergency.substances import load_catalogue
from rivers.geo import project, unproject

TODAY = date(2026, 5, 20)
SETTINGS = RuleSettings(today=TODAY)


def inside(network, county: str, shrink_m: float = 2000.0) -> tuple[float, float]:
    """A point well inside a county (WGS84, rounded like a steward's 6 decimals)."""
    places = places_for(network)
    polygon = places.polygon(places.county(county)).buffer(-shrink_m)
    p = polygon.representative_point()
    lon, lat = unproject(p.x, p.y)
    return round(float(lon), 6), round(float(lat), 6)


def material_row(network, **overrides) -> dict:
    lon, lat = inside(network, "南关区")
    row = {"储备库名称": "测试物资库", "单位名称": "测试生态环境局", "单位类型": "生态环境部门",
           "储备方式": "自储", "所在市(州)": "长春市", "所在县(市、区)": "南关区",
           "详细地址": "测试路1号", "经度": lon, "纬度": lat, "联系人": "测试员",
           "联系电话": "0431-88888888", "物资名称": "活性炭", "类别": "污染物收集",
           "规格型号": "颗粒", "数量": 20, "计量单位": "吨", "主要用途": "吸附",
           "有效期至": "2028-01-31", "核实日期": "2026-05-10", "示例数据": "否"}
    return row | overrides


def csv_of(kind: str, rows: list[dict], headings: list[str] | None = None) -> bytes:
    headings = headings or [c.heading for c in COLUMNS[kind] if not c.computed]
    return write_csv(headings, [[r.get(h) for h in headings] for r in rows])


def parse(network, kind: str, data: bytes, filename: str = "data.csv", **kw):
    settings = RuleSettings(today=TODAY, **kw)
    return parse_rows(kind, data, filename, network=network, settings=settings,
                      catalogue=load_catalogue())


def errors_by_row(parsed) -> dict[int | None, list]:
    out: dict[int | None, list] = {}
    for e in parsed.errors:
        out.setdefault(e.row, []).append(e)
    return out


# ----------------------------------------------------------------------------- materials
def test_rows_of_a_depot_become_one_depot_with_its_items_and_units_are_normalised(network):
    rows = [material_row(network),
            material_row(network, 物资名称="围油栏", 类别="污染物控制", 数量="1,200", 计量单位="米",
                         有效期至=None),
            material_row(network, 物资名称="沙袋", 类别="污染源切断", 数量=5000, 计量单位="个",
                         有效期至="")]
    parsed = parse(network, "materials", csv_of("materials", rows))
    assert parsed.ok, parsed.errors
    (depot,) = parsed.records
    assert depot.name == "测试物资库" and depot.county_zh == "南关区"
    assert depot.prefecture_zh == "长春市" and depot.county_adcode == 220102
    assert [(i.item, i.quantity, i.unit) for i in depot.items] == [
        ("活性炭", 20.0, "t"), ("围油栏", 1200.0, "m"), ("沙袋", 5000.0, "个")]
    assert depot.items[0].expiry == date(2028, 1, 31) and depot.items[1].expiry is None


def test_every_bad_row_is_reported_with_its_row_number_column_heading_and_both_languages(network):
    rows = [material_row(network),                                          # row 2: good
            material_row(network, 物资名称="石灰", 数量=-3),                   # row 3
            material_row(network, 物资名称="PAC", 类别="絮凝剂"),               # row 4
            material_row(network, 物资名称="沙袋", 计量单位="堆"),               # row 5
            material_row(network, 物资名称="吸油毡", 有效期至="31.12.2027"),     # row 6
            material_row(network, 物资名称="防化服", 联系电话="call me"),        # row 7
            material_row(network, 物资名称=None, 类别=None, 数量=None, 计量单位="套"),  # row 8
            material_row(network, 物资名称="PAM", 单位名称="另一单位")]          # row 9
    parsed = parse(network, "materials", csv_of("materials", rows))
    assert not parsed.ok and parsed.records == ()
    found = {(e.row, e.column, e.code) for e in parsed.errors}
    assert (3, "数量", "negative") in found
    assert (4, "类别", "not_allowed") in found
    assert (5, "计量单位", "unknown_unit") in found
    assert (6, "有效期至", "invalid_date") in found
    assert (7, "联系电话", "invalid_phone") in found
    assert {(8, "物资名称", "required"), (8, "类别", "required"), (8, "数量", "required")} <= found
    # the depot's holder differs on row 9 from row 2: reported, naming row 2
    mismatch = [e for e in parsed.errors if e.code == "depot_mismatch"]
    assert [(e.row, e.column) for e in mismatch] == [(9, "单位名称")]
    assert "第 2 行" in mismatch[0].message_zh
    assert all(e.message_zh and e.message_en for e in parsed.errors)
    assert 2 not in errors_by_row(parsed)


def test_dates_are_read_as_iso_or_with_slashes(network):
    rows = [material_row(network, 物资名称="活性炭", 有效期至="2027/3/5"),
            material_row(network, 物资名称="石灰", 有效期至="2027-03-06"),
            material_row(network, 物资名称="沙袋", 有效期至="2027/02/30")]
    parsed = parse(network, "materials", csv_of("materials", rows))
    assert [(e.row, e.code) for e in parsed.errors] == [(4, "invalid_date")]
    ok = parse(network, "materials", csv_of("materials", rows[:2]))
    assert [i.expiry for i in ok.records[0].items] == [date(2027, 3, 5), date(2027, 3, 6)]


def test_expired_and_soon_expiring_materials_are_flagged_as_warnings_not_errors(network):
    rows = [material_row(network, 物资名称="活性炭", 有效期至="2026-01-31"),
            material_row(network, 物资名称="石灰", 有效期至="2026-06-30"),
            material_row(network, 物资名称="沙袋", 有效期至="2027-12-31")]
    parsed = parse(network, "materials", csv_of("materials", rows))
    assert parsed.ok and len(parsed.records[0].items) == 3
    assert [(w.row, w.column, w.code) for w in parsed.warnings] == [
        (2, "有效期至", "expired"), (3, "有效期至", "expiring_soon")]


def test_duplicate_items_of_a_depot_are_refused_naming_the_first_row(network):
    rows = [material_row(network), material_row(network, 数量=30)]
    parsed = parse(network, "materials", csv_of("materials", rows))
    (err,) = parsed.errors
    assert (err.row, err.column, err.code) == (3, "物资名称", "duplicate_item")
    assert "第 2 行" in err.message_zh and "row 2" in err.message_en


def test_a_depot_without_items_is_one_row_with_empty_item_columns(network):
    row = material_row(network, 物资名称=None, 类别=None, 规格型号=None, 数量=None, 计量单位=None,
                       主要用途=None, 有效期至=None)
    parsed = parse(network, "materials", csv_of("materials", [row]))
    assert parsed.ok and parsed.records[0].items == ()


# ----------------------------------------------------------------------------- places
def test_coordinates_outside_the_declared_county_are_refused_naming_where_they_are(network):
    lon, lat = inside(network, "龙潭区")
    parsed = parse(network, "materials", csv_of("materials", [
        material_row(network, 经度=lon, 纬度=lat)]))
    (err,) = parsed.errors
    assert (err.row, err.column, err.code) == (2, "经度", "outside_declared_county")
    assert "龙潭区" in err.message_zh and "南关区" in err.message_zh


def test_a_point_just_across_a_county_boundary_is_accepted_with_a_warning(network):
    places = places_for(network)
    nanguan = places.polygon(places.county("南关区"))
    chaoyang = places.polygon(places.county("朝阳区"))
    shared = nanguan.boundary.intersection(chaoyang.boundary)
    mid = shapely.line_interpolate_point(shapely.line_merge(shared), 0.5, normalized=True)
    # 300 m into 朝阳区, away from 南关区
    target = chaoyang.buffer(-300).boundary
    p = shapely.ops.nearest_points(target, mid)[0]
    lon, lat = (round(float(v), 6) for v in unproject(p.x, p.y))
    assert places.locate_many([lon], [lat])[0].county.name_zh == "朝阳区"
    parsed = parse(network, "materials", csv_of("materials", [
        material_row(network, 经度=lon, 纬度=lat)]))
    assert parsed.ok
    assert [(w.column, w.code) for w in parsed.warnings] == [("经度", "near_county_boundary")]
    strict = parse(network, "materials", csv_of("materials", [
        material_row(network, 经度=lon, 纬度=lat)]), county_tolerance_m=100.0)
    assert [e.code for e in strict.errors] == ["outside_declared_county"]


def test_a_point_outside_jilin_and_swapped_coordinates_are_refused(network):
    rows = [material_row(network, 储备库名称="库一", 经度=123.43, 纬度=41.80),   # 沈阳
            material_row(network, 储备库名称="库二", 经度=43.88, 纬度=125.33)]
    parsed = parse(network, "materials", csv_of("materials", rows))
    codes = {(e.row, e.code) for e in parsed.errors}
    assert codes == {(2, "outside_jilin"), (3, "swapped_coordinates")}
    outside = next(e for e in parsed.errors if e.code == "outside_jilin")
    assert "辽宁省" in outside.message_zh


def test_short_county_names_and_full_width_headings_are_accepted(network):
    lon, lat = inside(network, "伊通满族自治县")
    row = material_row(network, 经度=lon, 纬度=lat)
    row.pop("所在县(市、区)")
    row.pop("所在市(州)")
    row["所在县(市、区)"] = "伊通县"
    headings = [h.replace("(", "(").replace(")", ")") for h in row]
    data = write_csv(headings, [[row[h] for h in row]])
    parsed = parse(network, "materials", data)
    assert parsed.ok, parsed.errors
    assert parsed.records[0].county_zh == "伊通满族自治县"
    assert parsed.records[0].prefecture_zh == "四平市"


def test_a_county_that_is_not_in_the_declared_prefecture_is_refused(network):
    parsed = parse(network, "materials", csv_of("materials", [
        material_row(network, **{"所在市(州)": "吉林市"})]))
    assert {e.code for e in parsed.errors} == {"unknown_county"}
    parsed = parse(network, "materials", csv_of("materials", [
        material_row(network, **{"所在县(市、区)": "和平区"})]))
    assert [e.column for e in parsed.errors] == ["所在县(市、区)"]


# ----------------------------------------------------------------------------- risk sources
def risk_row(network, **overrides) -> dict:
    return {"风险源类型": "重大风险源企业", "名称": "测试化工企业", "运营单位": "测试化工有限公司",
            "行业类别": "有机化工原料制造", "所在市(州)": "吉林市", "所在县(市、区)": "龙潭区",
            "经度": 126.5201, "纬度": 43.9301, "风险物质及最大存在量(t)": "硝基苯:120;苯 300",
            "环境风险等级": "重大", "联系人": "测试员", "联系电话": "13900000000",
            "核实日期": "2026/05/10", "示例数据": "是"} | overrides


def test_a_risk_source_is_snapped_to_its_receiving_river(network):
    parsed = parse(network, "risk_sources", csv_of("risk_sources", [risk_row(network)]))
    assert parsed.ok, parsed.errors
    (src,) = parsed.records
    assert src.kind == "enterprise" and src.sample is True
    assert [(s.substance_id, s.max_t) for s in src.substances] == [
        ("nitrobenzene", 120.0), ("benzene", 300.0)]
    snap = network.snap(126.5201, 43.9301)
    assert src.entry_seg_id == snap.seg_id and src.entry_distance_m == snap.distance_m
    assert src.joins_river_zh == "第二松花江" and src.outfall_lon is None


def test_an_outfall_or_a_named_receiving_river_decides_the_entry_point(network):
    by_outfall = parse(network, "risk_sources", csv_of("risk_sources", [risk_row(
        network, 排放口经度=126.4867, 排放口纬度=43.9502)])).records[0]
    assert by_outfall.receiving_river_zh == "第二松花江" and by_outfall.entry_distance_m < 100
    # nearest to (126.51, 43.94) is an unnamed channel; the 第二松花江 is 1.5 km away
    nearest = parse(network, "risk_sources", csv_of("risk_sources", [risk_row(
        network, 经度=126.51, 纬度=43.94)])).records[0]
    assert nearest.receiving_river_zh == "未命名河道"
    assert nearest.joins_river_zh == "第二松花江"
    named = parse(network, "risk_sources", csv_of("risk_sources", [risk_row(
        network, 经度=126.51, 纬度=43.94, 受纳水体="第二松花江")])).records[0]
    assert named.receiving_river_zh == "第二松花江"
    assert named.entry_seg_id != nearest.entry_seg_id
    chosen = parse(network, "risk_sources", csv_of("risk_sources", [risk_row(
        network, 经度=126.51, 纬度=43.94, 入河河段编号=named.entry_seg_id)])).records[0]
    assert chosen.entry_seg_id == named.entry_seg_id


def test_unknown_substances_and_a_missing_quantity_are_refused(network):
    parsed = parse(network, "risk_sources", csv_of("risk_sources", [
        risk_row(network, **{"风险物质及最大存在量(t)": "硝基苯;敌敌畏:3"})]))
    (err,) = parsed.errors
    assert err.column == "风险物质及最大存在量(t)" and err.code == "invalid_substances"
    assert "敌敌畏" in err.message_zh and "硝基苯" in err.message_zh
    by_cas = parse(network, "risk_sources", csv_of("risk_sources", [
        risk_row(network, **{"风险物质及最大存在量(t)": "98-95-3：12.5"})]))
    assert by_cas.records[0].substances[0].substance_id == "nitrobenzene"


def test_duplicate_name_and_county_within_a_file_are_refused(network):
    parsed = parse(network, "risk_sources", csv_of("risk_sources", [
        risk_row(network), risk_row(network, 经度=126.53)]))
    (err,) = parsed.errors
    assert (err.row, err.column, err.code) == (3, "名称", "duplicate_row")


def test_a_site_beyond_the_snapping_distance_has_no_discharge_route(network):
    parsed = parse(network, "risk_sources", csv_of("risk_sources", [
        risk_row(network, 经度=126.5201, 纬度=43.9301)]), snap_max_distance_m=10.0)
    assert [(e.column, e.code) for e in parsed.errors] == [("经度", "too_far_from_river")]


# ----------------------------------------------------------------------------- files
def test_missing_required_columns_are_reported_once_at_the_heading_row(network):
    headings = [h for h in material_row(network) if h not in ("经度", "储备方式")]
    rows = [material_row(network)] * 3
    parsed = parse(network, "materials", write_csv(headings, [[r[h] for h in headings]
                                                              for r in rows]))
    assert sorted((e.row, e.column, e.code) for e in parsed.errors) == [
        (1, "储备方式", "missing_column"), (1, "经度", "missing_column")]


def test_a_title_row_above_the_headings_and_unknown_columns_are_tolerated(network):
    row = material_row(network)
    headings = [*row, "备注"]
    data = write_csv(["吉林省环境应急物资调查表(测试)"], [headings, [*row.values(), "x"]])
    parsed = parse(network, "materials", data)
    assert parsed.ok and [w.code for w in parsed.warnings] == ["unknown_column"]
    assert parsed.warnings[0].row == 2


def test_a_gbk_csv_saved_by_excel_is_read(network):
    text = write_csv(list(material_row(network)), [list(material_row(network).values())])
    gbk = text.decode("utf-8-sig").encode("gb18030")
    assert parse(network, "materials", gbk).ok


def test_a_corrupt_workbook_is_one_file_error(network):
    parsed = parse(network, "materials", b"PK\x03\x04 not really a zip", "data.xlsx")
    assert [(e.row, e.code) for e in parsed.errors] == [(None, "unreadable_file")]
    assert parsed.errors[0].message_zh and parsed.errors[0].message_en


def test_a_workbook_without_the_inventory_sheet_is_refused(network):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "应急物资"
    workbook.create_sheet("其他")
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = parse(network, "risk_sources", buffer.getvalue(), "data.xlsx")
    assert [e.code for e in parsed.errors] == ["wrong_sheet"]
    assert "风险源" in parsed.errors[0].message_zh


def test_an_xlsx_file_reads_like_the_csv_file(network):
    rows = [material_row(network), material_row(network, 物资名称="石灰", 类别="污染物降解")]
    headings = list(rows[0])
    from_csv = parse(network, "materials", write_csv(headings, [list(r.values()) for r in rows]))
    from_xlsx = parse(network, "materials",
                      write_xlsx("materials", headings, [list(r.values()) for r in rows]),
                      "data.xlsx")
    assert from_csv.ok and from_csv.records == from_xlsx.records


def test_a_true_cell_is_not_taken_for_a_1_of_the_same_column(network):
    """Cells are converted once per distinct value, but 1, 1.0 and True are one dict key."""
    rows = [material_row(network, 数量=1, 规格型号=1),
            material_row(network, 物资名称="石灰", 数量=True, 规格型号=True),
            material_row(network, 物资名称="沙袋", 数量=1.0, 规格型号=1.5)]
    headings = list(rows[0])
    parsed = parse(network, "materials",
                   write_xlsx("materials", headings, [list(r.values()) for r in rows]),
                   "data.xlsx")
    assert [(e.row, e.column, e.code, e.value) for e in parsed.errors] == [
        (3, "数量", "not_a_number", "True")]
    fine = parse(network, "materials", write_xlsx("materials", headings, [
        list(r.values()) for r in (rows[0], rows[1] | {"数量": 2}, rows[2])]), "data.xlsx")
    assert [(i.spec, i.quantity) for i in fine.records[0].items] == [
        ("1", 1.0), ("是", 2.0), ("1.5", 1.0)]


def test_rows_with_nothing_but_spaces_zeros_or_empty_cells_are_not_data_rows():
    assert not any(map(has_content, [[], (), [None, ""], ["  ", "\t", None], [0, 0.0, False]]))
    assert all(map(has_content, [["a"], [None, " x "], [0, "0"], [3], (None, True)]))


@pytest.mark.parametrize("name", ["data.xls", "data.pdf"])
def test_other_file_types_are_refused(network, name):
    parsed = parse(network, "materials", b"whatever", name)
    assert [e.code for e in parsed.errors] == ["unsupported_format"]


def test_points_are_located_in_bulk_in_their_counties(network):
    places = places_for(network)
    lons, lats = zip(*(inside(network, c.name_zh) for c in places.counties), strict=True)
    found = places.locate_many(lons, lats)
    assert [f.county.adcode for f in found] == [c.adcode for c in places.counties]
    x, y = project(lons[0], lats[0])
    assert places.polygon(places.counties[0]).contains(shapely.Point(x, y))
