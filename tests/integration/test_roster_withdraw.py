"""Withdrawing a published roster (撤回), in the database (SQLite and PostgreSQL): before it
starts it becomes a draft again; once started it is refused unless forced, and a forced
withdrawal keeps the running day and the past as published history; the duty log says who,
when and why; the people who lose duties are listed; bad requests change nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from emergency.roster import service, staff_service
from emergency.roster.errors import Conflict, Stale
from emergency.roster.staff import InvalidInput
from emergency.store import Database
from emergency.store.roster_models import (
    DutyAssignment,
    DutyLogEntry,
    DutyRoster,
    DutyRosterVersion,
    RosterChange,
)

SH = ZoneInfo("Asia/Shanghai")
BEFORE = datetime(2026, 6, 20, 10, 0, tzinfo=SH)   # July not started
DURING = datetime(2026, 7, 16, 9, 0, tzinfo=SH)    # July 16's 24-hour duty is running
JULY = service.month_period("2026-07")


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    with database.session() as s:
        staff_service.load_sample_staff(s, as_of=BEFORE.date(), now=BEFORE)
    yield database
    database.engine.dispose()


@pytest.fixture
def july(db) -> int:
    with db.session() as s:
        made = service.generate(s, JULY, kind="month", actor="manager", now=BEFORE)
        roster_id = made.row.id
    with db.session() as s:
        service.publish(s, roster_id, actor="manager", now=BEFORE)
    return roster_id


def state(db, roster_id: int) -> tuple:
    """Everything a refused withdrawal must leave as it was."""
    with db.session() as s:
        row = s.get(DutyRoster, roster_id)
        return (row.status, row.version, row.revision, row.period_end,
                s.scalar(select(func.count()).select_from(DutyAssignment)
                         .where(DutyAssignment.roster_id == roster_id)),
                s.scalar(select(func.count()).select_from(DutyLogEntry)),
                s.scalar(select(func.count()).select_from(DutyRoster)),
                s.scalar(select(func.count()).select_from(RosterChange)))


def test_a_roster_not_yet_started_goes_back_to_draft_and_off_the_header(db, july):
    with db.session() as s:
        on_the_16th = service.on_duty_now(s, DURING)
        assert on_the_16th.roster_id == july
        people = {a.staff_id for a in s.get(DutyRoster, july).assignments}
    with db.session() as s:
        out = service.withdraw(s, july, reason="人员调整,重新排班", actor="manager",
                               actor_name="排班管理员", now=BEFORE)
        assert out.draft.id == july and out.kept_until is None and out.withdrawn_version == 1
        assert {p.staff_id for p in out.affected} == people
        assert out.duties == len(out.row.assignments) > 0
        assert all(p.name and p.duties for p in out.affected)
    with db.session() as s:
        row = s.get(DutyRoster, july)
        assert (row.status, row.version, row.published_at) == ("draft", 0, None)
        found = service.on_duty_now(s, DURING)
        assert found.roster_id is None and "没有已发布" in found.message_zh
        change = s.scalars(select(RosterChange).where(RosterChange.roster_id == july)
                           .order_by(RosterChange.id.desc())).first()
        assert change.kind == "withdraw" and change.actor == "manager"
        assert change.data["reason"] == "人员调整,重新排班" and change.data["force"] is False
        log = s.scalars(select(DutyLogEntry).where(DutyLogEntry.kind == "roster")).one()
        assert log.author == "manager" and log.author_name == "排班管理员"
        assert "人员调整,重新排班" in log.text and "撤回" in log.text
        assert log.at == BEFORE and log.duty_date == date(2026, 6, 20)  # the shift it was done in


def test_a_withdrawn_roster_is_published_again_as_the_next_version(db, july):
    with db.session() as s:
        service.withdraw(s, july, reason="重排", actor="manager", now=BEFORE)
    with db.session() as s:
        service.publish(s, july, actor="manager", now=BEFORE + timedelta(hours=1))
    with db.session() as s:
        assert s.get(DutyRoster, july).version == 2
        assert [v.version for v in service.version_of(s, july)] == [1, 2]
        assert service.on_duty_now(s, DURING).roster_id == july


def test_a_started_roster_is_refused_without_force_and_nothing_changes(db, july):
    before = state(db, july)
    with db.session() as s, pytest.raises(Conflict) as err:
        service.withdraw(s, july, reason="重排", actor="manager", now=DURING)
    assert "正在进行的24小时值班" in err.value.message_zh
    assert "running 24-hour duty" in err.value.message_en
    assert err.value.details["force_required"] is True
    assert state(db, july) == before


@pytest.mark.parametrize("reason", ["", "   ", None, "原" * 501])
def test_a_withdrawal_without_a_proper_reason_is_refused_and_nothing_changes(db, july, reason):
    before = state(db, july)
    with db.session() as s, pytest.raises(InvalidInput) as err:
        service.withdraw(s, july, reason=reason, actor="manager", now=BEFORE, force=True)
    assert err.value.problems[0].field == "reason"
    assert state(db, july) == before


def test_only_a_published_roster_is_withdrawn_and_a_stale_revision_is_refused(db, july):
    with db.session() as s:
        revision = s.get(DutyRoster, july).revision
    with db.session() as s, pytest.raises(Stale):
        service.withdraw(s, july, reason="重排", actor="m", now=BEFORE,
                         expected_revision=revision - 1)
    with db.session() as s:
        service.withdraw(s, july, reason="重排", actor="m", now=BEFORE,
                         expected_revision=revision)
    with db.session() as s, pytest.raises(Conflict) as err:
        service.withdraw(s, july, reason="再撤", actor="m", now=BEFORE)
    assert "只有已发布" in err.value.message_zh and "only a published" in err.value.message_en


def test_a_forced_withdrawal_keeps_the_running_day_and_the_past_as_history(db, july):
    with db.session() as s:
        kept_people = {a.staff_id for a in s.get(DutyRoster, july).assignments
                       if a.duty_date <= date(2026, 7, 16)}
        later = {(a.id, a.staff_id) for a in s.get(DutyRoster, july).assignments
                 if a.duty_date > date(2026, 7, 16)}
    with db.session() as s:
        out = service.withdraw(s, july, reason="主汛期调整带班领导", actor="manager",
                               now=DURING, force=True)
        draft_id = out.draft.id
        assert out.kept_until == date(2026, 7, 16) and draft_id != july
        assert {p.staff_id for p in out.affected} == {staff for _, staff in later}
        assert all(d.duty_date >= date(2026, 7, 17) for p in out.affected for d in p.duties)
    with db.session() as s:
        row, draft = s.get(DutyRoster, july), s.get(DutyRoster, draft_id)
        assert (row.status, row.version, row.period_end) == ("published", 2, date(2026, 7, 16))
        assert {a.staff_id for a in row.assignments} == kept_people
        assert (draft.status, draft.period_start, draft.period_end) == (
            "draft", date(2026, 7, 17), date(2026, 7, 31))
        assert {(a.id, a.staff_id) for a in draft.assignments} == later  # moved, not lost
        v1, v2 = service.version_of(s, july)
        assert len(v2.assignments) < len(v1.assignments)  # version 1 keeps the whole month
        assert "主汛期调整带班领导" in v2.note_zh
        # the running 24-hour duty is still on duty; the next day is not rostered any more
        assert service.on_duty_now(s, DURING).roster_id == july
        tomorrow = service.on_duty_now(s, DURING + timedelta(days=1))
        assert tomorrow.roster_id is None
        # the past still counts (iCal of someone on duty on the 16th)
        someone = next(iter(kept_people))
        assert "BEGIN:VEVENT" in service.ical_for(s, someone, now=DURING)
    with db.session() as s:  # publish the corrected rest: the 17th is covered again
        service.publish(s, draft_id, actor="manager", now=DURING + timedelta(minutes=5))
    with db.session() as s:
        assert service.on_duty_now(s, DURING + timedelta(days=1)).roster_id == draft_id


def test_a_roster_whose_last_day_has_started_has_nothing_to_withdraw(db, july):
    last = datetime(2026, 7, 31, 12, 0, tzinfo=SH)
    before = state(db, july)
    with db.session() as s, pytest.raises(Conflict) as err:
        service.withdraw(s, july, reason="重排", actor="manager", now=last, force=True)
    assert "没有可撤回" in err.value.message_zh and "nothing to withdraw" in err.value.message_en
    assert state(db, july) == before


def test_the_published_versions_stay_append_only_through_withdrawals(db, july):
    with db.session() as s:
        service.withdraw(s, july, reason="调整", actor="manager", now=DURING, force=True)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(DutyRosterVersion)) == 2
