"""The pure rules of 隐患排查: checklists as data, results, grades, the workflow, reminders."""

from __future__ import annotations

import io
from datetime import date

import pytest
import yaml
from PIL import Image

from emergency.inspection import photos, rules
from emergency.inspection.checklists import (
    CHECKLIST_PATH,
    SOURCE_KINDS,
    ChecklistError,
    load_checklists,
    parse_checklists,
)

TODAY = date(2026, 6, 10)
C = load_checklists()
ITEMS = C.for_kind("enterprise").items


def test_every_risk_source_type_has_a_checklist_whose_items_cite_their_basis():
    assert set(C.by_kind) == set(SOURCE_KINDS)
    for checklist in C.by_kind.values():
        assert all(i.basis and i.text_zh and i.text_en for i in checklist.items)
    cats = {i.category for i in ITEMS}
    assert cats == {"management", "prevention"}  # the guide's two categories
    assert any("事故应急水池" in i.basis for i in ITEMS)
    assert all("T2010" in i.basis or "G2016" in i.basis
               for i in C.for_kind("tailings_pond").items)


def test_a_checklist_file_with_a_duplicate_id_or_no_basis_is_refused():
    doc = yaml.safe_load(CHECKLIST_PATH.read_text("utf-8"))
    doc["checklists"]["tailings_pond"]["items"][0]["id"] = "ent-m-01"
    with pytest.raises(ChecklistError, match="duplicate"):
        parse_checklists(doc)
    doc = yaml.safe_load(CHECKLIST_PATH.read_text("utf-8"))
    doc["checklists"]["enterprise"]["items"][0]["basis"] = ""
    with pytest.raises(ChecklistError, match="basis"):
        parse_checklists(doc)


def _answers(**hazard):
    out = [{"item_id": i.id, "result": "ok"} for i in ITEMS]
    out[0] = {"item_id": ITEMS[0].id, "result": "hazard", "hazard": {
        "description": "d", "responsible_unit": "u"} | hazard}
    return out


def test_a_major_hazard_needs_a_remediation_plan_and_gets_the_longer_default_deadline():
    bad = rules.parse_results(_answers(grade="重大"), ITEMS, C.grades, TODAY, complete=True)
    assert bad.problems and "治理方案" in bad.problems[0].message_zh
    plan = {"measures": "m", "responsible": "r", "interim": "i"}
    good = rules.parse_results(_answers(grade="major", plan=plan), ITEMS, C.grades, TODAY,
                               complete=True)
    assert not good.problems
    assert good.hazards[0].hazard.deadline == date(2026, 9, 8)  # +90 days


def test_an_ordinary_hazard_has_a_short_deadline_and_may_not_be_given_a_long_one():
    ok = rules.parse_results(_answers(grade="一般"), ITEMS, C.grades, TODAY, complete=True)
    assert ok.hazards[0].hazard.deadline == date(2026, 6, 25)
    late = rules.parse_results(_answers(grade="minor", deadline="2026-08-01"), ITEMS, C.grades,
                               TODAY, complete=True)
    assert "30" in late.problems[0].message_zh
    past = rules.parse_results(_answers(grade="minor", deadline="2026-06-01"), ITEMS, C.grades,
                               TODAY, complete=True)
    assert past.problems


def test_a_sign_off_needs_every_item_and_no_unknown_one():
    partial = rules.parse_results(_answers(grade="minor")[:4], ITEMS, C.grades, TODAY,
                                  complete=True)
    assert "未填写" in partial.problems[-1].message_zh
    draft = rules.parse_results(_answers(grade="minor")[:4], ITEMS, C.grades, TODAY,
                                complete=False)
    assert not draft.problems
    unknown = rules.parse_results([{"item_id": "x", "result": "ok"}], ITEMS, C.grades, TODAY,
                                  complete=False)
    assert unknown.problems[0].where == "items[0].item_id"
    bad = rules.parse_results([{"item_id": ITEMS[0].id, "result": "maybe"}], ITEMS, C.grades,
                              TODAY, complete=False)
    assert bad.problems


def test_the_workflow_goes_to_verification_and_only_someone_else_closes():
    assert rules.after_rectify("open", complete=False) == "in_progress"
    assert rules.after_rectify("in_progress", complete=True) == "awaiting_verification"
    with pytest.raises(rules.WorkflowError):
        rules.after_rectify("closed", complete=True)
    with pytest.raises(rules.WorkflowError) as err:
        rules.after_verify("awaiting_verification", "li", reported_by="li")
    assert err.value.code == "same_person"
    assert rules.after_verify("awaiting_verification", "wang", reported_by="li") == "closed"
    with pytest.raises(rules.WorkflowError):
        rules.after_verify("open", "wang", reported_by=None)
    assert rules.after_reopen("closed") == "in_progress"
    with pytest.raises(rules.WorkflowError):
        rules.after_reopen("open")


def test_reminders_before_and_after_the_deadline_and_none_once_reported():
    deadline = date(2026, 6, 20)
    assert rules.reminder_kind("open", deadline, date(2026, 6, 10), 7) is None
    assert rules.reminder_kind("open", deadline, date(2026, 6, 13), 7) == "due_soon"
    assert rules.reminder_kind("in_progress", deadline, date(2026, 6, 20), 7) == "due_soon"
    assert rules.reminder_kind("open", deadline, date(2026, 6, 21), 7) == "overdue"
    assert rules.reminder_kind("awaiting_verification", deadline, date(2026, 7, 1), 7) is None
    assert rules.is_overdue("open", deadline, date(2026, 6, 21))
    assert not rules.is_overdue("closed", deadline, date(2026, 6, 21))


def test_statistics_by_prefecture_grade_and_status():
    facts = [rules.HazardFacts("长春市", "enterprise", "major", "open", date(2026, 6, 1)),
             rules.HazardFacts("长春市", "enterprise", "minor", "closed", date(2026, 6, 1)),
             rules.HazardFacts("吉林市", "tailings_pond", "minor", "in_progress",
                               date(2026, 7, 1))]
    s = rules.statistics(facts, TODAY)
    assert s["total"] == 3 and s["overdue"] == 1
    assert s["by_prefecture"]["长春市"] == {"total": 2, "open": 1, "major_open": 1,
                                           "overdue": 1, "closed": 1}
    assert s["by_kind"] == {"enterprise": 2, "tailings_pond": 1}


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                           ("WEBP", "image/webp")])
def test_photos_are_recognised_by_their_bytes_and_decoded(fmt, mime):
    checked = photos.check_image(_image(fmt))
    assert (checked.mime, checked.width, checked.height) == (mime, 40, 30)
    assert photos.thumbnail(_image(fmt))[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("data", [b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                                  b"\xff\xd8\xff\xe0" + b"\x00" * 30,  # a JPEG header, no image
                                  _image("GIF"), b"MZ\x90\x00"])
def test_anything_else_is_not_an_image(data):
    with pytest.raises(photos.PhotoError) as err:
        photos.check_image(data)
    assert err.value.status == 415


def test_a_png_announced_as_jpeg_is_checked_by_its_content_not_its_name(tmp_path):
    data = _image("PNG")
    checked = photos.check_image(data)
    name = photos.store(tmp_path, data, checked)
    assert name.endswith(".png") and len(name) == 36
    assert photos.path_of(tmp_path, name, thumb=True).is_file()
    with pytest.raises(ValueError):
        photos.path_of(tmp_path, "../secret")
