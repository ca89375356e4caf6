"""XLSX files are read by python-calamine and give the values openpyxl gives (the contract the
inventory rules were written against): each sheet below is read both ways and compared."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from emergency.inventory.tables import FileProblem, read_table, write_xlsx
from emergency.spreadsheets import xlsx_rows


def openpyxl_rows(data: bytes, sheet: str | None = None) -> list[tuple]:
    """openpyxl's reading (read-only, cached formula values), each row to its last value."""
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    ws.reset_dimensions()
    rows = []
    for row in ws.iter_rows(values_only=True):
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        rows.append(tuple(cells))
    wb.close()
    while rows and rows[-1] == ():
        rows.pop()
    return rows


def calamine_rows(data: bytes, sheet: str | None = None) -> list[tuple]:
    """What the inventory import reads (python-calamine, given as openpyxl gives values)."""
    _name, rows = xlsx_rows(data, lambda names: sheet or names[0])
    while rows and rows[-1] == ():
        rows.pop()
    return rows


def both(data: bytes, sheet: str | None = None) -> tuple[list, list]:
    return calamine_rows(data, sheet), openpyxl_rows(data, sheet)


def saved(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_workbook_with_shared_strings_dates_gaps_and_formulas_reads_the_same():
    wb = Workbook()
    ws = wb.active
    ws.title = "应急物资"
    ws.append(["储备库名称", "数量", "有效期至", "是否", "备注"])
    ws.append(["示例库 A&B <1>", 12, date(2027, 6, 30), True, "  两端空格  "])
    ws.append(["第二行\n换行", 0.1 + 0.2, datetime(2026, 5, 20, 9, 30), False, None])
    ws["A7"] = "隔了几行"
    ws["E7"] = "=B2*2"            # a formula without a cached value: None when data_only
    ws["C8"] = time(8, 30)
    ws["D8"] = timedelta(hours=36)
    ws["B9"] = 1e-7
    ws["B10"] = -3
    fast, slow = both(saved(wb))
    assert fast == slow
    assert fast[1] == ("示例库 A&B <1>", 12, datetime(2027, 6, 30), True, "  两端空格  ")
    assert fast[3:6] == [(), (), ()] and fast[6] == ("隔了几行",)
    assert fast[7] == (None, None, time(8, 30), timedelta(hours=36)) and fast[8] == (None, 1e-7)
    assert type(fast[9][1]) is int and type(fast[2][1]) is float


def test_the_export_layout_reads_the_same_and_fast():
    rows = [["示例库", "示例单位", 125.27 + k / 1000, date(2027, 1, 1) if k % 2 else None]
            for k in range(300)]
    data = write_xlsx("materials", ["储备库名称", "单位名称", "经度", "有效期至"], rows)
    fast, slow = both(data, "应急物资")
    assert fast is not None and fast == slow


def test_rich_inline_text_and_prefixed_namespaces_read_the_same():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("应急物资")
    ws.append(["储备库名称", CellRichText(["粗", TextBlock(InlineFont(b=True), "体")])])
    data = saved(wb)
    fast, slow = both(data)
    assert fast == slow == [("储备库名称", "粗体")]

    plain = saved(Workbook())
    source = zipfile.ZipFile(io.BytesIO(plain))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="A1" '
                        b't="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row></x:sheetData>'
                        b'</x:worksheet>')
            target.writestr(info, body)
    fast, slow = both(out.getvalue())
    assert fast == slow == [("a",)]


@pytest.mark.parametrize("values", [
    ["储备库名称", "单位名称"],
    ["a", None, None, "d"],
])
def test_the_inventory_reader_gives_openpyxl_rows_under_their_spreadsheet_numbers(values):
    wb = Workbook()
    ws = wb.active
    ws.title = "应急物资"
    ws["B2"] = "示例标题"  # a title row above the headings, starting in column B
    for col, value in enumerate(values, start=1):
        ws.cell(row=3, column=col, value=value)
    ws.append(["示例库", "示例单位", None, 3])
    data = saved(wb)
    table = read_table("materials", data, "x.xlsx")
    reference = openpyxl_rows(data)
    assert table.sheet == "应急物资" and reference[3] == ("示例库", "示例单位", None, 3)
    assert list(table.rows) == [(n, row) for n, row in enumerate(reference, start=1)
                                if n > table.header_row]


EXCEL_SHEET_DATA = (
    '<row r="1" spans="1:4" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c>'
    '<c r="B1" t="s"><v>2</v></c><c r="C1" t="s"><v>1</v></c></row>'
    '<row r="2" spans="1:4" x14ac:dyDescent="0.25"><c r="A2" t="s"><v>3</v></c>'
    '<c r="B2"><v>20.5</v></c><c r="C2" s="1"><v>46568</v></c>'
    '<c r="D2" s="2"><v>46569</v></c></row>'
    '<row r="4" spans="1:4"><c r="A4" s="1"/><c r="B4"><f>B2*2</f><v>41</v></c>'
    '<c r="C4" t="str"><f>A1</f><v>储备库名称</v></c><c r="D4" t="s"><v>4</v></c></row>'
    '<row r="5"/>')


