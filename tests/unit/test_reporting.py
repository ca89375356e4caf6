"""Report deadlines (环境保护部令第17号) and Art. 8 notifications, with exact times."""

import copy
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from emergency.grading import RuleTableError
from emergency.reporting import (
    REPORTING_TABLE_PATH,
    Art4Flags,
    BoundaryCrossing,
    first_report_due,
    load_reporting_table,
    notification_targets,
    parse_reporting_table,
    report_deadlines,
    uses_major_procedure,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISCOVERED = datetime(2025, 7, 1, 8, 30, tzinfo=SHANGHAI)


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2025, 7, day, hour, minute, tzinfo=SHANGHAI)


def due_by_id(deadlines: list[Any]) -> dict[str, datetime | None]:
    return {d.id: d.due_at for d in deadlines}


def raw_reporting_table() -> dict[str, Any]:
    return yaml.safe_load(REPORTING_TABLE_PATH.read_text(encoding="utf-8"))


# --- deadlines by tier -------------------------------------------------------------------------

ROUTINE = {"first_report": at(12, 30), "follow_up": None, "final_report": None, "regrade": None}
MAJOR = {
    "first_report": at(10, 30),
    "first_report_mee": at(8, 30),
    "province_to_mee": at(11, 30),
    "follow_up": None,
    "final_report": None,
    "regrade": None,
}


@pytest.mark.parametrize(("tier", "expected"), [(4, ROUTINE), (3, ROUTINE), (2, MAJOR), (1, MAJOR)])
def test_each_tier_gets_the_deadlines_of_its_procedure(
    tier: int, expected: dict[str, datetime | None]
) -> None:
    deadlines = report_deadlines(DISCOVERED, tier)

    assert due_by_id(deadlines) == expected
    assert [d.id for d in deadlines] == list(expected)


def test_a_routine_first_report_goes_to_the_same_level_government_and_next_level_bureau() -> None:
    first = report_deadlines(DISCOVERED, 4)[0]

    assert first.recipients_zh == ("本级人民政府", "上一级人民政府生态环境主管部门")
    assert first.legal_basis.endswith("第三条第二款")
    assert "4 小时" in first.text_zh and "4 h" in first.text_en


def test_a_major_first_report_goes_to_the_same_level_government_and_the_province() -> None:
    first, to_mee, province = report_deadlines(DISCOVERED, 2)[:3]

    assert first.recipients_zh[0] == "本级人民政府"
    assert "省级人民政府生态环境主管部门" in first.recipients_zh[1]
    assert to_mee.recipients_zh == ("生态环境部",) and "立即" in to_mee.text_zh
    assert province.reporter_zh.startswith("省级人民政府生态环境主管部门")
    assert all(d.legal_basis.endswith("第三条第三款") for d in (first, to_mee, province))


def test_the_province_reports_to_the_mee_one_hour_after_its_actual_receipt_when_given() -> None:
    deadlines = report_deadlines(DISCOVERED, 1, province_received_at=at(9, 15))

    assert due_by_id(deadlines)["province_to_mee"] == at(10, 15)


def test_a_province_receipt_before_discovery_is_rejected() -> None:
    with pytest.raises(ValueError, match="before discovered_at"):
        report_deadlines(DISCOVERED, 1, province_received_at=at(8, 0))


def test_follow_up_and_final_reports_have_no_legal_hours_but_say_when_to_send() -> None:
    items = {d.id: d for d in report_deadlines(DISCOVERED, 3)}

    assert items["follow_up"].due_at is None and "随时上报" in items["follow_up"].text_zh
    assert items["final_report"].due_at is None and "处理完毕后" in items["final_report"].text_zh
    assert items["follow_up"].legal_basis.endswith("第十二条")


@pytest.mark.parametrize("tier", [1, 2, 3, 4])
def test_every_report_is_described_in_chinese_and_english(tier: int) -> None:
    for d in report_deadlines(DISCOVERED, tier):
        assert d.text_zh and d.text_en and d.reporter_zh and d.reporter_en
        assert d.recipients_zh and len(d.recipients_zh) == len(d.recipients_en)
        assert "《突发环境事件信息报告办法》" in d.legal_basis and "Art." in d.legal_basis_en


# --- Art. 4 cases ------------------------------------------------------------------------------

ART4_FIELDS = [
    "drinking_water_source",
    "residential_school_hospital",
    "heavy_metal",
    "cross_provincial_or_national",
    "mass_incident",
    "other",
]


