"""Duty rosters in the database (SQLite and PostgreSQL): generate → publish → edit makes a
version, rule-breaking swaps are refused with reasons, who is on duty across the 08:30 handover,
the handover lists open real incidents (not drills), and the duty log is append-only."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from emergency.roster import service, staff_service
from emergency.roster.errors import Conflict, Refused
from emergency.roster.staff import InvalidInput
from emergency.roster.staff_table import write_staff_csv
from emergency.store import Database
from emergency.store.incident_models import ChecklistItem, Incident
from emergency.store.roster_models import (
    AppendOnlyError,
    DutyAssignment,
    DutyLogEntry,
    DutyRosterVersion,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 20, 10, 0, tzinfo=SH)
JULY = service.month_period("2026-07")


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    with database.session() as s:
        staff_service.load_sample_staff(s, as_of=NOW.date(), now=NOW)
    yield database
    database.engine.dispose()


def make_july(db, *, publish: bool = True) -> int:
    with db.session() as s:
        made = service.generate(s, JULY, kind="month", actor="manager", now=NOW)
        roster_id = made.row.id
        assert made.view.hard == []
    if publish:
        with db.session() as s:
            service.publish(s, roster_id, actor="manager", now=NOW)
    return roster_id


def duties(db, roster_id: int, position: str = "duty_officer") -> list[DutyAssignment]:
    with db.session() as s:
        return list(s.scalars(select(DutyAssignment).where(
            DutyAssignment.roster_id == roster_id, DutyAssignment.position == position)
            .order_by(DutyAssignment.shift_start, DutyAssignment.id)))


def a_safe_swap(db, roster_id: int) -> tuple[int, int]:
    """Two duty-officer duties whose swap keeps every rule (found by trying, in order)."""
    rows = duties(db, roster_id)
    for a in rows:
        for b in rows:
            if a.staff_id == b.staff_id or abs((a.duty_date - b.duty_date).days) < 10:
                continue
            with db.sessions() as s:  # a throwaway session: try, then roll back
                try:
                    service.swap(s, roster_id, a.id, b.id, actor="probe", now=NOW,
                                 reason="probe")
                    return a.id, b.id
                except Refused:
                    continue
                finally:
                    s.rollback()
    raise AssertionError("no rule-keeping swap found")


# ----------------------------------------------------------------------------- rosters
def test_the_sample_staff_are_forty_people_marked_as_samples(db):
    with db.session() as s:
        people = staff_service.list_staff(s)
        assert len(people) == 40
        assert all(p.is_sample and "示例" in p.name and "示例" in p.phone for p in people)
        roles = [r for p in people for r in p.roles]
        assert roles.count("leader") == 8 and roles.count("duty_officer") == 20
        assert staff_service.load_sample_staff(s, as_of=NOW.date(), now=NOW) == 0


def test_generating_publishing_and_editing_a_published_roster_creates_a_new_version(db):
    roster_id = make_july(db)
    first, second = a_safe_swap(db, roster_id)
    before = {a.id: a.staff_id for a in duties(db, roster_id)}
    with db.session() as s:
        outcome = service.swap(s, roster_id, first, second, actor="manager", now=NOW,
                               expected_revision=service.get_roster(s, roster_id).revision,
                               reason="家中有事")
        assert outcome.row.status == "published" and outcome.row.version == 2
        assert outcome.change.text_zh.startswith("换班")
    with db.session() as s:
        versions = service.version_of(s, roster_id)
        assert [v.version for v in versions] == [1, 2]
        old = {a["id"]: a["staff_id"] for a in versions[0].assignments}
        new = {a["id"]: a["staff_id"] for a in versions[1].assignments}
        assert {k: old[k] for k in before} == before
        assert {k: v for k, v in new.items() if k not in (first, second)} == \
            {k: v for k, v in old.items() if k not in (first, second)}
        assert (new[first], new[second]) == (before[second], before[first])
        assert versions[1].note_zh.startswith("换班")
        kinds = [c.kind for c in service.change_log(s, roster_id)]
        assert kinds == ["generate", "publish", "swap"]


def test_a_stale_revision_is_refused_rather_than_overwriting_someone_elses_change(db):
    roster_id = make_july(db, publish=False)
    first, second = a_safe_swap(db, roster_id)
    with db.session() as s, pytest.raises(service.Stale):
        service.swap(s, roster_id, first, second, actor="manager", now=NOW,
                     expected_revision=0)


def test_a_swap_that_breaks_the_minimum_rest_is_refused_with_the_reason(db):
    roster_id = make_july(db)
    rows = duties(db, roster_id)
    # Move A onto the day before A's own next duty: two 24-hour shifts back to back.
    a = rows[0]
    a_next = next(r for r in rows if r.staff_id == a.staff_id and r.duty_date > a.duty_date)
    c = next(r for r in rows if r.staff_id != a.staff_id
             and r.duty_date == a_next.duty_date - timedelta(days=1))
    with db.session() as s, pytest.raises(Refused) as refused:
        service.swap(s, roster_id, a.id, c.id, actor="manager", now=NOW, reason="调休")
    rules = {v.rule for v in refused.value.reasons}
    assert "min_rest" in rules
    text = " ".join(v.zh for v in refused.value.reasons)
    assert "休息" in text or "间隔" in text
    with db.session() as s:  # nothing changed, no version, no change logged
        assert service.get_roster(s, roster_id).version == 1
        assert [c.kind for c in service.change_log(s, roster_id)] == ["generate", "publish"]


def test_a_draft_cannot_be_made_over_a_published_roster_but_replaces_an_older_draft(db):
    roster_id = make_july(db, publish=False)
    with db.session() as s:
        again = service.generate(s, JULY, kind="month", actor="manager", now=NOW)
        assert again.discarded == (roster_id,)
        service.publish(s, again.row.id, actor="manager", now=NOW)
    with db.session() as s, pytest.raises(Conflict) as refused:
        service.generate(s, JULY, kind="month", actor="manager", now=NOW)
    assert "已发布" in refused.value.message_zh


def test_fairness_carries_over_from_the_published_month_before(db):
    with db.session() as s:
        june = service.generate(s, service.month_period("2026-06"), kind="month",
                                actor="manager", now=NOW)
        service.publish(s, june.row.id, actor="manager", now=NOW)
    with db.session() as s:
        july = service.generate(s, JULY, kind="month", actor="manager", now=NOW)
        stats = july.view.roster.stats
        assert any(p.cumulative.shifts > p.period.shifts for p in stats.values())
        assert all(x <= 1 for x in july.view.spread["leaders"].values())


def test_the_flood_season_is_one_draft_with_a_leader_every_day_and_doubled_main_duty(db):
    season = service.season_period(2026)
    with db.session() as s:
        made = service.generate(s, season, kind="flood_season", actor="manager", now=NOW)
        assert (made.row.period_start, made.row.period_end) == (date(2026, 6, 1),
                                                                date(2026, 9, 30))
        assert made.row.label == "2026年汛期值班表(06-01至09-30)"
        assert made.view.hard == []
        by_day: dict[tuple[date, str], int] = {}
        for a in made.row.assignments:
            by_day[(a.duty_date, a.position)] = by_day.get((a.duty_date, a.position), 0) + 1
    assert all(by_day[(d, "leader")] == 1 for d in season.days())
    assert by_day[(date(2026, 7, 20), "duty_officer")] == 2  # 主汛期
    assert by_day[(date(2026, 6, 20), "duty_officer")] == 1


def test_an_infeasible_month_is_refused_naming_the_rule_and_the_days(db):
    with db.session() as s:  # three of the eight leaders away all of July
        for staff in staff_service.list_staff(s, role="leader")[:3]:
            staff_service.add_unavailability(
                s, staff.id, {"start": "2026-07-01", "end": "2026-07-31", "reason": "培训"},
                now=NOW)
    with db.session() as s, pytest.raises(Refused) as refused:
        service.generate(s, JULY, kind="month", actor="manager", now=NOW)
    assert refused.value.reasons
    assert any("2026-07" in v.zh for v in refused.value.reasons)


# ----------------------------------------------------------------------------- on duty
def test_on_duty_changes_hands_at_0830_and_says_so_when_nothing_is_published(db):
    with db.session() as s:
        nothing = service.on_duty_now(s, datetime(2026, 7, 16, 9, 0, tzinfo=SH))
        assert nothing.roster_id is None and "没有已发布" in nothing.message_zh
    roster_id = make_july(db)
    rows = {(a.duty_date, a.position): [] for a in duties(db, roster_id, "leader")}
    with db.session() as s:
        for a in s.scalars(select(DutyAssignment).where(DutyAssignment.roster_id == roster_id)):
            rows.setdefault((a.duty_date, a.position), []).append(a.staff_id)
        before = service.on_duty_now(s, datetime(2026, 7, 16, 8, 29, 59, tzinfo=SH))
        after = service.on_duty_now(s, datetime(2026, 7, 16, 8, 30, tzinfo=SH))
    assert [p.staff_id for p in before.leader] == rows[(date(2026, 7, 15), "leader")]
    assert [p.staff_id for p in after.leader] == rows[(date(2026, 7, 16), "leader")]
    assert sorted(p.staff_id for p in after.duty_officers) == \
        sorted(rows[(date(2026, 7, 16), "duty_officer")])
    assert len(after.duty_officers) == 2  # 主汛期: doubled duty
    assert after.roster_version == 1
    assert all(p.name and p.phone for p in after.leader + after.duty_officers + after.liaisons)


def test_on_duty_is_one_query(db):
    make_july(db)
    statements = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.session() as s:
            found = service.on_duty_now(s, datetime(2026, 7, 20, 12, 0, tzinfo=SH))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert found.leader
    assert len([x for x in statements if x.lstrip().upper().startswith("SELECT")]) == 1


# ----------------------------------------------------------------------------- handover
def _incident(s, title: str, *, drill: bool = False, status: str = "responding") -> Incident:
    row = Incident(title=title, is_drill=drill, status=status, substance="硝基苯",
                   mass_kg=1000.0, occurred_at=NOW, discovered_at=NOW, created_at=NOW,
                   updated_at=NOW, flags={})
    s.add(row)
    s.flush()
    for k, due in enumerate((NOW + timedelta(hours=1), NOW - timedelta(hours=1))):
        s.add(ChecklistItem(incident_id=row.id, item_key=f"k{k}", group="reporting",
                            text_zh=f"{title} 任务{k}", due_at=due, status="open",
                            updated_at=NOW))
    s.add(ChecklistItem(incident_id=row.id, item_key="done", group="reporting",
                        text_zh=f"{title} 已完成", status="done", updated_at=NOW))
    return row


def test_the_handover_lists_open_real_incidents_and_their_open_items_but_not_drills(db):
    with db.session() as s:
        real = _incident(s, "真实事件").id
        _incident(s, "演练事件", drill=True)
        _incident(s, "已终止事件", status="terminated")
        service.add_log_entry(s, {"kind": "call", "text": "接市局来电"}, actor="officer",
                              now=NOW)
    with db.session() as s:
        view = service.handover(s, NOW)
        assert [i.id for i in view.incidents] == [real]
        items = view.incidents[0].open_items
        assert [i.text_zh for i in items] == ["真实事件 任务1", "真实事件 任务0"]  # due first
        assert [i.overdue for i in items] == [True, False]
        assert [e.text for e in view.log] == ["接市局来电"]
        assert view.shift.duty_date == date(2026, 6, 20) and view.shift.shift == "24h"
    with db.session() as s:
        receiver = staff_service.list_staff(s, active=True)[0]
        with pytest.raises(InvalidInput):  # the receiver is a person, not free text
            service.record_handover(s, at=NOW, actor="officer", note="x", now=NOW)
        recorded = service.record_handover(s, at=NOW, actor="officer",
                                           received_staff_id=receiver.id,
                                           note="硝基苯事件继续跟踪", now=NOW)
        assert recorded.snapshot["incidents"][0]["id"] == real
        assert recorded.received_by == receiver.name
    with db.session() as s:
        view = service.handover(s, NOW)
        assert [e.kind for e in view.log] == ["call", "handover"]
        assert "未结事件 1 起" in view.log[-1].text and len(view.handovers) == 1
        assert not view.handovers[0].acknowledged and len(view.unacknowledged) == 1


def test_the_duty_log_is_append_only(db):
    with db.session() as s:
        entry_id = service.add_log_entry(s, {"kind": "note", "text": "原始记录"},
                                         actor="officer", now=NOW).id
    with pytest.raises(AppendOnlyError), db.session() as s:
        s.get(DutyLogEntry, entry_id).text = "改过的记录"
        s.flush()
    with pytest.raises(AppendOnlyError), db.session() as s:
        s.delete(s.get(DutyLogEntry, entry_id))
        s.flush()
    with db.session() as s:
        assert s.get(DutyLogEntry, entry_id).text == "原始记录"


def test_published_versions_are_append_only_too(db):
    roster_id = make_july(db)
    with pytest.raises(AppendOnlyError), db.session() as s:
        version = s.scalar(select(DutyRosterVersion).where(
            DutyRosterVersion.roster_id == roster_id))
        version.note_zh = "改写历史"
        s.flush()


def test_a_log_entry_with_an_unknown_kind_is_refused_field_by_field(db):
    with db.session() as s, pytest.raises(InvalidInput) as bad:
        service.add_log_entry(s, {"kind": "gossip", "text": ""}, actor="officer", now=NOW)
    assert {p.field for p in bad.value.problems} == {"kind", "text"}


# ----------------------------------------------------------------------------- staff files
def test_a_staff_file_with_one_bad_row_imports_nothing(db):
    good = staff_service.staff_record
    with db.session() as s:
        records = [good(r) for r in staff_service.list_staff(s)][:2]
    data = write_staff_csv(records).decode("utf-8-sig")
    data += ",新同事,某单位,12345678,值班员,,是,,否,\r\n,坏行,某单位,,保洁员,,是,,否,\r\n"
    with db.session() as s, pytest.raises(InvalidInput) as bad:
        staff_service.import_staff(s, data.encode("utf-8-sig"), "staff.csv", now=NOW)
    fields = {(p.row, p.column) for p in bad.value.problems}
    assert (5, "联系电话") in fields and (5, "值班岗位") in fields
    with db.session() as s:
        assert len(staff_service.list_staff(s)) == 40
        result = staff_service.import_staff(
            s, data.rsplit(",坏行", 1)[0].encode("utf-8-sig"), "staff.csv", now=NOW)
        assert (result.created, result.updated) == (1, 2)
    with db.session() as s:
        assert len(staff_service.list_staff(s)) == 41


def test_the_handover_names_drill_injects_no_player_has_acknowledged(db):
    from emergency.store.drill_models import DrillInject, DrillRun

    with db.session() as s:
        run = DrillRun(scenario_id="s1", title="示例演练", scenario_type="tabletop",
                       scenario_yaml="", status="running", t0=NOW, clock_anchor=NOW)
        s.add(run)
        s.flush()
        s.add_all([DrillInject(run_id=run.id, inject_id="I-1", kind="scheduled", due_at=NOW,
                               delivered_at=NOW, wall_at=NOW, recipient="值班室",
                               message="市局报告:饮马河发现死鱼"),
                   DrillInject(run_id=run.id, inject_id="I-2", kind="scheduled", due_at=NOW,
                               delivered_at=NOW, wall_at=NOW, message="已签收的注入",
                               acknowledged_at=NOW, acknowledged_by="officer")])
    with db.session() as s:
        view = service.handover(s, NOW)
        assert [(i.run_title, i.inject_id) for i in view.injects] == [("示例演练", "I-1")]
        assert view.injects[0].message.startswith("市局报告")


def test_the_handover_names_station_alarms_nobody_has_acknowledged(db):
    from emergency.store.monitoring_models import StationAlarm, StationReading

    with db.session() as s:
        reading = StationReading(station_id="st-1", parameter="cadmium", value_mg_l=0.02,
                                 observed_at=NOW)
        s.add(reading)
        s.flush()
        s.add_all([StationAlarm(station_id="st-1", station_name_zh="示例站", parameter="cadmium",
                                reading_id=reading.id, value_mg_l=0.02, threshold_mg_l=0.005,
                                observed_at=NOW, raised_at=NOW),
                   StationAlarm(station_id="st-1", station_name_zh="示例站", parameter="cadmium",
                                reading_id=reading.id, value_mg_l=0.01, threshold_mg_l=0.005,
                                observed_at=NOW, raised_at=NOW, acknowledged_at=NOW)])
    with db.session() as s:
        view = service.handover(s, NOW)
        assert [(a.station_name_zh, a.value_mg_l) for a in view.alarms] == [("示例站", 0.02)]
