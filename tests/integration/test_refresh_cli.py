"""The operator's commands: inventory submit / apply / rollback / versions / refresh --now, and
scheduler status / run-job (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from emergency.inventory import export
from emergency.inventory import service as inventory
from emergency.refresh import service
from emergency.substances import load_catalogue

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def loaded(app, network):
    app.config["FIXED_NOW"] = NOW
    with app.extensions["database"].session() as s:
        inventory.load_sample(s, network, as_of=NOW.date())
    return app


def teams_of(app, scope: str = "吉林市") -> list:
    with app.extensions["database"].session() as s:
        return [x.record for x in service.live_slice(s, "teams", scope)]


def test_submit_apply_and_rollback_from_the_command_line(loaded, runner, tmp_path):
    before = teams_of(loaded)
    changed = [dataclasses.replace(before[0], members=before[0].members + 3), *before[1:]]
    path = tmp_path / "220200_teams_2026.csv"
    path.write_bytes(export.to_csv("teams", changed, load_catalogue()))

    out = runner.invoke(args=["inventory", "submit", str(path), "--prefecture", "吉林",
                              "--apply", "--user", "zhang"])
    assert out.exit_code == 0, out.output
    assert "staged" in out.output and "~1 changed" in out.output
    assert "applied: version" in out.output
    assert teams_of(loaded)[0].members == before[0].members + 3

    listing = runner.invoke(args=["inventory", "versions", "--kind", "teams"])
    assert "baseline" in listing.output and "submission" in listing.output
    with loaded.extensions["database"].session() as s:
        baseline = min(service.versions(s, kind="teams"), key=lambda v: v.seq).id
    out = runner.invoke(args=["inventory", "rollback", str(baseline)])
    assert out.exit_code == 0, out.output
    assert f"restored to version {baseline}" in out.output
    assert teams_of(loaded) == before


def test_a_bad_file_from_the_command_line_lists_its_errors_and_applies_nothing(loaded, runner,
                                                                              tmp_path):
    before = teams_of(loaded)
    text = export.to_csv("teams", before, load_catalogue()).decode("utf-8-sig")
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("队员人数")] = "十二"
    path = tmp_path / "teams.csv"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]), "utf-8")
    out = runner.invoke(args=["inventory", "submit", str(path), "--prefecture", "220200",
                              "--kind", "teams", "--apply"])
    assert out.exit_code != 0
    assert "row 2 [队员人数]" in out.output and "not staged" in out.output
    assert teams_of(loaded) == before
    unnamed = runner.invoke(args=["inventory", "submit", str(path), "--prefecture", "吉林市"])
    assert unnamed.exit_code != 0 and "--kind is needed" in unnamed.output


def test_refresh_now_runs_the_campaign_and_the_inbox(loaded, runner):
    out = runner.invoke(args=["inventory", "refresh", "--now"])
    assert out.exit_code == 0, out.output
    assert "refresh_campaign: ok" in out.output and "inbox_pickup: ok" in out.output
    assert "opened: True" in out.output
    status = runner.invoke(args=["inventory", "refresh"])
    assert "2026-04-15 – 2026-05-31" in status.output and "(12 days)" in status.output


def test_scheduler_status_and_run_job(loaded, runner):
    out = runner.invoke(args=["scheduler", "run-job", "flood_season_switch"])
    assert out.exit_code == 0 and "flood_season_switch: ok" in out.output
    assert "switched: False" in out.output  # 20 May: not yet the flood season
    status = runner.invoke(args=["scheduler", "status"])
    assert "lease: never taken" in status.output and "flood_season_switch" in status.output
