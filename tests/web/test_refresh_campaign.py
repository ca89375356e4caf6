"""The refresh campaign as a steward meets it in December and after a restore (issue 20): the
coming year's campaign and flood season, one status in cell, row and summary, deletions that
need an explicit confirmation, problems that name their record (CSV and XLSX), new records on
top of another site, and a baseline that belongs to no one."""

from __future__ import annotations

import dataclasses
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from emergency.inventory import export
from emergency.inventory import service as inventory
from emergency.refresh import service
from emergency.refresh.board import STAGES
from emergency.substances import load_catalogue

SH = ZoneInfo("Asia/Shanghai")
MAY = datetime(2026, 5, 20, 9, 0, tzinfo=SH)
DECEMBER = datetime(2026, 12, 7, 9, 0, tzinfo=SH)


@pytest.fixture
def steward(app, network, client_as):
    app.config["FIXED_NOW"] = MAY
    with app.extensions["database"].session() as s:
        inventory.load_sample(s, network, as_of=MAY.date())
    return client_as("data_steward", username="steward")


def changchun(app) -> list:
    with app.extensions["database"].session() as s:
        return [x.record for x in service.live_slice(s, "materials", "长春市")]


def csv_of(records) -> bytes:  # noqa: ANN001
    return export.to_csv("materials", list(records), load_catalogue())


def upload(client, data: bytes):  # noqa: ANN001
    resp = client.post("/api/refresh/submissions", data={
        "prefecture": "长春市", "kind": "materials", "file": (io.BytesIO(data), "长春市物资.csv")},
        content_type="multipart/form-data")
    return resp


def test_in_december_the_page_speaks_of_next_years_campaign_and_flood_season(app, steward):
    app.config["FIXED_NOW"] = DECEMBER
    page = steward.get("/refresh").get_data(as_text=True)
    assert "2027 年度更新" in page and "报送期 2027-04-15 至 2027-05-31" in page
    assert "距汛期(2027-06-01)还有 176 天" in page
    assert "2026 年度更新" not in page and "2026-06-01" not in page
    assert "未开始" in page and "已截止" not in page
    board = steward.get("/api/refresh/board").get_json()
    assert (board["year"], board["flood_start"], board["window_state"]) == (
        2027, "2027-06-01", "before")
    made = upload(steward, csv_of(changchun(app)))
    assert made.status_code == 201 and made.get_json()["campaign_year"] == 2027
    app.config["REFRESH_NEXT_CAMPAIGN_AFTER"] = "12-31"  # configurable: this year's until then
    assert "2026 年度更新" in steward.get("/refresh").get_data(as_text=True)


def _statuses(client) -> tuple[str, str, dict]:
    board = client.get("/api/refresh/board").get_json()
    row = next(p for p in board["prefectures"] if p["prefecture"] == "长春市")
    return row["kinds"]["materials"]["stage"], row["stage"], board


def _consistent(board: dict) -> None:
    """One function decides: rows are the lowest of their required cells, totals count rows."""
    for row in board["prefectures"]:
        needed = [row["kinds"][k]["stage"] for k in board["required"]]
        assert row["stage"] == min(needed, key=STAGES.index)
    for stage in STAGES:
        assert board["totals"][stage] == sum(1 for r in board["prefectures"]
                                             if r["stage"] == stage)
    assert board["totals"]["slices_applied"] == sum(
        1 for r in board["prefectures"] for k in board["required"]
        if r["kinds"][k]["stage"] == "applied")


def test_after_apply_and_restore_cell_row_and_summary_agree(app, steward):
    records = changchun(app)
    made = upload(steward, csv_of([dataclasses.replace(records[0], contact="王五"),
                                   *records[1:]])).get_json()
    version = steward.post(f"/api/refresh/submissions/{made['id']}/apply").get_json()
    cell, row, board = _statuses(steward)
    assert cell == "applied" and row == "missing"  # risk sources, also required, not sent
    _consistent(board)
    assert board["totals"]["slices_applied"] == 1
    page = steward.get("/refresh").get_data(as_text=True)
    assert "必报清单已应用 1/18" in page and 'data-required-applied="1"' in page

    baseline = version["id"] - 1
    restored = steward.post(f"/api/refresh/versions/{baseline}/restore")
    assert restored.status_code == 200
    cell, row, board = _statuses(steward)
    assert cell == "restored"  # the applied file is no longer the live data
    _consistent(board)
    assert board["totals"]["slices_applied"] == 0
    assert "已恢复旧数据" in steward.get("/refresh").get_data(as_text=True)

    # restoring the applied version makes it applied again
    steward.post(f"/api/refresh/versions/{version['id']}/restore")
    cell, _, board = _statuses(steward)
    assert cell == "applied"
    _consistent(board)


