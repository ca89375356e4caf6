"""The refresh pages and API through the Flask client: a steward's campaign, who may do what."""

from __future__ import annotations

import dataclasses
import io
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


@pytest.fixture
def steward(loaded, client_as):
    return client_as("data_steward", username="steward")


@pytest.fixture
def viewer(loaded, client_as):
    return client_as("viewer", username="looker")


def changchun(app) -> list:
    with app.extensions["database"].session() as s:
        return [x.record for x in service.live_slice(s, "materials", "长春市")]


def csv_of(records) -> bytes:  # noqa: ANN001
    return export.to_csv("materials", list(records), load_catalogue())


def upload(client, data: bytes, filename: str = "长春市应急物资.csv", **form):  # noqa: ANN001
    fields = {"prefecture": "长春市", "kind": "materials", **form,
              "file": (io.BytesIO(data), filename)}
    return client.post("/refresh/upload", data=fields, content_type="multipart/form-data")


def broken(records) -> bytes:  # noqa: ANN001
    lines = csv_of(records).decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("数量")] = "很多"
    return "\r\n".join([lines[0], ",".join(cells), *lines[2:]]).encode("utf-8")


def test_the_refresh_page_shows_the_board_the_upload_form_and_the_templates(steward):
    page = steward.get("/refresh").get_data(as_text=True)
    assert "汛前清单更新" in page and "2026 年度更新" in page
    for name in ("长春市", "吉林市", "延边朝鲜族自治州", "白城市"):
        assert f'data-prefecture="{name}"' in page
    assert 'id="rf-upload-form"' in page
    assert "/api/inventory/materials/template.xlsx" in page
    assert "距汛期(2026-06-01)还有 12 天" in page
    english = steward.get("/refresh?lang=en").get_data(as_text=True)
    assert "Progress by prefecture" in english and "Upload and validate" in english


def test_a_steward_uploads_sees_errors_corrects_applies_and_rolls_back(loaded, steward):
    records = changchun(loaded)
    resp = upload(steward, broken(records))
    assert resp.status_code == 302
    page = steward.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'id="rf-errors"' in page and 'data-row="2" data-column="数量"' in page
    assert "须为数字" in page and 'id="rf-apply"' not in page

    corrected = [dataclasses.replace(records[0], contact="王五"), *records[1:]]
    resp = upload(steward, csv_of(corrected))
    page = steward.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'id="rf-count-changed">1<' in page and 'id="rf-count-added">0<' in page
    assert "王五" in page and 'id="rf-apply"' in page
    sub_id = int(resp.headers["Location"].rsplit("/", 1)[1])

    resp = steward.post(f"/refresh/submissions/{sub_id}/apply")
    assert resp.status_code == 302 and "/refresh/versions/" in resp.headers["Location"]
    version_page = steward.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已应用,生成版本" in version_page and "王五" in version_page
    assert changchun(loaded)[0].contact == "王五"

    history = steward.get("/refresh/versions?prefecture=长春市&kind=materials")
    text = history.get_data(as_text=True)
    assert "首次更新前" in text and "报送应用" in text
    with loaded.extensions["database"].session() as s:
        baseline = min(service.versions(s, kind="materials", scope="长春市"),
                       key=lambda v: v.seq)
    resp = steward.post(f"/refresh/versions/{baseline.id}/restore")
    assert resp.status_code == 302
    assert "已恢复到版本" in steward.get(resp.headers["Location"]).get_data(as_text=True)
    assert sorted(changchun(loaded), key=lambda r: r.key) == sorted(records, key=lambda r: r.key)


def test_a_viewer_may_look_but_not_upload_apply_or_restore(loaded, steward, viewer):
    page = viewer.get("/refresh").get_data(as_text=True)
    assert 'id="rf-read-only"' in page and 'id="rf-upload-form"' not in page
    assert upload(viewer, csv_of(changchun(loaded))).status_code == 403
    resp = viewer.post("/api/refresh/submissions", data={
        "prefecture": "长春市", "kind": "materials",
        "file": (io.BytesIO(csv_of(changchun(loaded))), "x.csv")},
        content_type="multipart/form-data")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"

    sub_id = int(upload(steward, csv_of(changchun(loaded)[1:])).headers["Location"]
                 .rsplit("/", 1)[1])
    assert 'id="rf-apply"' not in viewer.get(f"/refresh/submissions/{sub_id}").get_data(
        as_text=True)
    assert viewer.post(f"/refresh/submissions/{sub_id}/apply").status_code == 403
    assert viewer.post(f"/api/refresh/submissions/{sub_id}/apply").status_code == 403
    assert viewer.post("/api/refresh/versions/1/restore").status_code == 403
    assert viewer.get("/refresh/jobs").status_code == 403
    with loaded.extensions["database"].session() as s:
        assert service.submission(s, sub_id).status == "staged"
        assert service.versions(s) == []


