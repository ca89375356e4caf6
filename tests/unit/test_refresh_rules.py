"""The refresh calendar, the inbox's file names, the status board, the nightly findings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from emergency.inventory.places import places_for
from emergency.inventory.records import DepotRecord, MaterialItemRecord
from emergency.refresh.board import (
    Confirmation,
    SubmissionInfo,
    build_board,
    slice_state,
    stage_of,
    totals,
)
from emergency.refresh.checks import (
    CheckSettings,
    SiteOnRiver,
    expiry_findings,
    site_drift,
    unconfirmed_findings,
)
from emergency.refresh.inbox import BadInboxName, is_in_progress, parse_name
from emergency.refresh.prefectures import PREFECTURES, find, in_scope
from emergency.refresh.season import RefreshCalendar

CAL = RefreshCalendar()


def depot(name: str, **kw) -> DepotRecord:
    values = dict(name=name, holder="示例储备单位", holder_type="生态环境部门", storage_mode="自储",
                  county_adcode=220104, county_zh="朝阳区", prefecture_zh="长春市", address=None,
                  lon=125.27, lat=43.86, contact="张三", phone="0431-85738819", items=(),
                  confirmed_at=date(2025, 5, 10))
    values.update(kw)
    return DepotRecord(**values)


def item(name: str, qty: float, expiry: date | None = None) -> MaterialItemRecord:
    return MaterialItemRecord(name, "污染物控制", None, qty, "t", None, expiry)


CARBON = item("活性炭", 20.0, date(2026, 6, 30))
LIME = item("石灰", 10.0)


def test_the_campaign_opens_on_15_april_and_closes_on_31_may_before_the_flood_season():
    assert not CAL.is_open(date(2026, 4, 14))
    assert CAL.is_open(date(2026, 4, 15)) and CAL.is_open(date(2026, 5, 31))
    assert not CAL.is_open(date(2026, 6, 1))
    assert CAL.in_flood_season(date(2026, 6, 1)) and not CAL.in_flood_season(date(2026, 10, 1))
    assert CAL.days_to_flood_season(date(2026, 5, 20)) == 12
    assert CAL.days_to_flood_season(date(2026, 11, 22)) == (date(2027, 6, 1) - date(2026, 11,
                                                                                   22)).days


def test_reminders_go_out_weekly_then_daily_in_the_last_week():
    window = [date.fromordinal(o) for o in range(date(2026, 4, 1).toordinal(),
                                                 date(2026, 6, 15).toordinal())]
    shown = [d for d in window if CAL.is_reminder_day(d)]
    assert shown[:3] == [date(2026, 4, 15), date(2026, 4, 22), date(2026, 4, 29)]
    assert shown[-7:] == [date(2026, 5, d) for d in range(25, 32)]
    assert CAL.next_reminder(date(2026, 4, 16)) == date(2026, 4, 22)


def test_the_season_of_confirmation_starts_at_the_latest_opening():
    assert CAL.season_start(date(2026, 5, 1)) == date(2026, 4, 15)
    assert CAL.season_start(date(2026, 3, 1)) == date(2025, 4, 15)


def test_a_calendar_that_closes_after_the_flood_season_starts_is_refused():
    with pytest.raises(ValueError, match="before the flood season"):
        RefreshCalendar(closes="06-10")


@pytest.mark.parametrize("name, prefecture, kind", [
    ("220100_materials_2026-05.xlsx", "长春市", "materials"),
    ("222400_risk_sources.csv", "延边朝鲜族自治州", "risk_sources"),
    ("220200_应急队伍_第二次报送.XLSX", "吉林市", "teams"),
    ("220000_experts.csv", "吉林省", "experts"),
    ("220300_risk-sources_v2.csv", "四平市", "risk_sources"),
])
def test_inbox_file_names_say_whose_file_and_which_inventory(name, prefecture, kind):
    parsed = parse_name(name)
    assert (parsed.prefecture.name_zh, parsed.kind) == (prefecture, kind)


@pytest.mark.parametrize("name", ["materials_220100.csv", "220100_materials.xls",
                                  "229900_materials.csv", "220000_materials.csv",
                                  "220100_stock.csv"])
def test_inbox_file_names_outside_the_rule_are_refused_with_the_rule(name):
    with pytest.raises(BadInboxName) as err:
        parse_name(name)
    assert "220100" in err.value.message_zh or "市州" in err.value.message_zh


def test_files_still_being_written_are_left_alone():
    assert is_in_progress("~$220100_materials.xlsx") and is_in_progress("x.csv.part")
    assert not is_in_progress("220100_materials.xlsx")


def test_the_nine_prefectures_are_those_of_the_river_network(network):
    assert tuple(p.name_zh for p in PREFECTURES) == places_for(network).prefectures
    assert find("长春").name_zh == "长春市" and find("延边州").adcode == 222400
    assert in_scope("experts", "吉林省", None) and not in_scope("materials", "长春市", "吉林市")


def test_the_board_shows_the_furthest_stage_and_the_lowest_over_required_inventories():
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    subs = [SubmissionInfo(1, "materials", "长春市", "invalid", t0),
            SubmissionInfo(2, "materials", "长春市", "applied", t0, t0),
            SubmissionInfo(3, "risk_sources", "长春市", "staged", t0),
            SubmissionInfo(4, "materials", "吉林市", "invalid", t0)]
    rows = build_board(PREFECTURES[:3], ["risk_sources", "materials", "teams"],
                       ["risk_sources", "materials"], subs,
                       {"长春市": Confirmation(10, 3, date(2026, 4, 20), 1, 2)})
    assert [r.stage for r in rows] == ["validated", "missing", "missing"]
    assert rows[0].kinds["materials"].stage == "applied"
    assert rows[0].kinds["materials"].latest_id == 2
    assert rows[1].kinds["materials"].stage == "submitted"
    assert totals(rows)["missing"] == 2 and totals(rows)["stale"] == 3
    assert stage_of(["superseded"]) == "submitted" and stage_of([]) == "missing"


def test_nightly_findings_flag_expired_expiring_and_unconfirmed_records():
    s = CheckSettings(today=date(2026, 5, 20), season_start=date(2026, 4, 15),
                      expiry_warning_days=90)
    old = depot("甲", confirmed_at=date(2025, 5, 1),
                items=(item("活性炭", 1.0, date(2026, 5, 1)), item("PAC", 1.0, date(2026, 7, 1)),
                       LIME))
    fresh = depot("乙", confirmed_at=date(2026, 5, 2), items=(CARBON,))
    expiry = expiry_findings([old, fresh], s)
    assert [(f.check, f.label) for f in expiry] == [
        ("expired", "甲(朝阳区):活性炭"), ("expiring", "甲(朝阳区):PAC"),
        ("expiring", "乙(朝阳区):活性炭")]
    unconfirmed = unconfirmed_findings([old, fresh, depot("丙", confirmed_at=None)], s)
    assert [f.label for f in unconfirmed] == ["甲(朝阳区)", "丙(朝阳区)"]


def test_an_intercept_site_off_its_river_is_flagged():
    s = CheckSettings(today=date(2026, 5, 20), season_start=date(2026, 4, 15))
    sites = [SiteOnRiver("a/1", "拦河闸", "鳌龙河", "吉林市", 0.4),
             SiteOnRiver("a/2", "橡胶坝", "鳌龙河", "吉林市", 1800.0)]
    assert [f.label for f in site_drift(sites, s)] == ["橡胶坝(鳌龙河)"]


def test_the_coming_campaign_and_flood_season_follow_the_date():
    cal = RefreshCalendar()
    assert cal.campaign_year(date(2026, 5, 31)) == 2026
    assert cal.campaign_year(date(2026, 6, 1)) == 2027
    assert cal.campaign_year(date(2026, 12, 7)) == 2027
    assert cal.next_flood_start(date(2026, 12, 7)) == date(2027, 6, 1)
    assert cal.next_flood_start(date(2026, 7, 1)) == date(2026, 6, 1)  # running now
    assert cal.days_to_flood_season(date(2026, 12, 7)) == 176
    assert [cal.state(date(2026, m, d)) for m, d in ((3, 1), (5, 1), (12, 7))] == [
        "before", "open", "before"]
    assert RefreshCalendar(next_campaign_after="12-31").campaign_year(date(2026, 12, 7)) == 2026


def test_an_applied_slice_restored_to_older_data_is_not_applied_any_more():
    at = datetime(2026, 5, 20, 9, 0)
    subs = [SubmissionInfo(7, "materials", "长春市", "applied", at, at)]
    assert slice_state("materials", subs).stage == "applied"
    assert slice_state("materials", subs, 7).stage == "applied"
    assert slice_state("materials", subs, None).stage == "restored"
    staged = [*subs, SubmissionInfo(8, "materials", "长春市", "staged", at, None)]
    assert slice_state("materials", staged, None).stage == "validated"
