"""Inventories in the database (SQLite and PostgreSQL): load, import, export, all or nothing."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from emergency.inventory import service
from emergency.inventory.rules import RuleSettings
from emergency.inventory.sample import generate_sample
from emergency.inventory.snapshot import DepotView, RiskSourceView, load_resources
from emergency.store import Database
from emergency.store.inventory_models import (
    Expert,
    MaterialDepot,
    MaterialItem,
    RiskSource,
    RiskSourceSubstance,
    Team,
)
from emergency.substances import load_catalogue

AS_OF = date(2026, 5, 20)
KINDS = ("risk_sources", "materials", "teams", "experts")


@pytest.fixture(scope="module")
def sample(network):
    return generate_sample(network, load_catalogue(), as_of=AS_OF)


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    yield database
    database.engine.dispose()


@pytest.fixture
def loaded(db, sample):
    with db.session() as s:
        for kind in KINDS:
            service.apply_rows(s, kind, sample.records(kind))
    return db


def import_(db, network, kind, data, filename, **kw):
    with db.session() as s:
        return service.import_file(s, kind, data, filename, network=network,
                                   settings=RuleSettings(today=AS_OF),
                                   catalogue=load_catalogue(), **kw)


def export_(db, kind, fmt):
    with db.session() as s:
        return service.export_file(s, kind, fmt, load_catalogue(), AS_OF)


def snapshot(db) -> dict:
    """Everything stored, with versions: equal snapshots mean an unchanged database."""
    with db.session() as s:
        return {kind: [(x.id, x.version, x.record) for x in service.stored_records(s, kind)]
                for kind in KINDS}


def wipe(db) -> None:
    with db.session() as s:
        for model in (MaterialItem, MaterialDepot, RiskSourceSubstance, RiskSource, Team, Expert):
            s.execute(delete(model))


def test_the_sample_loads_into_empty_tables_once(db, network):
    with db.session() as s:
        first = service.load_sample(s, network, as_of=AS_OF)
    with db.session() as s:
        again = service.load_sample(s, network, as_of=AS_OF)
        totals = service.counts(s)
    assert first == {"risk_sources": 173, "materials": 20, "teams": 17, "experts": 20}
    assert again == {"risk_sources": 0, "materials": 0, "teams": 0, "experts": 0}
    assert (totals["risk_sources.enterprise"], totals["risk_sources.tailings_pond"],
            totals["risk_sources.chemical_park"]) == (52, 99, 22)
    assert totals["material_items"] > 200


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_database_gives_the_same_data(loaded, network, sample,
                                                                       fmt):
    files = {kind: export_(loaded, kind, fmt) for kind in KINDS}
    wipe(loaded)
    for kind in KINDS:
        report = import_(loaded, network, kind, files[kind], f"{kind}.{fmt}")
        assert report.parsed.errors == ()
        assert report.result.inserted == len(sample.records(kind))
    with loaded.session() as s:
        for kind in KINDS:
            assert tuple(service.records_of(s, kind)) == sample.records(kind)
    if fmt == "csv":  # byte for byte
        assert {kind: export_(loaded, kind, fmt) for kind in KINDS} == files


def test_importing_an_export_into_the_same_database_changes_nothing(loaded, network):
    before = snapshot(loaded)
    for kind in KINDS:
        report = import_(loaded, network, kind, export_(loaded, kind, "xlsx"), "x.xlsx")
        assert (report.result.inserted, report.result.updated) == (0, 0)
        assert report.result.unchanged == len(before[kind])
    assert snapshot(loaded) == before


def test_a_changed_row_is_updated_in_place_and_its_version_bumped(loaded, network, sample):
    depot = sample.depots[0]
    data, _row = edit_csv(export_(loaded, "materials", "csv"),
                          {"储备库名称": depot.name, "物资名称": "围油栏"},
                          {"物资名称": "围油栏(新购)"})
    report = import_(loaded, network, "materials", data, "m.csv")
    assert (report.result.inserted, report.result.updated) == (0, 1)
    with loaded.session() as s:
        stored = s.scalars(select(MaterialDepot).where(MaterialDepot.name == depot.name)).one()
        assert stored.version == 2
        assert "围油栏(新购)" in [i.item for i in stored.items]
        assert "围油栏" not in [i.item for i in stored.items]
        assert len(stored.items) == len(depot.items)
        assert s.scalar(select(func.count()).select_from(MaterialDepot)) == 20


def edited_materials_xlsx(loaded, edits: dict[tuple[int, str], object]) -> bytes:
    """The materials export with cells changed: {(row, heading): value}."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export_(loaded, "materials", "xlsx")))
    sheet = book["应急物资"]
    heading = [c.value for c in sheet[1]]
    for (row, name), value in edits.items():
        sheet.cell(row=row, column=heading.index(name) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    book.close()
    return out.getvalue()


RENAME = {(9, "物资名称"): "活性炭(更新)"}


def bad_xlsx(loaded) -> bytes:
    """One bad row (a negative quantity) among good ones, one of which is a real change."""
    return edited_materials_xlsx(loaded, {(7, "数量"): -5, **RENAME})


def test_a_bad_xlsx_leaves_the_database_unchanged_and_names_the_bad_row(loaded, network):
    before = snapshot(loaded)
    report = import_(loaded, network, "materials", bad_xlsx(loaded), "m.xlsx")
    assert report.result is None
    assert [(e.row, e.column, e.code) for e in report.parsed.errors] == [(7, "数量", "negative")]
    assert snapshot(loaded) == before


@pytest.mark.parametrize("data, code", [
    (b"PK\x03\x04\x14\x00garbage", "unreadable_file"),
    (None, "wrong_sheet"),
])
def test_a_corrupt_file_or_a_wrong_sheet_leaves_the_database_unchanged(loaded, network, data,
                                                                       code):
    before = snapshot(loaded)
    data = data or export_(loaded, "teams", "xlsx")   # a teams workbook offered as materials
    report = import_(loaded, network, "materials", data, "m.xlsx")
    assert [e.code for e in report.parsed.errors] == [code]
    assert snapshot(loaded) == before


def test_a_failure_in_the_middle_of_applying_rolls_back_every_row(loaded, network, monkeypatch):
    before = snapshot(loaded)
    good = edited_materials_xlsx(loaded, RENAME)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "insert_children", fail)
    with pytest.raises(RuntimeError):
        import_(loaded, network, "materials", good, "m.xlsx")
    assert snapshot(loaded) == before


