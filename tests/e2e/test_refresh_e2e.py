"""长春市's data steward runs the refresh in the browser, as a new user would: downloads
the template, uploads a file with an error, sees the error with its row and column, uploads the
corrected file, reads the diff, applies it, and rolls it back; an administrator sees the job runs.

The test serves its own app (sample inventory loaded, a data steward account, the clock pinned
inside the campaign) so the board and the diff are the same on every run.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import migrated_app, new_context, serving

pytestmark = pytest.mark.e2e

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PASSWORD = "e2e-password-1"


@pytest.fixture(scope="module")
def refresh_server(network, tmp_path_factory):
    from emergency import accounts
    from emergency.inventory import service as inventory

    app = migrated_app(network, tmp_path_factory.mktemp("refresh-e2e"), "e2e-refresh",
                       FIXED_NOW=NOW)
    with app.extensions["database"].session() as s:
        inventory.load_sample(s, network, as_of=NOW.date())
        for name, role, prefecture in (("steward", "data_steward", "长春市"),
                                       ("admin", "admin", None)):
            accounts.create_user(s, name, PASSWORD, role, display_name=name,
                                 hash_method=app.config["PASSWORD_HASH_METHOD"],
                                 prefecture=prefecture)
    with serving(app) as base:
        yield app, base


@pytest.fixture
def refresh_page(browser, refresh_server):
    context = new_context(browser, accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.base_url = refresh_server[1]  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: dialog.accept())  # the apply / restore confirmations
    yield page
    context.close()


def log_in(page, username: str) -> None:
    page.goto(page.base_url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(page.base_url + "/")


def files(app, tmp_path):  # noqa: ANN001
    """长春市's materials as the steward would send them: once with a typo, once corrected."""
    from emergency.inventory import export
    from emergency.refresh import service
    from emergency.substances import load_catalogue

    with app.extensions["database"].session() as s:
        live = [x.record for x in service.live_slice(s, "materials", "长春市")]
    first = live[0]
    items = list(first.items)
    items[0] = dataclasses.replace(items[0], quantity=items[0].quantity + 5)
    corrected = [dataclasses.replace(first, contact="王建国", items=tuple(items)), *live[2:]]
    good = export.to_csv("materials", corrected, load_catalogue())
    lines = good.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("有效期至")] = "2026/02/30"  # no such day
    bad = "\r\n".join([*lines[:3], ",".join(cells), *lines[4:]]).encode("utf-8-sig")
    (tmp_path / "长春市应急物资.csv").write_bytes(bad)
    (tmp_path / "长春市应急物资_改正.csv").write_bytes(good)
    return tmp_path / "长春市应急物资.csv", tmp_path / "长春市应急物资_改正.csv", live


