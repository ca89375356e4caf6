"""预案管理 in the browser: 长春市's steward edits an intake of the 饮马河 plan (types its position
in 度分秒, changes the population served) and submits it; the provincial reviewer reads the diff
and approves; the river page and /api/plans/<id> show the change, the old version is still
readable, and restoring it publishes a third version. A steward of another prefecture sees the
plan read-only. Screenshots of the editor, the review page and the A3 一图 go to tests/artifacts/.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import logged_in, migrated_app, serving
from tests.plan_world import seed_plans

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-password-1"
PLAN = "yinma-he"


@pytest.fixture(scope="module")
def plans_server(network, plan_set, tmp_path_factory):
    from emergency import accounts

    app = migrated_app(network, tmp_path_factory.mktemp("plans-e2e"), "e2e-plans",
                       PLAN_SET=plan_set)
    seed_plans(app)
    with app.extensions["database"].session() as s:
        for name, role, prefecture in (("steward", "data_steward", "长春市"),
                                       ("reviewer", "plan_reviewer", None),
                                       ("baishan", "data_steward", "白山市")):
            accounts.create_user(s, name, PASSWORD, role, display_name=name,
                                 hash_method=app.config["PASSWORD_HASH_METHOD"],
                                 prefecture=prefecture)
    with serving(app) as base:
        yield base


def session_as(browser, base: str, username: str, size=(1600, 1000)):
    return logged_in(browser, base, username, size, PASSWORD)


def test_edit_submit_review_publish_and_restore_in_the_browser(browser, plans_server, shot):
    base = plans_server
    ctx, page = session_as(browser, base, "steward")
    page.goto(f"{base}/rivers/{PLAN}/edit")
    page.click("#plan-start")
    page.wait_for_selector("#plan-save")
    row = page.locator('#plan-table-receptors tr[data-site="intake-1"]')
    # the position typed in 度分秒 (~55 m north of the old one), snapped live onto the river
    coords = row.locator(".plan-coords")
    coords.fill("东经125°46′01.63″ 北纬44°08′33.54″")
    coords.press("Tab")
    page.wait_for_function(
        "() => { const c = document.querySelector('tr[data-site=\"intake-1\"] .plan-placed');"
        " return c && /km/.test(c.textContent); }")
    page.wait_for_function(
        "() => Math.abs(window.EEC_PLAN_EDITOR.doc().receptors[2].lat - 44.142650) < 1e-5")
    row.locator("button", has_text="详细信息").click()
    population = page.locator('[data-path="receptors[2].population_served"]')
    population.fill("160000")
    population.press("Tab")
    page.wait_for_selector("#plan-problems.ok")
    shot(page, "plan-editor", full_page=False)
    page.click("#plan-save")
    page.wait_for_function("() => /已保存/.test(document.getElementById('plan-status')"
                           ".textContent)")
    page.fill("#plan-note", "九台区取水口坐标复核,服务人口更新")
    page.click("#plan-submit")
    page.wait_for_url(f"**/rivers/{PLAN}/review/*")
    assert page.locator("#plan-approve").count() == 0  # a steward cannot approve
    ctx.close()

    ctx, page = session_as(browser, base, "reviewer")
    page.goto(f"{base}/plans/review")
    page.click("#plan-waiting-table a")
    page.wait_for_selector("#plan-diff")
    ops = page.locator("#plan-diff tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.op + ':' + r.dataset.key)")
    assert sorted(ops) == ["changed:intake-1", "moved:intake-1"]
    assert "移动 55 m" in page.inner_text("#plan-diff") or "移动 56 m" in page.inner_text(
        "#plan-diff")
    assert "150000" in page.inner_text("#plan-diff") and "160000" in page.inner_text(
        "#plan-diff")
    shot(page, "plan-review", full_page=True)
    page.fill("#plan-comment", "同意")
    page.click("#plan-approve")
    page.wait_for_url(f"**/rivers/{PLAN}/versions")
    assert page.locator("#plan-version-table tr[data-version='2']").count() == 1

    page.goto(f"{base}/rivers/{PLAN}")
    assert "v2" in page.inner_text("#river-version")
    assert "服务人口 16 万" in page.inner_text("#river-receptors")
    api = page.request.get(f"{base}/api/plans/{PLAN}").json()
    assert api["version"] == 2 and api["published_by"] == "reviewer"
    intake = next(s for s in api["sites"] if s["id"] == f"{PLAN}/intake-1")
    assert intake["attrs"]["population_served"] == 160000
    old = page.request.get(f"{base}/api/plans/{PLAN}/versions/1").json()
    assert next(r for r in old["document"]["receptors"]
                if r["id"] == "intake-1")["population_served"] == 150000

    page.goto(f"{base}/rivers/{PLAN}/versions")
    page.once("dialog", lambda d: d.accept())
    page.click("#plan-version-table tr[data-version='1'] button[data-restore]")
    page.wait_for_selector("#plan-version-table tr[data-version='3']")
    api = page.request.get(f"{base}/api/plans/{PLAN}").json()
    assert api["version"] == 3
    intake = next(s for s in api["sites"] if s["id"] == f"{PLAN}/intake-1")
    assert intake["attrs"]["population_served"] == 150000
    ctx.close()


def test_the_a3_map_prints_on_one_landscape_sheet(browser, plans_server, shot):
    ctx, page = session_as(browser, plans_server, "reviewer", size=(1650, 1200))
    page.goto(f"{plans_server}/rivers/{PLAN}/a3")
    page.wait_for_selector("#plan-a3-map .leaflet-interactive")
    page.wait_for_timeout(800)  # the background layer
    assert "预案版本 v" in page.inner_text("#plan-a3-stamp")
    legend = page.inner_text("#plan-a3-legend")
    assert "取水口" in legend and "拦截点" in legend and "市(州)界" in legend and "省界" in legend
    shot(page, "plan-a3", full_page=True)
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf[:4] == b"%PDF"
    from tests.e2e.conftest import ARTIFACTS

    (ARTIFACTS / "plan-a3.pdf").write_bytes(pdf)
    ctx.close()


def test_a_steward_of_another_prefecture_sees_the_editor_read_only(browser, plans_server):
    ctx, page = session_as(browser, plans_server, "baishan")
    page.goto(f"{plans_server}/rivers/{PLAN}/edit")
    page.wait_for_selector("#plan-readonly")
    assert page.locator("#plan-start").count() == 0
    assert page.locator("#plan-table-receptors input").first.is_disabled()
    ctx.close()