def test_an_update_of_a_row_changed_meanwhile_is_refused_as_stale(loaded, sample, monkeypatch):
    real_plan = service.plan_rows

    def stale_plan(session, kind, records):
        plan = real_plan(session, kind, records)
        return dataclasses.replace(plan, updates=[
            (dataclasses.replace(s, version=s.version + 7), r) for s, r in plan.updates])

    monkeypatch.setattr(service, "plan_rows", stale_plan)
    changed = [dataclasses.replace(t, members=t.members + 1) for t in sample.teams]
    before = snapshot(loaded)
    with pytest.raises(service.StaleInventory), loaded.session() as s:
        service.apply_rows(s, "teams", changed)
    assert snapshot(loaded) == before


def test_the_engine_snapshot_is_frozen_and_complete(loaded, sample):
    with loaded.session() as s:
        res = load_resources(s)
    assert len(res.depots) == 20 and len(res.teams) == 17 and len(res.risk_sources) == 173
    assert isinstance(res.depots[0], DepotView) and isinstance(res.risk_sources[0],
                                                                RiskSourceView)
    assert sum(len(d.items) for d in res.depots) == sum(len(d.items) for d in sample.depots)
    src = res.risk_sources[0]
    assert (src.entry_seg_id, src.entry_lon, src.entry_lat) == (
        sample.risk_sources[0].entry_seg_id, sample.risk_sources[0].entry_lon,
        sample.risk_sources[0].entry_lat)
    assert src.substances == tuple((h.substance_id, h.max_t)
                                   for h in sample.risk_sources[0].substances)
    assert res.risk_source(src.id) is src
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.depots[0].items[0].quantity = 0  # type: ignore[misc]


