"""The scheduled job reminds the responsible prefecture before and after hazard deadlines."""

from __future__ import annotations

from datetime import datetime

import pytest

from emergency.config import default_config
from emergency.inspection import service
from emergency.jobs import runner
from emergency.jobs.context import JobContext
from emergency.jobs.tasks import hazard_deadlines_body  # noqa: F401 - registers the body
from tests.inspection_world import PREF, make_world, submit


@pytest.fixture
def world(loaded, make_user, login):
    return make_world(loaded, make_user, login)


def run_on(world, when: datetime):
    world.app.config["FIXED_NOW"] = when
    outcome = runner.run_job(JobContext.from_app(world.app, "test"), "hazard_deadlines")
    assert outcome.status == "ok", outcome.error
    return outcome.result


def notices(world):
    with world.db.session() as s:
        return [(n.prefecture_zh, n.message_zh, n.details)
                for n in service.hazard_notices(s)]


def test_reminders_come_before_and_after_the_deadline_once_a_day(world):
    task = world.task()
    hazards = submit(world, task).get_json()["hazards"]
    minor = next(h for h in hazards if h["grade"] == "minor")  # due 2026-06-25
    assert run_on(world, datetime(2026, 6, 12, 8, 30))["prefectures"] == []
    first = run_on(world, datetime(2026, 6, 19, 8, 30))["prefectures"]
    assert first == [{"prefecture": PREF, "due_soon": 1, "overdue": 0,
                      "hazards": [minor["id"]], "notice_added": True}]
    again = run_on(world, datetime(2026, 6, 19, 15, 0))["prefectures"]
    assert again[0]["notice_added"] is False  # one notice per prefecture and day
    late = run_on(world, datetime(2026, 6, 27, 8, 30))["prefectures"]
    assert late[0]["overdue"] == 1 and late[0]["due_soon"] == 0
    shown = notices(world)
    assert len(shown) == 2 and shown[0][0] == PREF
    assert "1 项已逾期" in shown[0][1] and world.source_name in shown[0][1]
    assert "7 天内到期" in shown[1][1]
    # reported done: no more reminders, though the deadline has passed
    world["steward"].post(f"/api/hazards/{minor['id']}/rectify", json={
        "version": minor["version"], "note": "已抽排积水"})
    assert run_on(world, datetime(2026, 6, 28, 8, 30))["prefectures"] == []


def test_the_job_is_scheduled_every_morning():
    from emergency.jobs.definitions import job_specs

    spec = next(s for s in job_specs(default_config()) if s.id == "hazard_deadlines")
    assert spec.func_ref == "emergency.jobs.tasks:hazard_deadlines"
    assert "hour='8'" in str(spec.trigger) and "minute='30'" in str(spec.trigger)
