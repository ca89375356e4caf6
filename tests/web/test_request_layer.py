"""The one request layer (emergency/web/params.py, errors.py): body limits that stop chunked
bodies, strict JSON, numbers and ids within the database's range, file names never used as
paths, stale saves as 409, zip bombs refused before parsing — each a bilingual 4xx that changes
nothing."""

from __future__ import annotations

import io
import threading

import pytest
from werkzeug.exceptions import RequestEntityTooLarge

from emergency.web.errors import ApiError
from emergency.web.params import DB_INT_MAX, BodyLimit, to_float, to_int
from tests.incident_world import NOW, SPILL, report_spill
from tests.upload_bombs import xlsx_bomb


def refused(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    err = resp.get_json()["error"]
    assert err["message_zh"] and err["message_en"]
    if code is not None:
        assert err["code"] == code, err
    return err


@pytest.fixture
def spill(app, client):
    return report_spill(app, client)


class EndlessBody:
    """A request body that never ends (a chunked upload with no length); counts what is read."""

    def __init__(self, head: bytes = b"") -> None:
        self.head, self.read_bytes = head, 0

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        data = (self.head + b"x" * size)[:size]
        self.head = self.head[len(data):]
        self.read_bytes += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


# ------------------------------------------------------------------ body limits
def test_a_chunked_upload_past_the_limit_is_413_after_reading_no_more_than_the_limit(
        app, client):
    app.config["MAX_CONTENT_LENGTH"] = 2**20
    body = EndlessBody(b'--B\r\nContent-Disposition: form-data; name="file"; '
                       b'filename="staff.csv"\r\nContent-Type: text/csv\r\n\r\n')
    before = client.get("/api/staff").get_json()
    resp = client.post("/api/staff/import", content_type="multipart/form-data; boundary=B",
                       environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True,
                                          "HTTP_TRANSFER_ENCODING": "chunked"})
    refused(resp, 413)
    assert body.read_bytes <= 2**20 + 65536 + 1  # stopped at the limit, not at the end
    assert client.get("/api/staff").get_json() == before


def test_the_streaming_guard_counts_every_byte_read_from_wsgi_input():
    """Whatever reads the input (here a bare WSGI app, no Content-Length) is stopped."""
    seen = {}

    def reader(environ, start_response):
        seen["data"] = environ["wsgi.input"].read()
        start_response("200 OK", [])
        return [b""]

    body = EndlessBody()
    with pytest.raises(RequestEntityTooLarge):
        BodyLimit(reader, lambda: 1000)({"wsgi.input": body}, lambda *a: None)
    assert body.read_bytes == 1001 and "data" not in seen
    small = io.BytesIO(b"x" * 999)
    BodyLimit(reader, lambda: 1000)({"wsgi.input": small}, lambda *a: None)
    assert seen["data"] == b"x" * 999