def test_geojson_of_every_layer_has_a_point_per_record(loaded):
    for kind, n in (("risk_sources", 173), ("materials", 20), ("teams", 17)):
        layer = export_(loaded, kind, "geojson")
        assert layer["type"] == "FeatureCollection" and len(layer["features"]) == n
        feature = layer["features"][0]
        lon, lat = feature["geometry"]["coordinates"]
        assert 121 < lon < 132 and 40 < lat < 47
        assert feature["properties"]["sample"] is True
    from emergency.inventory.export import NoGeometry

    with pytest.raises(NoGeometry):
        export_(loaded, "experts", "geojson")


def test_search_filters_by_county_river_category_and_bbox(loaded):
    with loaded.session() as s:
        longtan = service.search(s, "risk_sources", service.InventoryQuery(county_adcode=220203))
        songhua = service.search(s, "risk_sources",
                                 service.InventoryQuery(river_zh="第二松花江"))
        carbon = service.search(s, "materials", service.InventoryQuery(category="环境监测"))
        box = service.search(s, "teams", service.InventoryQuery(
            bbox=(125.0, 43.5, 126.0, 44.2)))
    assert longtan and all(x.record.county_zh == "龙潭区" for x in longtan)
    assert songhua and all("第二松花江" in (x.record.receiving_river_zh, x.record.joins_river_zh)
                           for x in songhua)
    assert carbon and all({i.category for i in x.record.items} == {"环境监测"} for x in carbon)
    assert box and all(125 <= x.record.lon <= 126 and 43.5 <= x.record.lat <= 44.2 for x in box)


def edit_csv(data: bytes, match: dict[str, str], change: dict[str, str]) -> tuple[bytes, int]:
    """Change cells of the first row whose cells match ``match``; returns the file and row."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    head = rows[0]
    k = next(i for i, r in enumerate(rows) if i and all(r[head.index(h)] == v
                                                          for h, v in match.items()))
    for h, v in change.items():
        rows[k][head.index(h)] = v
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(), k + 1


def test_a_changed_substance_list_replaces_the_stored_one(loaded, network, sample):
    first = sample.risk_sources[0]
    held = f"{first.substances[0].substance_id}:{first.substances[0].max_t};甲醇:42"
    data, _row = edit_csv(export_(loaded, "risk_sources", "csv"), {"名称": first.name},
                          {"风险物质及最大存在量(t)": held})
    report = import_(loaded, network, "risk_sources", data, "r.csv")
    assert report.parsed.errors == ()
    assert (report.result.inserted, report.result.updated) == (0, 1)
    with loaded.session() as s:
        source = s.scalars(select(RiskSource).where(RiskSource.name == first.name)).one()
        assert [(h.substance_id, h.max_quantity_t) for h in source.substances] == [
            (first.substances[0].substance_id, first.substances[0].max_t), ("methanol", 42.0)]
        assert source.version == 2
        assert s.scalar(select(func.count()).select_from(RiskSourceSubstance)) == sum(
            len(r.substances) for r in sample.risk_sources) - len(first.substances) + 2


def test_the_migration_creates_the_tables_the_models_describe(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from emergency.store.models import Base

    mine = {"risk_sources", "risk_source_substances", "material_depots", "material_items",
            "teams", "experts"}

    def table_of(diff) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            name = getattr(part, "name", None) if not hasattr(part, "table") else part.table.name
            if isinstance(part, str) and part in mine:
                return part
            if name in mine:
                return name
        return None

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    assert [d for d in diffs if table_of(d) in mine] == []