def test_a_steward_uploads_corrects_applies_and_rolls_back_in_the_browser(
        refresh_page, refresh_server, tmp_path, shot):
    page = refresh_page
    app = refresh_server[0]
    bad, good, live = files(app, tmp_path)
    log_in(page, "steward")
    page.click("text=清单更新")
    page.wait_for_url("**/refresh")
    assert page.locator("h1").inner_text() == "汛前清单更新"
    assert page.locator("#rf-board tbody tr").count() == 9
    mine = page.locator('#rf-board tr[data-prefecture="长春市"]')
    assert mine.get_attribute("data-stage") == "missing"
    assert "本市州" in mine.inner_text()  # 长春市's steward: its own row marked
    assert page.locator("#rf-prefecture option[value]").all_inner_texts()[1:] == ["长春市"]
    with page.expect_download() as template:
        page.click('#rf-templates a[href$="materials/template.xlsx"]')
    assert template.value.suggested_filename == "应急物资模板.xlsx"
    shot(page, "refresh_board_zh")

    # 1. a file with an error: not staged, the error shown with its row and column
    page.select_option("#rf-prefecture", "长春市")
    page.select_option("#rf-kind", "materials")
    page.set_input_files("#rf-file", str(bad))
    page.click("#rf-upload-submit")
    page.wait_for_selector("#rf-errors")
    error = page.locator("#rf-error-table tbody tr").first
    assert error.get_attribute("data-row") == "4"
    assert error.get_attribute("data-column") == "有效期至"
    assert "日期无效" in error.inner_text()
    assert page.locator("#rf-apply").count() == 0
    shot(page, "refresh_errors_zh")

    # 2. the corrected file: staged, and the diff says exactly what changes
    page.click("#rf-upload-again")
    page.wait_for_selector("#rf-upload-form")
    assert page.locator("#rf-prefecture").input_value() == "长春市"
    assert page.locator("#rf-kind").input_value() == "materials"
    page.set_input_files("#rf-file", str(good))
    page.click("#rf-upload-submit")
    page.wait_for_selector("#rf-diff")
    assert page.locator("#rf-count-changed").inner_text() == "1"
    assert page.locator("#rf-count-removed").inner_text() == "1"
    assert page.locator("#rf-count-added").inner_text() == "0"
    changed = page.locator("#rf-diff-changed .rf-change").first
    assert "王建国" in changed.inner_text() and "联系人" in changed.inner_text()
    assert "数量" in changed.locator(".rf-items").inner_text()
    assert live[1].name in page.locator("#rf-diff-removed").inner_text()
    shot(page, "refresh_diff_zh", full_page=True)

    # 3. a record missing from the file is not deleted without an explicit confirmation
    banner = page.locator("#rf-deletions-banner")
    assert banner.is_visible() and live[1].name in banner.inner_text()
    page.click("#rf-apply")  # nothing ticked: refused, nothing applied
    page.wait_for_selector(".rf-flash.error")
    assert "请逐条勾选确认删除" in page.locator(".rf-flash.error").first.inner_text()
    from emergency.refresh import service

    with app.extensions["database"].session() as s:
        assert len(service.live_slice(s, "materials", "长春市")) == len(live)
    page.check("#rf-deletions .rf-delete-one")  # the one missing record: delete it
    shot(page, "refresh_deletion_ticked_zh")

    # 4. apply: one transaction, a new version
    page.click("#rf-apply")
    page.wait_for_selector(".rf-flash.ok")
    assert "已应用,生成版本" in page.locator(".rf-flash.ok").inner_text()
    page.goto(page.base_url + "/refresh")
    assert page.locator('#rf-board tr[data-prefecture="长春市"] td[data-kind="materials"]'
                        ).get_attribute("data-stage") == "applied"
    page.click("text=版本记录")
    page.wait_for_selector("#rf-versions")
    assert page.locator("#rf-versions tbody tr").count() == 2
    shot(page, "refresh_history_zh")

    # 5. roll back to the data before the refresh (the baseline), as a new version
    page.locator("#rf-versions tbody tr").last.locator("button[data-restore]").click()
    page.wait_for_selector(".rf-flash.ok")
    assert "已恢复到版本" in page.locator(".rf-flash.ok").inner_text()
    with app.extensions["database"].session() as s:
        now = [x.record for x in service.live_slice(s, "materials", "长春市")]
    assert sorted(now, key=lambda r: r.key) == sorted(live, key=lambda r: r.key)
    shot(page, "refresh_restored_zh", full_page=True)

    # one status after apply → restore: the cell, the row and the summary agree
    page.goto(page.base_url + "/refresh")
    row = page.locator('#rf-board tr[data-prefecture="长春市"]')
    assert row.locator('td[data-kind="materials"]').get_attribute("data-stage") == "restored"
    assert "已恢复旧数据" in row.locator('td[data-kind="materials"]').inner_text()
    assert row.get_attribute("data-stage") == "missing"  # risk sources were never sent
    assert row.locator("[data-required-applied]").get_attribute("data-required-applied") == "0"
    assert page.locator("#rf-slices-applied").inner_text().startswith("必报清单已应用 0/")
    missing = page.locator('#rf-board tbody tr[data-stage="missing"]').count()
    assert page.locator('[data-total="missing"]').inner_text().endswith(str(missing))
    shot(page, "refresh_board_after_restore_zh")

    page.goto(page.base_url + "/refresh?lang=en")
    assert page.locator("h1").inner_text() == "Pre-flood-season inventory refresh"
    shot(page, "refresh_board_en")


def test_an_administrator_sees_the_scheduled_jobs_and_their_runs(refresh_page, shot):
    page = refresh_page
    log_in(page, "admin")
    page.goto(page.base_url + "/refresh/jobs")
    assert page.locator("h1").inner_text() == "定时任务"
    page.click('button[data-run="refresh_campaign"]')
    page.wait_for_selector('#rf-runs tr[data-job="refresh_campaign"][data-status="ok"]')
    page.click('button[data-run="nightly_checks"]')
    page.wait_for_selector('#rf-runs tr[data-job="nightly_checks"][data-status="ok"]')
    assert page.locator(".rf-flash.ok").count() == 1
    shot(page, "refresh_jobs_zh", full_page=True)


def test_in_december_the_page_is_about_next_years_campaign(refresh_page, refresh_server, shot):
    app, _ = refresh_server
    app.config["FIXED_NOW"] = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    try:
        page = refresh_page
        log_in(page, "steward")
        page.goto(page.base_url + "/refresh")
        campaign = page.locator("#rf-campaign").inner_text()
        assert "2027 年度更新" in campaign and "未开始" in campaign
        assert "距汛期(2027-06-01)还有 176 天" in campaign
        assert "2026-06-01" not in campaign and "已截止" not in campaign
        shot(page, "refresh_december_zh")
    finally:
        app.config["FIXED_NOW"] = NOW
