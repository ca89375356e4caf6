"""The refresh on the database (SQLite and PostgreSQL): stage, apply, versions, rollback; a bad
file, a failure or a kill in the middle of an apply never changes the live inventory."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from emergency.inventory import export
from emergency.inventory import service as inventory
from emergency.inventory.records import MaterialItemRecord
from emergency.inventory.rules import RuleSettings
from emergency.refresh import service
from emergency.refresh.service import StageInputs
from emergency.refresh.writer import write_changes
from emergency.river_risks import PlanFinder
from emergency.store import Database
from emergency.store.refresh_models import InventoryVersion, RefreshSubmission
from emergency.substances import load_catalogue

AS_OF = date(2026, 5, 20)
NOW = datetime(2026, 5, 20, 1, 30, tzinfo=UTC)
KINDS = ("risk_sources", "materials", "teams", "experts")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(database_url, network):
    database = Database(database_url)
    with database.session() as s:
        inventory.load_sample(s, network, as_of=AS_OF)
    yield database
    database.engine.dispose()


@pytest.fixture
def inputs(network):
    return StageInputs(network, RuleSettings(today=AS_OF), load_catalogue())


def everything(db: Database) -> dict:
    """Every stored inventory row with its id and version: equal means nothing changed."""
    with db.session() as s:
        return {kind: [(x.id, x.version, x.record) for x in inventory.stored_records(s, kind)]
                for kind in KINDS}


def slice_records(db: Database, kind: str, scope: str) -> list:
    with db.session() as s:
        return sorted((x.record for x in service.live_slice(s, kind, scope)),
                      key=lambda r: r.key)


def csv_of(kind: str, records) -> bytes:  # noqa: ANN001
    return export.to_csv(kind, list(records), load_catalogue())


def stage(db, inputs, data: bytes, kind: str = "materials", scope: str = "长春市",
          filename: str = "长春市应急物资.csv") -> RefreshSubmission:
    with db.session() as s:
        return service.stage(s, kind=kind, scope=scope, data=data, filename=filename,
                             inputs=inputs, user="steward", now=NOW)


def edited(live: list) -> list:
    """长春市's depots with one phone changed, one depot removed, one added."""
    first = dataclasses.replace(live[0], phone="0431-85738819")
    new = dataclasses.replace(live[1], name="示例新建物资库(长春市)", items=(
        MaterialItemRecord("活性炭", "污染物控制", "颗粒", 12.0, "t", "吸附", date(2027, 6, 30)),))
    return [first, *live[2:], new]


def versions(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(InventoryVersion))


def test_a_valid_file_is_staged_with_its_diff_and_changes_nothing(db, inputs):
    live = slice_records(db, "materials", "长春市")
    before = everything(db)
    sub = stage(db, inputs, csv_of("materials", edited(live)))

    assert sub.status == "staged" and sub.error_count == 0
    assert (sub.added, sub.removed, sub.changed, sub.unchanged) == (1, 1, 1, len(live) - 2)
    diff = service.diff_of(sub)
    assert diff["changed"][0]["fields"][0]["heading"] == "联系电话"
    assert everything(db) == before and versions(db) == 0


def test_a_malformed_file_changes_nothing_and_lists_every_error_with_row_and_column(db, inputs):
    live = slice_records(db, "materials", "长春市")
    before = everything(db)
    text = csv_of("materials", live).decode("utf-8-sig").splitlines()
    header = text[0].split(",")
    row2 = text[1].split(",")
    row2[header.index("计量单位")] = "桶桶"
    row2[header.index("有效期至")] = "2026-13-45"
    row3 = text[2].split(",")
    row3[header.index("经度")] = "126.9"   # 吉林市, not in the declared county
    bad = "\r\n".join([text[0], ",".join(row2), ",".join(row3), *text[3:]]).encode("utf-8")

    sub = stage(db, inputs, bad)
    assert sub.status == "invalid" and sub.records_blob is None and sub.diff_blob is None
    found = {(p["row"], p["column"], p["code"]) for p in service.problems_of(sub)["errors"]}
    assert {(2, "计量单位", "unknown_unit"), (2, "有效期至", "invalid_date")} <= found
    assert any(row == 3 and column == "经度" for row, column, _code in found)
    garbage = stage(db, inputs, b"\x00\x01PK not a workbook", filename="x.xlsx")
    assert garbage.status == "invalid" and garbage.error_count == 1
    assert everything(db) == before and versions(db) == 0


