"""The refresh's pure parts: the field-level diff on hand-made records, the snapshot codec."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from emergency.inventory.records import (
    DepotRecord,
    ExpertRecord,
    MaterialItemRecord,
    RiskSourceRecord,
    SubstanceHeld,
    TeamRecord,
)
from emergency.refresh import codec
from emergency.refresh.diff import as_json, diff_records, heading, item_changes


def depot(name: str, county: str = "朝阳区", adcode: int = 220104, **kw) -> DepotRecord:
    values = dict(name=name, holder="示例储备单位", holder_type="生态环境部门", storage_mode="自储",
                  county_adcode=adcode, county_zh=county, prefecture_zh="长春市",
                  address="长春市朝阳区示例路1号", lon=125.27, lat=43.86, contact="张三",
                  phone="0431-85738819", items=(), confirmed_at=date(2025, 5, 10))
    values.update(kw)
    return DepotRecord(**values)


def item(name: str, qty: float, expiry: date | None = None, spec: str | None = "颗粒",
         unit: str = "t") -> MaterialItemRecord:
    return MaterialItemRecord(name, "污染物控制", spec, qty, unit, "吸附", expiry)


CARBON = item("活性炭", 20.0, date(2026, 6, 30))
BOOM = item("围油栏", 500.0, None, spec="WQJ600", unit="m")
LIME = item("石灰", 10.0, None, spec=None)


def live_and_submitted() -> tuple[list[DepotRecord], list[DepotRecord]]:
    """The hand-made example: four depots live, four submitted.

    * 甲 unchanged (its items listed in another order)
    * 乙 changed: phone, 核实日期, one item's quantity 500 → 300, activated carbon replaced by a
      later batch (expiry 2026-06-30 → 2027-06-30), lime removed, sand bags added
    * 丙 removed; 丁 added
    * 戊 only re-confirmed (核实日期 moved)
    """
    live = [depot("甲", items=(CARBON, BOOM)),
            depot("乙", items=(CARBON, BOOM, LIME)),
            depot("丙"),
            depot("戊")]
    sand = item("沙袋", 2000.0, None, spec=None, unit="个")
    submitted = [depot("甲", items=(BOOM, CARBON)),
                 depot("乙", phone="13800000000", confirmed_at=date(2026, 5, 12),
                       items=(dataclasses.replace(CARBON, expiry=date(2027, 6, 30)),
                              dataclasses.replace(BOOM, quantity=300.0), sand)),
                 depot("丁", county="南关区", adcode=220102),
                 depot("戊", confirmed_at=date(2026, 5, 12))]
    return live, submitted


def test_the_diff_of_the_hand_made_example_names_every_change():
    live, submitted = live_and_submitted()
    d = diff_records("materials", live, submitted)

    assert d.counts() == {"added": 1, "removed": 1, "changed": 2, "unchanged": 1,
                          "reconfirmed": 1}
    assert [r.name for r in d.added] == ["丁"]
    assert [r.name for r in d.removed] == ["丙"]
    yi, wu = d.changed
    assert yi.key == ("乙", 220104)
    assert [(f.field, f.old, f.new) for f in yi.fields] == [
        ("phone", "0431-85738819", "13800000000"),
        ("confirmed_at", date(2025, 5, 10), date(2026, 5, 12))]
    changes = {(c.change, c.item.item): c for c in yi.items}
    assert set(changes) == {("changed", "活性炭"), ("changed", "围油栏"), ("removed", "石灰"),
                            ("added", "沙袋")}
    assert [(f.field, f.old, f.new) for f in changes["changed", "活性炭"].fields] == [
        ("expiry", date(2026, 6, 30), date(2027, 6, 30))]
    assert [(f.field, f.old, f.new) for f in changes["changed", "围油栏"].fields] == [
        ("quantity", 500.0, 300.0)]
    assert not yi.reconfirm_only
    assert wu.reconfirm_only and [f.field for f in wu.fields] == ["confirmed_at"]


def test_the_diff_reads_as_the_steward_writes_the_file():
    live, submitted = live_and_submitted()
    body = as_json(diff_records("materials", live, submitted))
    yi = body["changed"][0]
    assert yi["label"] == "乙(朝阳区)"
    assert yi["fields"][0] == {"field": "phone", "heading": "联系电话", "heading_en": "phone",
                               "old": "0431-85738819", "new": "13800000000"}
    assert yi["fields"][1]["heading"] == "核实日期"
    assert yi["fields"][1]["old"] == "2025-05-10"
    quantity = next(i for i in yi["items"] if i["label"].startswith("围油栏"))
    assert quantity["fields"] == [{"field": "quantity", "heading": "数量", "heading_en": "quantity",
                                   "old": "500", "new": "300"}]
    assert body["added"][0]["label"] == "丁(南关区)"
    assert {"heading": "物资", "heading_en": "items", "value": "0"} in body["added"][0]["fields"]


def test_identical_lists_have_no_changes_and_count_every_record_unchanged():
    live, _ = live_and_submitted()
    d = diff_records("materials", live, list(reversed(live)))
    assert d.is_empty and d.unchanged == len(live)


def test_an_item_whose_spec_is_ambiguous_is_a_removal_and_an_addition():
    a1, a2 = item("活性炭", 1.0, date(2026, 1, 1)), item("活性炭", 2.0, date(2026, 2, 1))
    b1, b2 = item("活性炭", 1.0, date(2027, 1, 1)), item("活性炭", 2.0, date(2027, 2, 1))
    kinds = sorted(c.change for c in item_changes((a1, a2), (b1, b2)))
    assert kinds == ["added", "added", "removed", "removed"]


def test_a_duplicate_key_in_a_submission_is_refused():
    with pytest.raises(ValueError, match="duplicate"):
        diff_records("materials", [], [depot("甲"), depot("甲")])


def test_risk_source_fields_compare_substances_without_order():
    base = RiskSourceRecord(
        kind="enterprise", name="示例化工厂", operator=None, industry="化工", county_adcode=220104,
        county_zh="朝阳区", prefecture_zh="长春市", lon=125.3, lat=43.9,
        substances=(SubstanceHeld("benzene", 10.0), SubstanceHeld("nitrobenzene", 5.0)),
        outfall_lon=None, outfall_lat=None, receiving_river_zh="伊通河", joins_river_zh="伊通河",
        entry_seg_id=1, entry_lon=125.31, entry_lat=43.9, entry_distance_m=300.0,
        risk_level="较大", contact="李四", phone="13900000000")
    reordered = dataclasses.replace(base, substances=tuple(reversed(base.substances)))
    more = dataclasses.replace(base, substances=(SubstanceHeld("benzene", 12.0),))
    assert diff_records("risk_sources", [base], [reordered]).unchanged == 1
    change = diff_records("risk_sources", [base], [more]).changed[0]
    assert [f.field for f in change.fields] == ["substances"]
    body = as_json(diff_records("risk_sources", [base], [more]),
                   lambda s: {"benzene": "苯"}.get(s, s))
    assert body["changed"][0]["fields"][0]["new"] == "苯:12"
    assert heading("risk_sources", "receiving_river_zh") == ("受纳水体", "receiving river")


@pytest.mark.parametrize("kind, record", [
    ("materials", depot("乙", items=(CARBON, BOOM, LIME))),
    ("teams", TeamRecord("示例队", "市级", "示例单位", 220104, "朝阳区", "长春市", 125.3, 43.9, 12,
                         ("危化品", "水污染"), "王五", "13700000000")),
    ("experts", ExpertRecord("赵六", "水环境", None, "示例大学", None, "13600000000", True)),
])
def test_the_codec_gives_back_exactly_what_it_was_given(kind, record):
    blob = codec.encode(kind, [record])
    assert codec.decode(blob, kind) == [record]
    assert codec.digest(kind, [record]) == codec.digest(kind, codec.decode(blob))


def test_the_digest_ignores_the_order_of_records():
    live, _ = live_and_submitted()
    assert codec.digest("materials", live) == codec.digest("materials", live[::-1])
    with pytest.raises(ValueError, match="snapshot of materials"):
        codec.decode(codec.encode("materials", live), "teams")