@pytest.mark.parametrize("flag", ART4_FIELDS)
def test_any_art4_case_makes_a_tier_iv_incident_use_the_two_hour_procedure(flag: str) -> None:
    deadlines = report_deadlines(DISCOVERED, 4, Art4Flags(**{flag: True}))

    assert due_by_id(deadlines) == MAJOR
    assert "第四条" in deadlines[0].text_zh and "Art. 4" in deadlines[0].text_en


def test_an_art4_case_uses_the_two_hour_procedure_before_the_event_is_graded() -> None:
    assert uses_major_procedure(None, Art4Flags(heavy_metal=True))
    assert first_report_due(DISCOVERED, None, Art4Flags(heavy_metal=True)) == at(10, 30)


def test_an_ungraded_event_without_an_art4_case_cannot_be_scheduled() -> None:
    with pytest.raises(ValueError, match="初步认定"):
        report_deadlines(DISCOVERED, None)


def test_no_art4_flag_leaves_a_tier_iii_incident_on_the_four_hour_procedure() -> None:
    assert not uses_major_procedure(3, Art4Flags())
    assert first_report_due(DISCOVERED, 3, Art4Flags()) == at(12, 30)


# --- times -------------------------------------------------------------------------------------


def test_a_naive_discovery_time_is_rejected_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        report_deadlines(datetime(2025, 7, 1, 8, 30), 4)


def test_a_naive_front_arrival_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        BoundaryCrossing("county", "A县", "B县", datetime(2025, 7, 1, 12, 0))


