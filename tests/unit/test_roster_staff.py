"""Duty staff as data: roles and leave written the way people write them, staff files read row by
row with every problem named, the sample staff, and the month table for exports. Pure: no DB."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from emergency.roster import Period, default_roster_rules, generate_roster
from emergency.roster.export import DutyRow, day_label, month_table
from emergency.roster.sample_staff import sample_staff
from emergency.roster.staff import (
    clean_staff,
    format_unavailability,
    parse_roles,
    parse_unavailability,
    to_person,
)
from emergency.roster.staff_table import read_staff, write_staff_csv, write_staff_xlsx

RULES = default_roster_rules()
SH = ZoneInfo("Asia/Shanghai")


def test_roles_are_read_in_chinese_english_or_as_codes_and_unknown_words_are_named():
    assert parse_roles("值班员、联络员") == (("duty_officer", "liaison"), [])
    assert parse_roles(["leader", "带班领导"]) == (("leader",), [])
    assert parse_roles("值班员，保安") == (("duty_officer",), ["保安"])


def test_leave_text_reads_ranges_reasons_and_notes_and_writes_back_the_same():
    items, bad = parse_unavailability("2026-07-01~2026-07-05 请假；2026-8-10 培训(省厅);坏")
    assert bad == ["坏"]
    assert [(u.start, u.end, u.reason, u.note) for u in items] == [
        (date(2026, 7, 1), date(2026, 7, 5), "leave", ""),
        (date(2026, 8, 10), date(2026, 8, 10), "training", "省厅")]
    assert parse_unavailability(format_unavailability(items)) == (items, [])


def test_a_person_needs_a_name_a_phone_and_a_duty_role():
    values, problems = clean_staff({"name": "", "phone": "12", "roles": ""})
    assert {p.field for p in problems} == {"name", "phone", "roles"}
    assert all(p.message_zh and p.message_en for p in problems)
    values, problems = clean_staff({"phone": "0431-88886666"}, partial=True)
    assert problems == [] and values == {"phone": "0431-88886666"}


def test_the_generator_sees_duty_roles_as_qualifications():
    person = to_person(7, ("leader",), ("应急指挥",), "王某")
    assert person.id == "7" and person.qualifications == {"leader", "应急指挥"}


def test_the_sample_staff_can_man_a_main_flood_month_by_the_bundled_rules():
    staff = sample_staff(date(2026, 6, 20))
    assert len(staff) == 40 and all("示例" in s.name and "示例" in s.phone for s in staff)
    people = [to_person(i, s.roles, s.qualifications, s.name, s.unavailable or ())
              for i, s in enumerate(staff)]
    roster = generate_roster(people, Period.month(2026, 7), RULES)
    assert len(roster.assignments) == 31 * 3 + 17  # 主汛期 from 15 July: two duty officers


def test_a_staff_file_round_trips_through_csv_and_xlsx_with_a_title_row_allowed():
    staff = sample_staff(date(2026, 6, 20))[8:11]  # duty officers; the third is training
    assert staff[2].unavailable
    for name, data in (("s.csv", write_staff_csv(staff)), ("s.xlsx", write_staff_xlsx(staff))):
        parsed = read_staff(data, name)
        assert parsed.errors == () and parsed.rows_read == 3
        assert [r.name for _, r in parsed.records] == [s.name for s in staff]
        assert [r.unavailable or () for _, r in parsed.records] == [s.unavailable for s in staff]
    titled = ("2026年值班人员\r\n" + write_staff_csv(staff).decode("utf-8-sig")).encode("gb18030")
    parsed = read_staff(titled, "s.csv")
    assert parsed.errors == () and [n for n, _ in parsed.records] == [3, 4, 5]


def test_a_staff_file_names_every_bad_cell_by_row_and_heading():
    text = ("姓名,联系电话,值班岗位\r\n张三,0431-1234567,值班员\r\n,123,保洁\r\n"
            "张三,0431-1234567,联络员\r\n")
    parsed = read_staff(text.encode(), "s.csv")
    found = {(p.row, p.column) for p in parsed.errors}
    assert found == {(3, "姓名"), (3, "联系电话"), (3, "值班岗位"), (4, "姓名")}
    assert read_staff(b"a,b\r\n1,2\r\n", "s.csv").errors[0].field == "file"
    assert read_staff(b"x", "s.pdf").errors[0].message_zh.startswith("不支持")


def test_day_labels_name_holidays_weekends_and_the_main_flood_period():
    assert day_label(date(2026, 10, 1), RULES)["zh"].startswith("节假日(国庆节")
    main = day_label(date(2026, 7, 20), RULES)
    assert main["main_flood"] and main["zh"].endswith("主汛期")
    assert day_label(date(2026, 6, 2), RULES)["zh"] == "工作日·汛期"


def test_the_month_table_has_a_name_and_a_phone_column_per_position():
    start = datetime(2026, 7, 1, 8, 30, tzinfo=SH)
    row = DutyRow(date(2026, 7, 1), "24h", start, start.replace(day=2),
                  {"leader": (("王某", "0431-1"),),
                   "duty_officer": (("甲", "1"), ("乙", "2"))})
    headings, cells = month_table([row], RULES)
    assert headings[5:] == ["值班员", "值班员电话", "联络员", "联络员电话", "带班领导",
                            "带班领导电话"]
    assert cells[0][5:] == ["甲、乙", "1、2", "", "", "王某", "0431-1"]
    assert cells[0][4] == "07-01 08:30—07-02 08:30"
