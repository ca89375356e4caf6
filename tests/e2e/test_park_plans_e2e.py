"""园区预案管理 in the browser: 吉林市's steward downloads the park-01 workbook, enlarges a public
pool, uploads it as a draft (a bad workbook first: every problem listed by sheet, row and
column, nothing stored), reads the diff and submits; the reviewer approves from the queue; the
park page then names v2 and the engine reads the new volume. Screenshot in tests/artifacts/."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import logged_in, migrated_app, serving
from tests.plan_world import seed_parks

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-password-1"
PARK = "park-01"


@pytest.fixture(scope="module")
def parks_server(network, plan_set, park_set, tmp_path_factory):
    from emergency import accounts

    app = migrated_app(network, tmp_path_factory.mktemp("park-plans-e2e"), "e2e-parks",
                       PLAN_SET=plan_set, PARK_SET=park_set)
    seed_parks(app)
    with app.extensions["database"].session() as s:
        for name, role, prefecture in (("jl-steward", "data_steward", "吉林市"),
                                       ("reviewer", "plan_reviewer", None)):
            accounts.create_user(s, name, PASSWORD, role, display_name=name,
                                 hash_method=app.config["PASSWORD_HASH_METHOD"],
                                 prefecture=prefecture)
    with serving(app) as base:
        yield base, app


def session_as(browser, base: str, username: str):  # noqa: ANN001, ANN201
    return logged_in(browser, base, username, (1400, 1000), PASSWORD, accept_downloads=True)


def edited(data: bytes, volume: float, tmp_path, name: str) -> str:  # noqa: ANN001
    book = load_workbook(io.BytesIO(data))
    sheet = book["公共应急池"]
    column = [c.value for c in sheet[1]].index("容积 m³(volume_m3)") + 1
    sheet.cell(row=2, column=column, value=volume)
    path = tmp_path / name
    book.save(path)
    return str(path)


def test_upload_a_workbook_submit_and_approve_in_the_browser(browser, parks_server, shot,
                                                             tmp_path):
    base, app = parks_server
    errors: list[str] = []
    ctx, page = session_as(browser, base, "jl-steward")
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{base}/parks/{PARK}")
    assert "现行版本 v1" in page.inner_text("#park-version")
    page.click("#park-edit-link")
    page.wait_for_url(f"**/parks/{PARK}/edit")
    with page.expect_download() as download:
        page.click("#park-plan-xlsx")
    data = Path(download.value.path()).read_bytes()

    page.set_input_files("#park-plan-file", edited(data, -5, tmp_path, "bad.xlsx"))
    page.click("#park-plan-import-button")
    page.wait_for_selector("#park-plan-problems li")
    problem = page.inner_text("#park-plan-problems")
    assert "公共应急池 · 第 2 行 · 容积 m³(volume_m3)" in problem and "不能小于 0" in problem
    assert "未保存" in page.inner_text("#plan-message")
    assert page.locator("#park-plan-no-draft").count() == 1  # nothing stored

    page.set_input_files("#park-plan-file", edited(data, 9000, tmp_path, "good.xlsx"))
    page.click("#park-plan-import-button")
    page.wait_for_selector("#plan-diff tbody tr[data-op='changed']")
    assert "9000" in page.inner_text("#plan-diff")
    page.fill("#park-plan-note", "公共应急池1 扩容至 9000 m³")
    shot(page, "park-plan-editor", full_page=True)
    page.click("#park-plan-submit")
    page.wait_for_selector("#park-plan-review-link")
    ctx.close()

    ctx, page = session_as(browser, base, "reviewer")
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{base}/plans/review")
    page.locator("#plan-waiting-table a", has_text="吉林化学工业循环经济示范园区").click()
    page.wait_for_url(f"**/parks/{PARK}/review/*")
    page.click("#plan-approve")
    page.wait_for_url(f"**/parks/{PARK}/versions")
    assert page.locator("#plan-version-table tr[data-version='2']").count() == 1
    page.goto(f"{base}/parks/{PARK}")
    assert "现行版本 v2" in page.inner_text("#park-version")
    ctx.close()
    pool = app.extensions["parks"].get().get(PARK).doc.park.pools[0]
    assert pool.volume_m3 == 9000
    assert errors == []


def put_from_elsewhere(page, park: str, change: dict) -> dict:  # noqa: ANN001
    """What another session of the same steward saves meanwhile: GET the open draft, change
    ``{path: value}`` of its park pools, PUT it back with its revision (the app's own API)."""
    return page.evaluate("""async ([park, change]) => {
        const list = await (await EEC.fetch(`/api/parks/${park}/drafts`)).json();
        const open = list.drafts.find(d => d.status === "editing");
        const url = `/api/parks/${park}/drafts/${open.id}`;
        const draft = await (await EEC.fetch(url)).json();
        for (const [i, value] of Object.entries(change)) {
            draft.document.park.pools[Number(i)].volume_m3 = value;
        }
        const resp = await EEC.fetch(url, {method: "PUT",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({document: draft.document, revision: draft.revision})});
        return {status: resp.status, body: await resp.json()};
    }""", [park, change])


def draft_document(page, park: str) -> dict:  # noqa: ANN001
    return page.evaluate("""async (park) => {
        const list = await (await EEC.fetch(`/api/parks/${park}/drafts`)).json();
        const open = list.drafts.find(d => d.status === "editing");
        return (await (await EEC.fetch(`/api/parks/${park}/drafts/${open.id}`)).json()).document;
    }""", park)


def test_edit_the_park_plan_online_a_bad_number_and_a_concurrent_save(browser, parks_server,
                                                                      shot):
    base, _app = parks_server
    errors: list[str] = []
    ctx, page = session_as(browser, base, "jl-steward")
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{base}/parks/{PARK}/edit")
    assert "示例数据" in page.inner_text("#park-plan-sample-mark")
    page.click("#park-plan-edit-online")  # opens a draft from the version in force
    page.wait_for_selector("#park-plan-form")
    volume = 'input[data-path="park.pools[0].volume_m3"]'
    before = float(page.input_value(volume))

    # 1. a public pool enlarged, saved: the diff below lists it
    page.fill(volume, str(int(before) + 750))
    assert "未保存" in page.inner_text("#park-form-message")
    page.click("#park-form-save")
    page.wait_for_selector("#plan-diff tbody tr[data-op='changed']")
    assert "已保存" in page.inner_text("#park-form-message")
    diff = page.inner_text("#plan-diff")
    assert "公共应急池" in diff and str(int(before) + 750) in diff and str(int(before)) in diff
    assert "修改内容(1)" in page.inner_text("#park-plan-changes-title")
    assert draft_document(page, PARK)["park"]["pools"][0]["volume_m3"] == before + 750

    # 2. a negative accident pool: hinted as typed, refused by the server at the field,
    #    nothing stored
    pool = 'input[data-path="enterprises[0].accident_pool.volume_m3"]'
    kept = float(page.input_value(pool))
    page.fill(pool, "-20")
    slot = '[data-problem-for="enterprises[0].accident_pool.volume_m3"]'
    assert page.inner_text(slot) == "不能小于 0"  # the browser's hint
    page.click("#park-form-save")
    page.wait_for_selector(f"{slot} .park-problem-line")
    assert "不能小于 0" in page.inner_text(f"{slot} .park-problem-line")
    assert "未保存" in page.inner_text("#park-form-message")
    assert "enterprises[0].accident_pool.volume_m3" in page.inner_text("#park-form-problems")
    assert page.locator(pool).evaluate("el => el.classList.contains('plan-bad')")
    assert draft_document(page, PARK)["enterprises"][0]["accident_pool"]["volume_m3"] == kept
    shot(page, "park-plan-online-422", full_page=True)
    page.fill(pool, str(int(kept)))

    # 3. another session of the same steward saves meanwhile: 409 naming who, typed values kept
    ctx2, other = session_as(browser, base, "jl-steward")
    other.goto(f"{base}/parks/{PARK}")
    saved = put_from_elsewhere(other, PARK, {"1": 5555.0})
    assert saved["status"] == 200, saved
    ctx2.close()
    in_use = 'input[data-path="park.pools[0].in_use_m3"]'
    closer = 'input[data-path="enterprises[0].outfalls[0].closer_zh"]'
    page.fill(in_use, "321")
    page.fill(closer, "值班长张三(示例)")
    page.click("#park-form-save")
    page.wait_for_selector("#park-form-save-over:not([hidden])")
    message = page.inner_text("#park-form-message")
    assert "未保存" in message and "jl-steward" in message and "草稿已被" in message
    assert re.search(r"于 \d{4}-\d\d-\d\d \d\d:\d\d 保存", message) and "+00:00" not in message
    assert page.input_value(in_use) == "321" and page.input_value(closer) == "值班长张三(示例)"
    assert page.input_value(pool) == str(int(kept))
    assert page.input_value(volume) == str(int(before) + 750)
    shot(page, "park-plan-online-editor", full_page=True)
    assert draft_document(page, PARK)["park"]["pools"][0]["in_use_m3"] != 321
    # what saving over would replace is on screen first: the other session's 5555 m³ pool
    page.wait_for_selector("#park-form-theirs:not([hidden])")
    replaced = page.inner_text("#park-form-theirs")
    assert "5555" in replaced and "321" in replaced and "值班长张三(示例)" in replaced

    # saving over the newer revision keeps what was typed here
    page.click("#park-form-save-over")
    page.wait_for_function("() => document.querySelector('#park-form-message')"
                           ".textContent.includes('已保存')")
    doc = draft_document(page, PARK)
    assert doc["park"]["pools"][0]["in_use_m3"] == 321
    assert doc["enterprises"][0]["outfalls"][0]["closer_zh"] == "值班长张三(示例)"
    page.wait_for_selector("#plan-diff tbody tr[data-key='pool-1']")

    # in English: a pool whose use exceeds its volume is told at the pool's row
    page.goto(f"{base}/parks/{PARK}/edit?lang=en")
    page.fill('input[data-path="park.pools[1].in_use_m3"]', "99999")
    page.click("#park-form-save")
    row_slot = '[data-problem-for="park.pools[1]"] .park-problem-line'
    page.wait_for_selector(row_slot)
    assert page.inner_text(row_slot) == "in_use_m3 exceeds volume_m3"
    assert "problem(s), nothing saved" in page.inner_text("#park-form-message")
    assert page.locator("tr[data-path='park.pools[1]'].park-row-bad").count() == 1
    ctx.close()
    assert errors == []


def test_hostile_names_in_a_park_plan_are_text_in_the_online_tables(browser, parks_server,
                                                                    shot):
    from tests.plan_world import publish_park

    base, app = parks_server
    hostile = '<img src=x onerror="window.__pwned=1">'

    def rename(doc: dict) -> None:
        doc["enterprises"][0]["name_zh"] = hostile + "企业"
        doc["park"]["pools"][0]["name_zh"] = hostile + "应急池"
        doc["contacts"][0]["unit_zh"] = hostile + "(示例)"

    publish_park(app, "park-02", rename)
    errors: list[str] = []
    ctx, page = session_as(browser, base, "jl-steward")
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{base}/parks/park-02/edit")
    page.click("#park-plan-edit-online")
    page.wait_for_selector("#park-plan-form")
    assert hostile + "企业" in page.inner_text("#park-form-enterprises")
    assert hostile + "应急池" in page.inner_text("#park-form-pools")
    unit = page.input_value('input[data-path="contacts[0].unit_zh"]')
    assert unit == hostile + "(示例)"
    assert page.locator("#park-plan-form img").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")
    page.goto(f"{base}/parks/park-02/edit?lang=en")
    page.wait_for_selector("#park-form-enterprises")
    assert "Accident pool volume (m³)" in page.inner_text("#park-form-enterprises")
    shot(page, "park-plan-online-editor-en", full_page=True)
    page.goto(f"{base}/parks?lang=zh")
    row = page.inner_text("#parks-table tr[data-park='park-02']")
    assert "v2" in row and "park-reviewer" in row and "示例数据" in row
    shot(page, "parks-index-versions", full_page=True)
    ctx.close()
    assert errors == []