def test_rows_of_another_prefecture_are_refused_row_by_row(db, inputs):
    jilin = slice_records(db, "materials", "吉林市")
    sub = stage(db, inputs, csv_of("materials", jilin))  # declared 长春市
    errors = service.problems_of(sub)["errors"]
    assert sub.status == "invalid"
    assert errors[0]["code"] == "outside_prefecture_many" or \
        all(e["code"] == "outside_prefecture" for e in errors)
    assert any(e["column"] == "所在县(市、区)" and "吉林市" in e["message_zh"] for e in errors)


def test_applying_makes_a_version_and_the_slice_equals_the_file(db, inputs):
    live = slice_records(db, "materials", "长春市")
    others = slice_records(db, "materials", "吉林市")
    wanted = sorted(edited(live), key=lambda r: r.key)
    sub = stage(db, inputs, csv_of("materials", wanted))
    with db.session() as s:
        v = service.apply(s, sub.id, user="steward", now=NOW, delete_all=sub.removed)
        assert (v.seq, v.source, v.added, v.removed, v.changed) == (1, "submission", 1, 1, 1)

    assert slice_records(db, "materials", "长春市") == wanted
    assert slice_records(db, "materials", "吉林市") == others
    with db.session() as s:
        rows = service.versions(s, kind="materials", scope="长春市")
        assert [(x.seq, x.source) for x in rows] == [(1, "submission"), (0, "baseline")]
        assert sorted(service.records_of_version(rows[1]), key=lambda r: r.key) == live
        assert service.submission(s, sub.id).status == "applied"
        with pytest.raises(service.NotStaged):
            service.apply(s, sub.id, user="steward", now=NOW, delete_all=sub.removed)


def test_rollback_restores_exactly(db, inputs):
    original = everything(db)
    live = slice_records(db, "materials", "长春市")
    first = sorted(edited(live), key=lambda r: r.key)
    second = [dataclasses.replace(r, contact="新联系人") for r in first[:2]]
    for records in (first, second):
        sub = stage(db, inputs, csv_of("materials", records))
        with db.session() as s:
            service.apply(s, sub.id, user="steward", now=NOW, delete_all=sub.removed)
    assert slice_records(db, "materials", "长春市") == sorted(second, key=lambda r: r.key)

    with db.session() as s:
        baseline, v1, v2 = sorted(service.versions(s, kind="materials", scope="长春市"),
                                  key=lambda v: v.seq)
        restored = service.restore(s, v1.id, user="steward", now=NOW)
        assert (restored.seq, restored.source, restored.restored_from) == (3, "rollback", v1.id)
        assert restored.snapshot_digest == v1.snapshot_digest
    assert slice_records(db, "materials", "长春市") == first

    with db.session() as s:
        service.restore(s, baseline.id, user="steward", now=NOW)
    after = everything(db)
    for kind in KINDS:  # the same records (restored rows are new rows: ids and versions differ)
        assert sorted((r for _i, _v, r in after[kind]), key=lambda r: r.key) == \
            sorted((r for _i, _v, r in original[kind]), key=lambda r: r.key)
    assert after["risk_sources"] == original["risk_sources"]  # untouched, ids and all


def test_an_apply_that_fails_half_way_leaves_the_previous_version_intact(db, inputs):
    live = slice_records(db, "materials", "长春市")
    sub = stage(db, inputs, csv_of("materials", edited(live)))
    before = everything(db)

    def fail(stage_name: str) -> None:
        if stage_name == "updated":  # rows deleted and updated, the insert still to come
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"), db.session() as s:
        service.apply(s, sub.id, user="steward", now=NOW, delete_all=sub.removed, checkpoint=fail)
    assert everything(db) == before and versions(db) == 0
    with db.session() as s:
        assert service.submission(s, sub.id).status == "staged"
        v = service.apply(s, sub.id, user="steward", now=NOW,
                          delete_all=sub.removed)  # and it can still be applied
    assert v.seq == 1


CHILD = textwrap.dedent("""
    import sys, time
    from datetime import UTC, datetime
    from emergency.refresh import service
    from emergency.store import Database

    def checkpoint(stage):
        if stage == "updated":
            print("HALF-APPLIED", flush=True)
            time.sleep(300)

    db = Database(sys.argv[1])
    with db.session() as s:
        service.apply(s, int(sys.argv[2]), user="child", now=datetime.now(UTC),
                      checkpoint=checkpoint, keep_missing=False, delete_all=int(sys.argv[3]))
    print("COMMITTED", flush=True)
""")


