"""The park plans' workbook (一园一策一图 表格交换): every bundled park round-trips unchanged;
formula-like text is inert in the file and comes back as typed; bad cells are located."""

from __future__ import annotations

import copy
import io

import pytest
from openpyxl import load_workbook

from emergency.plan_management.park_workbook import (
    SHEETS,
    export_park_workbook,
    read_park_workbook,
)
from emergency.plan_management.workbook import WorkbookInvalid
from plans.diff import diff_park_documents
from plans.loader import read_plan_files
from plans.parks import PARKS_DIR, ParkPlanDoc

PARKS = [(name.removesuffix(".yaml"), raw) for name, raw, _ in read_plan_files(PARKS_DIR)]


def test_there_are_22_sample_parks():
    assert len(PARKS) == 22


@pytest.mark.parametrize(("park_id", "doc"), PARKS, ids=[p for p, _ in PARKS])
def test_export_then_import_is_the_same_document(park_id, doc):
    back, _where = read_park_workbook(export_park_workbook([doc]), park_id)
    assert ParkPlanDoc.model_validate(back) == ParkPlanDoc.model_validate(doc)
    assert diff_park_documents(doc, back) == []


def test_formula_like_text_is_inert_in_the_file_and_comes_back_as_typed():
    park_id, doc = PARKS[0]
    doc = copy.deepcopy(doc)
    doc["contacts"][0]["unit_zh"] = '=HYPERLINK("http://x","示例")'
    data = export_park_workbook([doc])
    sheet = load_workbook(io.BytesIO(data))["联系人"]
    assert sheet.cell(row=2, column=2).value == '\'=HYPERLINK("http://x","示例")'
    assert sheet.cell(row=2, column=2).data_type == "s"
    back, _where = read_park_workbook(data, park_id)
    assert back["contacts"][0]["unit_zh"] == '=HYPERLINK("http://x","示例")'


def test_unreadable_cells_are_all_reported_with_sheet_row_and_column():
    park_id, doc = PARKS[0]
    book = load_workbook(io.BytesIO(export_park_workbook([doc])))
    heads = [c.value for c in book["公共应急池"][1]]
    book["公共应急池"].cell(row=2, column=heads.index("容积 m³(volume_m3)") + 1, value="很多")
    book["企业排口"].cell(row=3, column=4, value="废水")    # 类型: 雨水 or 污水
    book["园区"].cell(row=2, column=1, value="park-99")    # another park's row
    del book["导流渠"]
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(WorkbookInvalid) as caught:
        read_park_workbook(out.getvalue(), park_id)
    where = {(p.sheet, p.row, p.column) for p in caught.value.problems}
    assert where == {("导流渠", None, None), ("公共应急池", 2, "容积 m³(volume_m3)"),
                     ("企业排口", 3, "类型(kind)"), ("园区", 2, "园区编号(plan_id)"),
                     ("园区", None, None)}


def test_not_a_workbook_is_one_problem():
    with pytest.raises(WorkbookInvalid) as caught:
        read_park_workbook(b"not a zip", "park-01")
    assert len(caught.value.problems) == 1 and caught.value.problems[0].message_en
    assert list(SHEETS)[0] == "园区"
