"""``flask --app app db check`` (the migrations describe every model) and ``db backup`` /
``db restore`` round trips, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import stat
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from emergency.inventory import export
from emergency.inventory import service as inventory
from emergency.inventory.rules import RuleSettings
from emergency.refresh import service as refresh
from emergency.refresh.service import StageInputs
from emergency.roster import service as roster
from emergency.roster import staff_service
from emergency.store import SchemaDrift, check, load_models
from emergency.store.incident_models import Incident
from emergency.store.refresh_models import InventoryVersion
from emergency.store.roster_models import DutyRoster
from emergency.substances import load_catalogue

SH = ZoneInfo("Asia/Shanghai")
SPILL = {"lon": 126.55, "lat": 43.86, "substance": "硝基苯", "mass_kg": 20000,
         "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:30+08:00"}


# ----------------------------------------------------------------------------- db check
def test_db_check_passes_on_a_migrated_database(runner, database_url):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "migrations match the models" in result.output


def test_db_check_sees_every_model_table(database_url):
    """Every table of every model module is compared: a column the models lack in a table
    outside the first seven (which were all env.py saw before) is reported."""
    tables = set(load_models().tables)
    assert {"users", "incidents", "duty_rosters", "inventory_versions",
            "scheduler_leases"} <= tables and len(tables) >= 35
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE duty_rosters ADD COLUMN stray INTEGER"))
    try:
        with pytest.raises(SchemaDrift, match="stray"):
            check(database_url)
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE duty_rosters DROP COLUMN stray"))
        engine.dispose()
    check(database_url)


def test_db_check_refuses_a_database_behind_the_migrations(runner, app, database_url):
    db = app.extensions["database"]
    with db.engine.begin() as conn:
        heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        conn.execute(text("DELETE FROM alembic_version"))
    try:
        result = runner.invoke(args=["db", "check"])
        assert result.exit_code == 1 and "schema drift" in result.output
    finally:
        with db.engine.begin() as conn:
            for head in heads:
                conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                             {"v": head})


# ----------------------------------------------------------------------------- backup
@pytest.fixture
def filled(app, client, network):
    """Incidents, a published roster and inventory versions (a baseline and an applied file)."""
    db = app.extensions["database"]
    app.config["FIXED_NOW"] = datetime(2026, 7, 23, 10, 0, tzinfo=SH)
    for n in range(3):
        resp = client.post("/api/incidents", json={**SPILL, "title": f"备份测试事件{n}"})
        assert resp.status_code == 201, resp.get_json()
    now = datetime(2026, 6, 20, 10, 0, tzinfo=SH)
    with db.session() as s:
        staff_service.load_sample_staff(s, as_of=now.date(), now=now)
        inventory.load_sample(s, network, as_of=date(2026, 5, 20))
    with db.session() as s:
        made = roster.generate(s, roster.month_period("2026-07"), kind="month",
                               actor="manager", now=now)
        roster_id = made.row.id
    with db.session() as s:
        roster.publish(s, roster_id, actor="manager", now=now)
    catalogue = load_catalogue()
    inputs = StageInputs(network, RuleSettings(today=date(2026, 5, 20)), catalogue)
    stamp = datetime(2026, 5, 20, 1, 30, tzinfo=UTC)
    with db.session() as s:
        live = sorted((x.record for x in refresh.live_slice(s, "materials", "长春市")),
                      key=lambda r: r.key)
    wanted = [dataclasses.replace(live[0], phone="0431-85738819"), *live[1:]]
    with db.session() as s:
        sub = refresh.stage(s, kind="materials", scope="长春市",
                            data=export.to_csv("materials", wanted, catalogue),
                            filename="长春市应急物资.csv", inputs=inputs, user="steward",
                            now=stamp)
    with db.session() as s:
        refresh.apply(s, sub.id, user="steward", now=stamp)
    return db


def _contents(db) -> dict:
    with db.session() as s:
        return {
            "incidents": sorted(s.execute(select(Incident.id, Incident.title, Incident.version))
                                .all()),
            "rosters": sorted(s.execute(select(DutyRoster.id, DutyRoster.status)).all()),
            "inventory_versions": sorted(s.execute(select(
                InventoryVersion.id, InventoryVersion.kind, InventoryVersion.prefecture_zh,
                InventoryVersion.seq, InventoryVersion.source,
                InventoryVersion.snapshot_digest)).all()),
        }


def test_a_backup_restores_every_incident_roster_and_inventory_version(
        app, runner, filled, tmp_path, database_url):
    before = _contents(filled)
    assert len(before["incidents"]) == 3 and before["rosters"]
    assert any(v[4] == "submission" for v in before["inventory_versions"])
    path = tmp_path / "backups" / "eec.backup"
    result = runner.invoke(args=["db", "backup", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # a second backup to the same file needs --force
    assert runner.invoke(args=["db", "backup", str(path)]).exit_code == 1
    assert runner.invoke(args=["db", "backup", str(path), "--force"]).exit_code == 0

    # life goes on: things change after the backup, and more are reported
    assert app.test_client().get("/api/health").status_code == 200
    with filled.session() as s:
        s.execute(text("UPDATE incidents SET title = 'changed', version = version + 1"))
        s.execute(text("UPDATE duty_rosters SET status = 'withdrawn'"))
        s.execute(text("UPDATE inventory_versions SET seq = seq + 100"))
    assert _contents(filled) != before
    filled.engine.dispose()

    result = runner.invoke(args=["db", "restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert _contents(filled) == before
    # the app works on the restored database
    client = app.test_client()
    assert client.get("/api/health").status_code == 200


def test_restore_refuses_a_file_that_is_no_backup(runner, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("pg_restore itself refuses a file that is not an archive")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(args=["db", "restore", str(junk), "--yes"])
    assert result.exit_code == 1 and "not a" in result.output


def test_without_pg_dump_a_postgresql_backup_is_refused_clearly(monkeypatch, tmp_path):
    from emergency.store import backup

    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="pg_dump is not installed"):
        backup.backup("postgresql+psycopg://u:secret@db.example/eec", tmp_path / "x.dump")