def test_the_api_stages_refuses_bad_files_with_422_and_applies(loaded, steward):
    records = changchun(loaded)
    bad = steward.post("/api/refresh/submissions", data={
        "prefecture": "长春", "kind": "materials", "file": (io.BytesIO(broken(records)), "x.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 422
    errors = bad.get_json()["error"]["details"]["submission"]["problems"]["errors"]
    assert errors[0]["row"] == 2 and errors[0]["column"] == "数量"

    good = steward.post("/api/refresh/submissions", data={
        "prefecture": "220100", "kind": "materials", "file": (io.BytesIO(csv_of(records[1:])),
                                                             "x.csv")},
        content_type="multipart/form-data")
    assert good.status_code == 201
    body = good.get_json()
    assert body["prefecture"] == "长春市" and body["diff"]["removed"] == 1
    refused = steward.post(f"/api/refresh/submissions/{body['id']}/apply")
    assert refused.status_code == 422  # a missing record is never deleted silently
    error = refused.get_json()["error"]
    assert error["code"] == "deletions_unconfirmed" and records[0].name in error["message_zh"]
    assert len(changchun(loaded)) == len(records)  # nothing applied
    key = error["details"]["unconfirmed"][0]["key"]
    applied = steward.post(f"/api/refresh/submissions/{body['id']}/apply", json={"delete": [key]})
    assert applied.status_code == 200 and applied.get_json()["seq"] == 1
    again = steward.post(f"/api/refresh/submissions/{body['id']}/apply")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_staged"

    listing = steward.get("/api/refresh/versions?prefecture=长春市").get_json()
    assert [v["source"] for v in listing["versions"]] == ["submission", "baseline"]
    version = steward.get(f"/api/refresh/versions/{listing['versions'][0]['id']}?records=1")
    assert version.get_json()["changes"]["counts"]["removed"] == 1
    assert len(version.get_json()["records"]) == len(records) - 1
    board = steward.get("/api/refresh/board").get_json()
    row = next(p for p in board["prefectures"] if p["prefecture"] == "长春市")
    assert row["kinds"]["materials"]["stage"] == "applied" and row["stage"] == "missing"
    exported = steward.get("/api/refresh/export/长春市/materials.csv")
    assert exported.status_code == 200 and exported.data.startswith(b"\xef\xbb\xbf")


def test_administrators_see_the_job_runs_and_can_run_a_job_now(loaded, client, steward):
    assert steward.get("/refresh/jobs").status_code == 403
    resp = client.post("/refresh/jobs/refresh_campaign/run")
    assert resp.status_code == 302
    page = client.get("/refresh/jobs").get_data(as_text=True)
    assert 'data-job="refresh_campaign" data-status="ok"' in page
    assert "尚无调度进程运行过" in page
    runs = client.get("/api/refresh/jobs").get_json()["runs"]
    assert runs[0]["job_id"] == "refresh_campaign" and runs[0]["trigger"] == "manual"
    assert runs[0]["result"]["opened"] is True
    notices = steward.get("/refresh").get_data(as_text=True)
    assert "2026 年汛前清单更新已开始" in notices
    client.post("/refresh/jobs/nightly_checks/run")  # no roster published: duty gaps
    page = client.get("/refresh/jobs").get_data(as_text=True)
    line = page.split('data-job="nightly_checks" data-status=', 1)[1].split("</tr>", 1)[0]
    assert "值班缺口 " in line and "值班缺口 0" not in line
    assert "个班次未排满" in steward.get("/refresh").get_data(as_text=True)


def test_a_prefecture_steward_acts_on_its_own_prefecture_only(loaded, steward, make_user,
                                                              login):
    local = loaded.test_client()
    login(local, make_user("data_steward", username="jilin-steward", prefecture_zh="吉林市"))
    page = local.get("/refresh").get_data(as_text=True)
    assert "数据管理员 · 吉林市" in page
    assert 'data-prefecture="吉林市" data-stage="missing" class="is-mine"' in page
    form = page.split('id="rf-upload-form"')[1].split("</form>")[0]
    assert '<option value="吉林市" selected>' in form and "长春市" not in form

    # 长春市's file from 吉林市's steward: refused (page and API), nothing staged
    resp = upload(local, csv_of(changchun(loaded)))
    assert resp.status_code == 302
    assert "不能报送、应用或恢复长春市的数据" in local.get(resp.headers["Location"]).get_data(
        as_text=True)
    api = local.post("/api/refresh/submissions", data={
        "prefecture": "长春市", "kind": "materials",
        "file": (io.BytesIO(csv_of(changchun(loaded))), "x.csv")},
        content_type="multipart/form-data")
    error = api.get_json()["error"]
    assert api.status_code == 403 and error["code"] == "other_prefecture"
    assert "吉林市" in error["message_zh"] and "Jilin" not in error["message_zh"]
    assert "answers for 吉林市" in error["message_en"]
    with loaded.extensions["database"].session() as s:
        assert service.submissions(s) == []

    # the provincial steward's staged 长春市 file: 吉林市's steward may read it, not apply it
    sub_id = int(upload(steward, csv_of(changchun(loaded)[1:])).headers["Location"]
                 .rsplit("/", 1)[1])
    page = local.get(f"/refresh/submissions/{sub_id}").get_data(as_text=True)
    assert 'id="rf-apply"' not in page and 'id="rf-other-prefecture"' in page
    assert local.post(f"/api/refresh/submissions/{sub_id}/apply").status_code == 403
    assert local.post(f"/api/refresh/submissions/{sub_id}/recompare").status_code == 403
    applied = steward.post(f"/api/refresh/submissions/{sub_id}/apply",
                           json={"delete_all": 1}).get_json()
    assert local.post(f"/api/refresh/versions/{applied['id'] - 1}/restore").status_code == 403
    assert 'data-restore="' not in local.get("/refresh/versions").get_data(as_text=True)
    # a whole-province import would touch every prefecture: provincial accounts only
    whole = local.post("/api/inventory/materials/import", data={
        "file": (io.BytesIO(csv_of(changchun(loaded))), "x.csv")},
        content_type="multipart/form-data")
    assert whole.status_code == 403 and whole.get_json()["error"]["code"] == "province_only"
    with loaded.extensions["database"].session() as s:
        assert service.submission(s, sub_id).status == "applied"
        assert [v.source for v in service.versions(s)] == ["submission", "baseline"]

    # its own prefecture: staged and applied by itself
    with loaded.extensions["database"].session() as s:
        jilin = [x.record for x in service.live_slice(s, "materials", "吉林市")]
    own = local.post("/api/refresh/submissions", data={
        "prefecture": "吉林市", "kind": "materials",
        "file": (io.BytesIO(csv_of(jilin[1:])), "吉林市应急物资.csv")},
        content_type="multipart/form-data")
    assert own.status_code == 201
    assert local.post(f"/api/refresh/submissions/{own.get_json()['id']}/apply",
                      json={"keep_missing": True}).status_code == 200
    assert local.get("/api/auth/me").get_json()["prefecture"] == "吉林市"


def test_the_steward_sees_which_key_river_plan_a_risk_source_file_changes(loaded, steward):
    with loaded.extensions["database"].session() as s:
        live = [x.record for x in service.live_slice(s, "risk_sources", "吉林市")]
    kept = [r for r in live if r.name != "吉林化学工业循环经济示范园区"]
    data = export.to_csv("risk_sources", kept, load_catalogue())
    resp = upload(steward, data, "吉林市风险源.csv", prefecture="吉林市", kind="risk_sources")
    page = steward.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'id="rf-count-removed">1<' in page
    notes = page.split('id="rf-plan-notes"', 1)[1].split("</div>", 1)[0]
    assert "将从「第二松花江」一河一策预案中移除" in notes
    english = steward.get(resp.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "leaves the plan of 第二松花江" in english


def test_refresh_downloads_are_inert_the_stored_file_its_problems_and_versions(loaded, steward):
    from openpyxl import load_workbook

    records = changchun(loaded)
    hostile = [dataclasses.replace(records[0], contact="=HYPERLINK(\"http://x\")"), *records[1:]]
    lines = csv_of(hostile).decode("utf-8-sig").splitlines()
    header, cells = lines[0].split(","), lines[1].split(",")
    cells[header.index("数量")] = "@SUM(1)"  # a bad number that is also a formula
    raw = "\r\n".join([lines[0], ",".join(cells), *lines[2:]]).encode("utf-8")
    # The stored file as uploaded: the exporter quoted the contact; undo that to upload it live.
    raw = raw.replace(b"'=HYPERLINK", b"=HYPERLINK")
    sub_id = int(upload(steward, raw).headers["Location"].rsplit("/", 1)[1])

    stored = steward.get(f"/api/refresh/submissions/{sub_id}/file")
    assert stored.status_code == 200
    assert "'=HYPERLINK" in stored.data.decode("utf-8-sig")
    assert "\n=" not in stored.data.decode("utf-8-sig") and ",=" not in stored.data.decode()
    problems = steward.get(f"/api/refresh/submissions/{sub_id}/problems.csv")
    text = problems.data.decode("utf-8-sig")
    assert "'@SUM(1)" in text and ",@SUM" not in text

    good = upload(steward, csv_of(hostile))
    good_id = int(good.headers["Location"].rsplit("/", 1)[1])
    assert steward.post(f"/api/refresh/submissions/{good_id}/apply").status_code == 200
    listing = steward.get("/api/refresh/versions?prefecture=长春市").get_json()
    version_id = listing["versions"][0]["id"]
    exported = steward.get(f"/api/refresh/versions/{version_id}/export.xlsx")
    book = load_workbook(io.BytesIO(exported.data))
    found = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in found if c.data_type == "f"]
    assert "'=HYPERLINK(\"http://x\")" in {c.value for c in found}
    live = steward.get("/api/refresh/export/长春市/materials.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in live