def test_an_apply_killed_mid_way_leaves_the_previous_version_intact(db, inputs, database_url):
    live = slice_records(db, "materials", "长春市")
    sub = stage(db, inputs, csv_of("materials", edited(live)))
    before = everything(db)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, database_url, str(sub.id),
                              str(sub.removed)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = child.stdout.readline()  # the child holds the transaction, half written
        assert line.strip() == "HALF-APPLIED", child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    assert everything(db) == before and versions(db) == 0
    with db.session() as s:
        assert service.submission(s, sub.id).status == "staged"
        service.apply(s, sub.id, user="steward", now=NOW, delete_all=sub.removed)
    assert slice_records(db, "materials", "长春市") == sorted(edited(live), key=lambda r: r.key)


def test_a_file_compared_before_the_live_data_changed_must_be_compared_again(db, inputs):
    live = slice_records(db, "materials", "长春市")
    older = stage(db, inputs, csv_of("materials", edited(live)))
    other = stage(db, inputs, csv_of("materials", live[:2]))  # supersedes the first
    with db.session() as s:
        assert service.submission(s, older.id).status == "superseded"
        service.apply(s, other.id, user="steward", now=NOW, delete_all=other.removed)
    again = stage(db, inputs, csv_of("materials", edited(live)))
    with db.session() as s:  # someone changes the slice after the steward saw the diff
        inventory.apply_rows(s, "materials", [dataclasses.replace(live[0], contact="他人")])
    with pytest.raises(service.StaleSubmission), db.session() as s:
        service.apply(s, again.id, user="steward", now=NOW, delete_all=again.removed)
    with db.session() as s:
        sub = service.restage(s, again.id, now=NOW)
        assert sub.changed >= 1
    with db.session() as s:
        service.apply(s, again.id, user="steward", now=NOW, delete_all=again.removed)


def test_experts_of_provincial_units_are_their_own_slice(db, inputs):
    changchun = slice_records(db, "experts", "长春市")
    provincial = dataclasses.replace(changchun[0], name="省直专家", prefecture_zh="吉林省")
    sub = stage(db, inputs, csv_of("experts", [provincial]), kind="experts", scope="吉林省",
                filename="220000_experts.csv")
    assert sub.status == "staged" and (sub.added, sub.removed) == (1, 0)
    refused = stage(db, inputs, csv_of("experts", changchun[:1]), kind="experts", scope="吉林省")
    assert [e["code"] for e in service.problems_of(refused)["errors"]] == ["outside_prefecture"]


def test_the_migration_creates_the_refresh_tables_the_models_describe(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from emergency.store import refresh_models
    from emergency.store.models import Base

    mine = {t.name for t in Base.metadata.sorted_tables if t.name in {
        "refresh_campaigns", "refresh_submissions", "inventory_versions", "job_runs",
        "scheduler_leases", "job_notices"}}
    assert len(mine) == 6, refresh_models.__name__
    db = Database(database_url)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    db.engine.dispose()

    def touches(diff) -> bool:  # noqa: ANN001
        text = repr(diff)
        return any(f"'{name}'" in text or f"{name}." in text or f"Table('{name}'" in text
                   for name in mine)

    assert [d for d in diffs if touches(d)] == []


def test_a_risk_source_file_warns_of_the_key_river_plans_it_changes(db, network, plan_set):
    finder = PlanFinder(network, plan_set)
    inputs = StageInputs(network, RuleSettings(today=AS_OF), load_catalogue(),
                         plan_finder=finder)
    live = slice_records(db, "risk_sources", "吉林市")
    park = next(r for r in live if r.name == "吉林化学工业循环经济示范园区")
    sub = stage(db, inputs, csv_of("risk_sources", [r for r in live if r is not park]),
                kind="risk_sources", scope="吉林市", filename="吉林市风险源.csv")
    assert sub.status == "staged" and sub.removed == 1
    warnings = service.problems_of(sub)["warnings"]
    plan = [w for w in warnings if w["code"].startswith("plan_source_")]
    assert [w["code"] for w in plan] == ["plan_source_removed"]
    assert "「第二松花江」一河一策预案" in plan[0]["message_zh"]
    assert sub.warning_count == len(warnings)
    # someone else removes the park meanwhile: compared again, the file no longer changes a plan
    with db.session() as s:
        stored = next(x for x in service.live_slice(s, "risk_sources", "吉林市")
                      if x.record.name == park.name)
        write_changes(s, "risk_sources", added=[], changed=[], removed=[stored], now=NOW)
    with db.session() as s:
        again = service.restage(s, sub.id, now=NOW, plan_finder=finder)
        assert again.removed == 0
        assert not [w for w in service.problems_of(again)["warnings"]
                    if w["code"].startswith("plan_source_")]
        assert again.warning_count == len(service.problems_of(again)["warnings"])