def excel_like_workbook(sheet_data: str = EXCEL_SHEET_DATA, dimension: bool = True) -> bytes:
    """What Excel / WPS save: shared strings, styles with date formats, row attributes."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/></Types>'),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="应急物资" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/>'
            '</Relationships>'),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{main}" count="5" uniqueCount="5"><si><t>储备库名称</t></si>'
            '<si><t>有效期至</t></si><si><t>数量</t></si>'
            '<si><r><t>示例</t></r><r><rPr><b/></rPr><t>库</t></r><rPh sb="0" eb="1"><t>x</t>'
            '</rPh></si><si><t xml:space="preserve"> 吨 &amp; 袋 </t></si></sst>'),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{main}"><numFmts count="1"><numFmt numFmtId="176" '
            'formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
            '<fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
            '<xf numFmtId="176" applyNumberFormat="1"/></cellXfs><cellStyles count="1">'
            '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}" xmlns:r="{rel}" xmlns:mc="http://schemas.openxmlformats'
            '.org/markup-compatibility/2006" xmlns:x14ac="http://schemas.microsoft.com/office/'
            'spreadsheetml/2009/9/ac" mc:Ignorable="x14ac">'
            + ('<dimension ref="A1:D4"/>' if dimension else '')
            + '<cols><col min="1" max="4" width="12" customWidth="1"/></cols>'
            f'<sheetData>{sheet_data}</sheetData></worksheet>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def test_an_excel_workbook_with_shared_strings_reads_the_same():
    fast, slow = both(excel_like_workbook())
    assert fast == slow
    assert fast[1] == ("示例库", 20.5, datetime(2027, 6, 30), datetime(2027, 7, 1))
    assert fast[2] == () and fast[3] == (None, 41, "储备库名称", " 吨 & 袋 ") and len(fast) == 4


def test_a_long_sheet_reads_the_same():
    """Rows dense and with gaps, empty and missing rows, a row that names no number, escaped
    text, booleans, date serials and formulas."""
    rows = []
    for r in range(1, 400):
        if r % 7 == 0:
            rows.append(f'<row r="{r}"/>' if r % 2 else f'<row r="{r}" spans="1:4"></row>')
        elif r % 11 == 0:
            continue  # a missing row
        elif r % 13 == 0:  # a formula and its cached value, an empty styled cell
            rows.append(f'<row r="{r}"><c r="A{r}"><f>B1*2</f><v>{r}</v></c><c r="B{r}" s="1"/>'
                        '</row>')
        elif r % 5 == 0:  # gaps, a boolean, a date serial, a column beyond Z
            rows.append(f'<row r="{r}"><c r="B{r}" t="b"><v>1</v></c><c r="D{r}" s="1">'
                        f'<v>{46000 + r}</v></c><c r="AB{r}" t="inlineStr"><is><t>'
                        f'A&amp;B {r}</t></is></c></row>')
        else:
            rows.append(f'<row r="{r}"><c r="A{r}" t="s"><v>{r % 5}</v></c><c r="B{r}">'
                        f'<v>{r / 8}</v></c><c r="C{r}" t="inlineStr"><is><t xml:space="preserve">'
                        f' 第{r}行 </t></is></c><c r="D{r}"><v>{r}</v></c></row>')
    rows.append('<row><c r="A400" t="inlineStr"><is><t>末行</t></is></c></row>')
    data = excel_like_workbook("".join(rows), dimension=False)
    fast, slow = both(data)
    assert fast == slow
    assert fast[4] == (None, True, None, datetime(2025, 12, 14)) + (None,) * 23 + ("A&B 5",)
    assert fast[6] == () and fast[10] == () and fast[12] == (13,) and fast[399] == ("末行",)


@pytest.mark.parametrize("odd_cell", [
    '<c t="s" r="A300"><v>1</v></c>',        # attributes in another order
    '<c><v>1</v></c>',                       # no reference
    '<c r="A300" t="inlineStr"><is><r><t>富</t></r></is></c>',  # rich inline text
])
def test_an_odd_cell_deep_in_a_long_sheet_reads_the_same(odd_cell):
    rows = [f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 300)]
    rows.append(f'<row r="300">{odd_cell}</row>')
    data = excel_like_workbook("".join(rows))
    fast, slow = both(data)
    assert fast == slow and len(fast) == 300


def test_a_sheet_broken_off_inside_a_cell_is_refused_with_a_bilingual_message():
    # (a sheet that only lacks its closing tags, every cell complete, is read as it stands)
    data = excel_like_workbook('<row r="1"><c r="A1"><v>1</v></c></row><row r="2">'
                               '<c r="A2"><v>2</v')
    with pytest.raises(FileProblem) as err:
        read_table("materials", data, "x.xlsx")
    problem = err.value.problem
    assert problem.code == "unreadable_file" and "损坏" in problem.message_zh
    assert "damaged" in problem.message_en