def test_a_declared_length_past_the_limit_is_413_in_both_languages(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    refused(client.post("/api/incidents", data=b"{" + b" " * 2000 + b"}",
                        content_type="application/json"), 413)


# ------------------------------------------------------------------ strict JSON
@pytest.mark.parametrize(("body", "code"), [
    (b"[" * 100_000 + b"]" * 100_000, "json_too_deep"),
    (b'{"title": ' + b"[" * 40 + b"]" * 40 + b"}", "json_too_deep"),
    (b'{"title": "\xc3\x28"}', "invalid_encoding"),
    (b'{"title": "\\ud800"}', "invalid_text"),
    (b'{"\\udfff": 1}', "invalid_text"),
    (b'{"mass_kg": NaN}', "invalid_number"),
    (b'{"mass_kg": -Infinity}', "invalid_number"),
    (b'{"mass_kg": 1e400}', "number_out_of_range"),
    (b'{"deaths": 99999999999999999999}', "number_out_of_range"),
    (b'{"deaths": 1' + b"0" * 5000 + b"}", "number_out_of_range"),
    (b'{"title": ', "invalid_json"),
    (b"[1, 2]", "invalid_json"),
])
def test_json_that_cannot_be_stored_is_400_and_nothing_is_reported(client, body, code):
    refused(client.post("/api/incidents", data=body, content_type="application/json"), 400,
            code)
    assert client.get("/api/incidents").get_json()["incidents"] == []


@pytest.mark.parametrize(("field", "value"), [
    ("mass_kg", 1e308), ("mass_kg", "NaN"), ("mass_kg", "Infinity"), ("deaths", 1e19),
    ("deaths", -1e19), ("deaths", 2**40), ("evacuated", "1e999"), ("economic_loss_cny", 1e308),
    ("lon", "nan"), ("risk_source_id", 2**40), ("segment_id", 1e300), ("title", {"a": 1}),
    ("deaths", True), ("release_hours", 1e308), ("discharge_m3s", 1e308),
])
def test_numbers_past_what_the_engine_and_database_hold_are_422(client, field, value):
    err = refused(client.post("/api/incidents", json={**SPILL, field: value}), 422,
                  "invalid_incident")
    assert field in {p["field"] for p in err["problems"]}
    assert client.get("/api/incidents").get_json()["incidents"] == []


@pytest.mark.parametrize("version", ["abc", [], {"v": 1}, 1e19, -1, True, "1e999"])
def test_a_version_that_is_not_a_whole_number_is_400_not_a_crash(client, spill, version):
    refused(client.patch(f"/api/incidents/{spill['id']}", json={"version": version,
                                                                "title": "改"}), 400)
    item = spill["response"]["checklist"][0]
    refused(client.patch(f"/api/incidents/{spill['id']}/checklist/{item['id']}",
                         json={"status": "done", "version": version}), 400)
    assert client.get(f"/api/incidents/{spill['id']}").get_json()["version"] == spill["version"]


def test_values_from_a_body_are_checked_for_type_finiteness_and_range():
    assert to_int("12", "n") == 12 and to_int(12.0, "n") == 12
    for bad in (True, 1.5, "1.5", "NaN", 1e19, 2**31, "x" * 100, None, [1]):
        with pytest.raises(ApiError) as caught:
            to_int(bad, "n")
        assert caught.value.status == 400 and "n" in caught.value.message_en
    assert to_int(5, "n", minimum=1, maximum=10) == 5
    with pytest.raises(ApiError):
        to_int(11, "n", minimum=1, maximum=10)
    assert to_float("1.5", "x") == 1.5 and to_float(1e308, "x") == 1e308
    for bad in ("NaN", "inf", "-Infinity", "1e999", True, "abc", {}):
        with pytest.raises(ApiError):
            to_float(bad, "x")


# ------------------------------------------------------------------ ids and names
@pytest.mark.parametrize("raw", [str(DB_INT_MAX + 1), str(2**63), "9" * 30, "9" * 5000])
def test_an_id_past_the_databases_range_is_404(client, raw):
    assert client.get(f"/api/incidents/{raw}").status_code == 404
    assert client.patch(f"/api/incidents/{raw}", json={"version": 1}).status_code in (404, 405)
    assert client.get(f"/api/staff/{raw}").status_code == 404


def test_a_scenario_name_is_never_a_path(app, client):
    app.config["FIXED_NOW"] = NOW
    for name in ("x" * 1_000_000, "../../../etc/passwd", "a\x00b", "..", "%2e%2e"):
        refused(client.post("/api/drills/runs", json={"scenario_id": name, "speed": 0}), 404)
    assert client.get("/api/drills/scenarios/" + "x" * 100_000).status_code == 404


# ------------------------------------------------------------------ concurrent saves
def test_two_people_saving_the_same_version_get_one_200_and_one_409(
        app, spill, make_user, login, monkeypatch):
    """Both pass the version check before either writes (a barrier holds them there); the
    database decides: the second UPDATE … WHERE version = n finds nothing → 409, not 500."""
    from emergency.incidents import service

    clients = []
    for name in ("officer_a", "officer_b"):
        c = app.test_client()
        login(c, make_user("duty_officer", username=name))
        clients.append(c)
    barrier = threading.Barrier(2, timeout=20)
    original = service.package_for

    def both_checked_then_write(*args, **kwargs):
        barrier.wait()  # both requests have read version n and passed _check_version
        return original(*args, **kwargs)

    monkeypatch.setattr(service, "package_for", both_checked_then_write)
    results: dict[str, object] = {}

    def save(c, title: str) -> None:
        resp = c.patch(f"/api/incidents/{spill['id']}",
                       json={"version": spill["version"], "title": title})
        results[title] = (resp.status_code, resp.get_json())

    threads = [threading.Thread(target=save, args=(c, t))
               for c, t in zip(clients, "AB", strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(s for s, _ in results.values())
    assert statuses == [200, 409], results
    loser = next(body for s, body in results.values() if s == 409)
    assert loser["error"]["code"] == "version_conflict" and loser["error"]["message_zh"]
    winner = next(title for title, (s, _) in results.items() if s == 200)
    monkeypatch.setattr(service, "package_for", original)
    stored = app.test_client()
    login(stored, make_user("viewer"))
    row = stored.get(f"/api/incidents/{spill['id']}").get_json()
    assert row["title"] == winner and row["version"] == spill["version"] + 1


# ------------------------------------------------------------------ workbooks
@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = xlsx_bomb(1_000_000)
    assert len(data) < 1_000_000  # < 1 MB on the wire, ~180 MB of sheet XML
    return data


@pytest.fixture(scope="module")
def bomb_without_dimension() -> bytes:
    return xlsx_bomb(300_000, dimension=False)


def upload(client, url: str, data: bytes, filename: str):
    """A multipart upload built here (werkzeug's test encoder spools a body over 500 kB to a
    temporary file it never closes)."""
    body = (b'--B\r\nContent-Disposition: form-data; name="file"; filename="'
            + filename.encode() + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + data + b"\r\n--B--\r\n")
    return client.post(url, data=body, content_type="multipart/form-data; boundary=B")


def test_a_zip_bomb_is_refused_before_parsing_by_every_importer(app, client, bomb):
    before = client.get("/api/staff").get_json()
    for url in ("/api/inventory/materials/import", "/api/staff/import"):
        err = refused(upload(client, url, bomb, "m.xlsx"), 413)
        assert err["code"] in ("workbook_too_large", "workbook_suspicious")
        assert "解压后过大" in err["message_zh"] or "压缩比" in err["message_zh"]
    assert client.get("/api/staff").get_json() == before


def test_the_readers_refuse_a_bomb_themselves(bomb):
    """The inbox job and the CLI reach the readers without the web layer."""
    from emergency.inventory.tables import FileProblem, read_table
    from emergency.roster.staff_table import read_staff

    with pytest.raises(FileProblem) as caught:
        read_table("materials", bomb, "m.xlsx")
    assert caught.value.problem.code == "workbook_too_large"
    parsed = read_staff(bomb, "staff.xlsx")
    assert parsed.records == () and "解压后过大" in parsed.errors[0].message_zh


def test_a_sheet_with_too_many_rows_is_refused_even_without_a_dimension(bomb_without_dimension):
    from emergency.spreadsheets import WorkbookTooLarge, check_xlsx

    with pytest.raises(WorkbookTooLarge) as caught:
        check_xlsx(bomb_without_dimension, max_ratio=1e9)
    assert caught.value.code == "too_many_rows" and "行" in caught.value.message_zh
    check_xlsx(xlsx_bomb(5_000), max_ratio=1e9)  # a small sheet passes
