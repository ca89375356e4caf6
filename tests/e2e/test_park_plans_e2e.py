"""园区预案管理 in the browser: 吉林市's steward downloads the park-01 workbook, enlarges a public
pool, uploads it as a draft (a bad workbook first: every problem listed by sheet, row and
column, nothing stored), reads the diff and submits; the reviewer approves from the queue; the
park page then names v2 and the engine reads the new volume. Screenshot in tests/artifacts/."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.plan_world import seed_parks

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-password-1"
PARK = "park-01"


@pytest.fixture(scope="module")
def parks_server(network, plan_set, park_set, tmp_path_factory):
    from werkzeug.serving import make_server

    from app import create_app
    from emergency import accounts
    from emergency.store import upgrade

    tmp = tmp_path_factory.mktemp("park-plans-e2e")
    url = f"sqlite:///{tmp / 'parks.sqlite3'}"
    upgrade(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_DIR": tmp,
                      "SECRET_KEY": "e2e-parks", "RIVER_NETWORK": network, "PLAN_SET": plan_set,
                      "PARK_SET": park_set, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    seed_parks(app)
    with app.extensions["database"].session() as s:
        for name, role, prefecture in (("jl-steward", "data_steward", "吉林市"),
                                       ("reviewer", "plan_reviewer", None)):
            accounts.create_user(s, name, PASSWORD, role, display_name=name,
                                 hash_method=app.config["PASSWORD_HASH_METHOD"],
                                 prefecture=prefecture)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    app.extensions["database"].engine.dispose()


def session_as(browser, base: str, username: str):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(lambda u: "/login" not in u)
    return context, page


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