def test_a_utc_discovery_time_gives_deadlines_in_shanghai_time_for_the_same_instant() -> None:
    discovered_utc = datetime(2025, 7, 1, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai

    first = report_deadlines(discovered_utc, 4)[0]

    assert first.due_at == at(12, 30)
    assert first.due_at is not None and first.due_at.tzinfo == SHANGHAI
    assert first.due_at.isoformat() == "2025-07-01T12:30:00+08:00"


def test_deadlines_are_exact_elapsed_hours_across_a_daylight_saving_change() -> None:
    new_york = ZoneInfo("America/New_York")
    discovered = datetime(2025, 3, 9, 0, 30, tzinfo=new_york)  # clocks jump 02:00 → 03:00

    first = report_deadlines(discovered, 3, tz=new_york)[0]

    assert first.due_at is not None
    # Same-zone subtraction in Python is wall-clock; compare instants in UTC.
    assert first.due_at.astimezone(UTC) - discovered.astimezone(UTC) == timedelta(hours=4)
    assert (first.due_at.hour, first.due_at.minute) == (5, 30)


def test_a_deadline_crossing_midnight_lands_on_the_next_day() -> None:
    first = report_deadlines(at(22, 45), 3)[0]

    assert first.due_at == at(2, 45, day=2)


# --- Art. 8 notifications ----------------------------------------------------------------------

NOTIFY_CASES = [
    ("county", "舒兰市", "舒兰市生态环境主管部门", "事发地县级生态环境主管部门"),
    ("prefecture", "松原市", "松原市生态环境主管部门", "事发地设区的市级生态环境主管部门"),
    ("province", "黑龙江省", "黑龙江省生态环境主管部门", "省级人民政府生态环境主管部门"),
    ("nation", "俄罗斯", "生态环境部", "省级人民政府生态环境主管部门"),
]


@pytest.mark.parametrize(("level", "to_zh", "recipient", "notifier"), NOTIFY_CASES)
def test_the_unit_across_each_crossing_is_notified_by_the_unit_at_the_same_level(
    level: str, to_zh: str, recipient: str, notifier: str
) -> None:
    crossing = BoundaryCrossing(level, "上游", to_zh, at(20, 0))

    (target,) = notification_targets([crossing], discovered_at=DISCOVERED, tier=3)

    assert target.recipient_zh == recipient
    assert target.notifier_zh.startswith(notifier)
    assert to_zh in target.text_zh and target.text_en and target.recipient_en
    assert target.legal_basis.endswith("第八条")


def test_a_national_border_crossing_is_left_to_the_mee_to_notify_abroad() -> None:
    crossing = BoundaryCrossing("nation", "珲春市", "俄罗斯", at(20, 0), to_en="Russia")

    (target,) = notification_targets([crossing], discovered_at=DISCOVERED, tier=1)

    assert target.recipient_en == "Ministry of Ecology and Environment (MEE)"
    assert "国际通报" in target.text_zh and "international notification of Russia" in target.text_en


def test_a_distant_crossing_is_notified_by_the_first_report_deadline() -> None:
    crossing = BoundaryCrossing("county", "A县", "B县", at(20, 0))

    (target,) = notification_targets([crossing], discovered_at=DISCOVERED, tier=4)

    assert (target.due_at, target.due_basis) == (at(12, 30), "first_report")


def test_a_near_crossing_is_notified_the_safety_margin_before_the_front_arrives() -> None:
    crossing = BoundaryCrossing("county", "A县", "B县", at(13, 0))

    (target,) = notification_targets([crossing], discovered_at=DISCOVERED, tier=4)

    assert (target.due_at, target.due_basis) == (at(11, 0), "front_arrival")


def test_the_first_report_deadline_follows_the_art4_procedure_for_notifications_too() -> None:
    crossing = BoundaryCrossing("province", "吉林省", "黑龙江省", at(20, 0))

    (target,) = notification_targets(
        [crossing], discovered_at=DISCOVERED, tier=4, flags=Art4Flags(heavy_metal=True)
    )

    assert target.due_at == at(10, 30)


def test_a_crossing_the_front_reaches_within_the_margin_of_discovery_is_notified_at_once() -> None:
    crossing = BoundaryCrossing("prefecture", "吉林市", "松原市", at(9, 30))

    (target,) = notification_targets([crossing], discovered_at=DISCOVERED, tier=3)

    assert (target.due_at, target.due_basis) == (DISCOVERED, "immediately")


def test_the_safety_margin_can_be_set_per_call() -> None:
    crossing = BoundaryCrossing("county", "A县", "B县", at(13, 0))

    (target,) = notification_targets(
        [crossing], discovered_at=DISCOVERED, tier=4, safety_margin_hours=3.5
    )

    assert target.due_at == at(9, 30)


def test_the_default_safety_margin_comes_from_the_table() -> None:
    data = raw_reporting_table()
    data["notification"]["safety_margin_hours"] = 1
    table = parse_reporting_table(data)
    crossing = BoundaryCrossing("county", "A县", "B县", at(11, 0))

    (target,) = notification_targets([crossing], discovered_at=DISCOVERED, tier=4, table=table)

    assert target.due_at == at(10, 0)


def test_a_negative_safety_margin_is_rejected() -> None:
    with pytest.raises(ValueError, match="safety_margin_hours"):
        notification_targets([], discovered_at=DISCOVERED, tier=4, safety_margin_hours=-1)


def test_notifications_are_listed_soonest_first() -> None:
    far = BoundaryCrossing("province", "吉林省", "黑龙江省", at(20, 0))
    near = BoundaryCrossing("county", "A县", "B县", at(11, 0))

    targets = notification_targets([far, near], discovered_at=DISCOVERED, tier=4)

    assert [t.crossing for t in targets] == [near, far]
    assert [t.due_at for t in targets] == [at(9, 0), at(12, 30)]


def test_no_crossings_means_no_notifications() -> None:
    assert notification_targets([], discovered_at=DISCOVERED, tier=2) == []


# --- the reporting table is validated ----------------------------------------------------------


def test_the_shipped_reporting_table_loads() -> None:
    table = load_reporting_table()

    assert table.safety_margin_hours == 2
    assert set(table.art4) == set(ART4_FIELDS)


def test_a_notification_template_with_an_unknown_placeholder_is_rejected() -> None:
    data = raw_reporting_table()
    data["notification"]["levels"]["county"]["recipient_zh"] = "{neighbour}生态环境局"

    with pytest.raises(RuleTableError, match="unknown placeholder"):
        parse_reporting_table(data)


def test_a_major_procedure_without_the_province_to_mee_item_is_rejected() -> None:
    data = raw_reporting_table()
    data["major"] = [copy.deepcopy(i) for i in data["major"] if i["id"] != "province_to_mee"]

    with pytest.raises(RuleTableError, match="province_to_mee"):
        parse_reporting_table(data)


def test_a_reporting_table_missing_an_art4_flag_is_rejected() -> None:
    data = raw_reporting_table()
    del data["art4_flags"]["heavy_metal"]

    with pytest.raises(RuleTableError, match="heavy_metal"):
        parse_reporting_table(data)