def test_a_record_missing_from_the_file_is_deleted_only_when_ticked_or_kept(app, steward):
    records = changchun(app)
    gone = records[0]
    staged = upload(steward, csv_of(records[1:])).get_json()
    page = steward.get(f"/refresh/submissions/{staged['id']}").get_data(as_text=True)
    assert 'id="rf-deletions-banner"' in page and 'id="rf-deletions"' in page
    assert gone.name in page and 'name="delete"' in page and 'id="rf-keep-missing"' in page

    refused = steward.post(f"/refresh/submissions/{staged['id']}/apply")  # the form, unticked
    assert refused.status_code == 302 and "/refresh/submissions/" in refused.headers["Location"]
    assert len(changchun(app)) == len(records)
    flashed = steward.get(refused.headers["Location"]).get_data(as_text=True)
    assert "请逐条勾选确认删除" in flashed

    wrong_count = steward.post(f"/api/refresh/submissions/{staged['id']}/apply",
                               json={"delete_all": 2})
    assert wrong_count.status_code == 422 and len(changchun(app)) == len(records)

    kept = steward.post(f"/refresh/submissions/{staged['id']}/apply",
                        data={"keep_missing": "1"})
    assert kept.status_code == 302 and "/refresh/versions/" in kept.headers["Location"]
    assert {r.key for r in changchun(app)} == {r.key for r in records}

    again = upload(steward, csv_of(records[1:])).get_json()
    key = "|".join(str(k) for k in gone.key)
    ticked = steward.post(f"/refresh/submissions/{again['id']}/apply", data={"delete": key})
    assert ticked.status_code == 302 and "/refresh/versions/" in ticked.headers["Location"]
    assert gone.key not in {r.key for r in changchun(app)}


def test_problems_name_the_record_in_csv_and_xlsx(app, steward):
    records = changchun(app)
    lines = csv_of(records).decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("数量")] = "很多"
    bad = upload(steward, "\r\n".join([lines[0], ",".join(cells), *lines[2:]]).encode())
    assert bad.status_code == 422
    sub = bad.get_json()["error"]["details"]["submission"]
    error = sub["problems"]["errors"][0]
    assert error["row"] == 2 and records[0].name in error["record"]
    page = steward.get(f"/refresh/submissions/{sub['id']}").get_data(as_text=True)
    assert f'<td class="rec">{error["record"]}</td>' in page and 'id="rf-problems-xlsx"' in page
    xlsx = steward.get(f"/api/refresh/submissions/{sub['id']}/problems.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("类型", "行", "记录")
    assert rows[1][1] == 2 and records[0].name in rows[1][2]
    text = steward.get(f"/api/refresh/submissions/{sub['id']}/problems.csv").data.decode(
        "utf-8-sig")
    assert records[0].name in text.splitlines()[1]


def test_a_new_record_on_top_of_another_site_is_flagged(app, steward):
    records = changchun(app)
    twin = dataclasses.replace(records[0], name="示例新建物资库(坐标抄错)",
                               lon=records[0].lon + 0.0002, lat=records[0].lat)  # ≈ 16 m
    far = dataclasses.replace(records[1], name="示例远处物资库", lat=records[1].lat + 0.01)
    staged = upload(steward, csv_of([*records, twin, far])).get_json()
    warnings = [w for w in staged["problems"]["warnings"] if w["code"] == "near_other_site"]
    assert len(warnings) == 1
    assert twin.name in warnings[0]["message_zh"] and records[0].name in warnings[0]["message_zh"]
    assert "米" in warnings[0]["message_zh"]


def test_the_baseline_is_stamped_as_the_system_not_the_steward(app, steward):
    records = changchun(app)
    made = upload(steward, csv_of([dataclasses.replace(records[0], contact="王五"),
                                   *records[1:]])).get_json()
    app.config["FIXED_NOW"] = datetime(2026, 5, 25, 9, 0, tzinfo=SH)
    steward.post(f"/api/refresh/submissions/{made['id']}/apply")
    versions = steward.get("/api/refresh/versions?prefecture=长春市").get_json()["versions"]
    baseline = next(v for v in versions if v["source"] == "baseline")
    applied = next(v for v in versions if v["source"] == "submission")
    assert baseline["created_by"] == "system" and applied["created_by"] == "steward"
    assert baseline["created_at"] <= applied["created_at"]  # when the data was last written
    history = steward.get("/refresh/versions?prefecture=长春市").get_data(as_text=True)
    assert "系统(首次更新前的数据)" in history
