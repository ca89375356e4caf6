"""Drill runs in the database (SQLite and PostgreSQL): drill incidents kept apart, the scenario
clock, the plume trigger on the real engine, contingency injects, and a hand-checked report."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from emergency.drills import engine as eng
from emergency.drills import service
from emergency.drills.scenario import load_text
from emergency.incidents import service as incidents
from emergency.incidents.context import build_engine_context
from emergency.store import Database

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 7, 23, 9, 0, tzinfo=SH)
WALL = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
EVAL_YAML = (Path(__file__).parent.parent / "unit" / "test_drill_evaluation.py").read_text(
    "utf-8").split('SCENARIO = """')[1].split('"""')[0]
ENGINE_YAML = (Path(__file__).parent.parent / "unit" / "test_drill_engine.py").read_text(
    "utf-8").split('SCENARIO = """')[1].split('"""')[0]


def at(hours: int = 0, minutes: int = 0) -> datetime:
    return T0 + timedelta(hours=hours, minutes=minutes)


@pytest.fixture(scope="module")
def ctx(network):
    return build_engine_context(network, scenario_clock=service.scenario_now)


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    yield database
    database.engine.dispose()


def start(db, ctx, text: str, **kw) -> int:
    scenario = load_text(text, name="test.yaml")
    with db.session() as s:
        run = service.start_drill(s, ctx, scenario, text, actor="organiser", wall=WALL,
                                  **({"speed": 0.0, "anchor": "scenario"} | kw))
        return run.id


def step_to(db, ctx, run_id: int, when: datetime, wall: datetime = WALL) -> None:
    """The controller steps the clock to ``when``, stopping at every known trigger time on the
    way (as a console polling a live clock would)."""
    while True:
        with db.session() as s:
            run = service.get_run(s, run_id)
            now = service.run_now(run, wall)
            if when <= now:
                return
            scenario = service.scenario_of(run)
            upcoming = eng.next_time(scenario, service._world(s, run, scenario), now)
            target = min(when, upcoming) if upcoming else when
            service.step(s, ctx, run_id, target - now, wall=wall, actor="controller")


def check_off(db, ctx, run_id: int, key: str, wall: datetime = WALL) -> datetime:
    """A player ticks an item through the normal incident service, at wall-clock time."""
    with db.session() as s:
        run = service.get_run(s, run_id)
        incident_id = run.incidents[0].incident_id
        row = incidents.get_incident(s, incident_id)
        item = next(i for i in row.checklist if i.item_key == key)
        done = incidents.update_checklist_item(s, ctx, incident_id, item.id,
                                               {"status": "done", "version": item.version},
                                               actor="player", now=wall, drills=None)
        return service._aware(done.done_at)


def fired(db, run_id: int) -> dict[str, tuple[datetime, datetime]]:
    with db.session() as s:
        return {i.inject_id: (service._aware(i.due_at), service._aware(i.delivered_at))
                for i in service.get_run(s, run_id).injects}


# ------------------------------------------------------------------ drills stay apart
def test_a_drill_incident_is_flagged_marked_and_never_listed_with_real_ones(db, ctx):
    with db.session() as s:
        real, _ = incidents.report_incident(
            s, ctx, {"lon": 126.55, "lat": 43.86, "substance": "苯", "mass_kg": 100,
                     "occurred_at": "2026-11-25T09:00+08:00"}, actor="duty", now=WALL)
        real_id = real.id
    run_id = start(db, ctx, EVAL_YAML)
    with db.session() as s:
        run = service.get_run(s, run_id)
        row = incidents.get_incident(s, run.incidents[0].incident_id)
        assert row.is_drill and row.title.startswith("【演练】")
        assert [i.id for i in incidents.list_incidents(s)] == [real_id]
        assert [i.id for i in incidents.list_incidents(s, drills=True)] == [row.id]
        assert incidents.counts(s) == {"real": 1, "drill": 1}
        with pytest.raises(incidents.NotFound):
            incidents.get_incident(s, row.id, drills=False)
        assert all(e.summary_zh.startswith("【演练】") for e in row.events
                   if e.kind in ("reported", "drill_started", "drill_phase", "drill_inject"))
        assert row.occurred_at == T0  # scenario time, as written (anchor "scenario")


def test_a_players_check_off_is_stamped_in_scenario_time_not_wall_time(db, ctx):
    run_id = start(db, ctx, EVAL_YAML)
    step_to(db, ctx, run_id, at(0, 50))
    assert check_off(db, ctx, run_id, "report:first_report") == at(0, 50)


def test_a_live_clock_runs_at_its_speed_and_stops_while_paused(db, ctx):
    run_id = start(db, ctx, EVAL_YAML, speed=60.0)
    minute = timedelta(minutes=1)
    with db.session() as s:
        service.advance(s, ctx, run_id, wall=WALL + minute, actor="c")
        assert service.run_now(service.get_run(s, run_id), WALL + minute) == at(1)
        assert "I1" in {i.inject_id for i in service.get_run(s, run_id).injects}
        service.pause(s, ctx, run_id, wall=WALL + minute, actor="c")
        with pytest.raises(service.DrillError):
            service.pause(s, ctx, run_id, wall=WALL + 2 * minute, actor="c")
        assert service.run_now(service.get_run(s, run_id), WALL + 10 * minute) == at(1)
        service.resume(s, ctx, run_id, wall=WALL + 10 * minute, actor="c")
        assert service.run_now(service.get_run(s, run_id), WALL + 11 * minute) == at(2)
        service.set_speed(s, ctx, run_id, 0, wall=WALL + 11 * minute, actor="c")
        assert service.run_now(service.get_run(s, run_id), WALL + 60 * minute) == at(2)
    # a player's tick while the clock stands is stamped at the clock's time
    assert check_off(db, ctx, run_id, "report:first_report", WALL + 30 * minute) == at(2)


# ------------------------------------------------------------------ triggers on the engine
def test_the_provincial_boundary_trigger_fires_at_the_predicted_front_in_a_run(db, ctx):
    run_id = start(db, ctx, ENGINE_YAML)
    with db.session() as s:
        run = service.get_run(s, run_id)
        front = datetime.fromisoformat(run.fronts["main"]["province"])
        row = incidents.get_incident(s, run.incidents[0].incident_id)
        pkg = incidents.package_for(ctx, s, incidents.input_from_row(row), WALL)
        boundary = next(d for d in pkg.downstream if d.kind == "boundary"
                        and d.attrs["level"] == "province")
        assert front == boundary.front_at      # the engine's own prediction
    step_to(db, ctx, run_id, front - timedelta(minutes=1))
    assert "I3" not in fired(db, run_id)
    step_to(db, ctx, run_id, front + timedelta(seconds=1))
    due, _delivered = fired(db, run_id)["I3"]
    assert abs(due - front) < timedelta(seconds=1)


def test_a_late_action_fires_the_contingency_inject_into_the_incident_timeline(db, ctx):
    run_id = start(db, ctx, EVAL_YAML)
    step_to(db, ctx, run_id, at(0, 40))
    assert "C1" not in fired(db, run_id)                     # deadline 00:40: not late yet
    step_to(db, ctx, run_id, at(0, 41))
    due, delivered = fired(db, run_id)["C1"]
    assert due == at(0, 40) and at(0, 40) < delivered <= at(0, 40) + eng.LATE_AFTER
    with db.session() as s:
        view = service.run_view(s, run_id, wall=WALL)
        assert [a.inject_id + "/" + a.action.id for a in view.late] == ["I1/A2"]
        row = incidents.get_incident(s, service.get_run(s, run_id).incidents[0].incident_id)
        injects = [e.summary_zh for e in row.events if e.kind == "drill_inject"]
        assert any("C1" in text and text.startswith("【演练】") for text in injects)


# ------------------------------------------------------------------ the hand-checked run
def test_the_report_of_a_played_run_matches_the_hand_calculation(db, ctx):
    """The run of tests/unit/test_drill_evaluation.py, played through the database: the same
    times give the same numbers (score 29.5, 未完成: ended early at T+04:00)."""
    run_id = start(db, ctx, EVAL_YAML)
    step_to(db, ctx, run_id, at(0, 50))
    check_off(db, ctx, run_id, "report:first_report")             # on time (deadline 01:10)
    step_to(db, ctx, run_id, at(0, 55))
    check_off(db, ctx, run_id, "sample:upstream-control")         # 15 min late (deadline 00:40)
    for when, objective, rating, note in ((at(1), "O1", "P", "初报要素齐全"),
                                          (at(1, 30), "O1", "S", ""),
                                          (at(3), "O2", "M", "未通报长春市")):
        step_to(db, ctx, run_id, when)
        with db.session() as s:
            obs = service.record_observation(s, run_id, {"objective_id": objective,
                                                         "rating": rating, "note": note},
                                             wall=WALL, actor="评估员甲")
            assert service._aware(obs.observed_at) == when
    step_to(db, ctx, run_id, at(4))
    with db.session() as s:
        service.end_drill(s, ctx, run_id, wall=WALL, actor="controller")
        run = service.get_run(s, run_id)
        assert run.status == "ended" and run.end_reason == "controller"
        assert incidents.get_incident(s, run.incidents[0].incident_id).status == "terminated"
        report = service.build_report(s, run_id, report_date=date(2026, 8, 1))
    assert report.counts() == {"on_time": 1, "late": 1, "missed": 1, "not_due": 1,
                               "not_played": 1}
    assert report.score == pytest.approx(29.5) and report.grade_zh == "未完成"
    assert [o.score for o in report.objectives] == [pytest.approx(56.5), pytest.approx(16)]
    assert report.ended_at == at(4) and report.started_at == T0
    with db.session() as s, pytest.raises(service.DrillError):
        service.step(s, ctx, run_id, timedelta(minutes=5), wall=WALL, actor="controller")


def test_a_drill_ended_at_t_plus_02_11_with_three_injects_unfired_is_not_100_excellent(db, ctx):
    """The case of issue 18: the cadmium library drill ended by the controller at T+02:11 —
    I1 delivered (T+01:30) and its first report done on time, I2 (T+02:30), I3 (plume) and I4
    (T+18:00) never fired, I1/A2 (stop the discharge, due T+03:30) still pending. It used to
    score 100.0 优 with 待改进 无.

    By hand: O1 (weight 1) plans I1/A1 on time 100, I1/A2 not due 0, I4/A1 not played 0 →
    100/3; O2 (2), O3 (1.5), O4 (1) have only unplayed actions → 0. Overall
    (100/3 · 1) / 5.5 = 6.06, graded 未完成.
    """
    text = (service.LIBRARY_DIR / "jilin-cadmium-upstream-intake.yaml").read_text("utf-8")
    run_id = start(db, ctx, text)
    with db.session() as s:
        t0 = service.run_t0(service.get_run(s, run_id))
    step_to(db, ctx, run_id, t0 + timedelta(hours=1, minutes=50))
    check_off(db, ctx, run_id, "report:first_report")
    step_to(db, ctx, run_id, t0 + timedelta(hours=2, minutes=11))
    with db.session() as s:
        service.end_drill(s, ctx, run_id, wall=WALL, actor="controller")
        report = service.build_report(s, run_id, report_date=date(2026, 5, 20))
    assert set(fired(db, run_id)) == {"I1"}
    statuses = {f"{a.inject_id}/{a.action_id}": a.status for a in report.actions}
    assert statuses == {"I1/A1": "on_time", "I1/A2": "not_due", "I2/A1": "not_played",
                        "I2/A2": "not_played", "I3/A1": "not_played", "I3/A2": "not_played",
                        "I4/A1": "not_played"}
    assert report.score == pytest.approx(100 / 3 / 5.5)
    assert report.score < 100 and (report.grade_zh, report.grade_en) == ("未完成", "incomplete")
    assert report.played_score == pytest.approx(100)      # the old rule's number, for reference
    c = report.coverage
    assert (c.injects_delivered, c.injects_planned, c.actions_assessed, c.actions_planned) == (
        1, 4, 1, 7)
    assert c.reasons[0][0] == "演练提前结束:结束于 T+02:11,脚本时长 24:00"
    assert "3 个情景注入未下达:I2、I3、I4" in [zh for zh, _en in c.reasons]
    assert report.areas_for_improvement               # 待改进 is never 无
    assert any("I1/A2" in zh for zh, _en in c.reasons)
    assert any(a.startswith("「现场执法,切断排放源」未进行") for a in report.areas_for_improvement)
    assert not report.strengths                       # no objective was played in full


def test_the_controller_can_release_a_scripted_inject_early_and_write_one_by_hand(db, ctx):
    run_id = start(db, ctx, EVAL_YAML)
    with db.session() as s:
        row = service.fire_inject(s, ctx, run_id, {"inject_id": "I2"}, wall=WALL, actor="c")
        assert row.kind == "manual" and row.message.startswith("【演练】")
        with pytest.raises(service.DrillError):
            service.fire_inject(s, ctx, run_id, {"inject_id": "I2"}, wall=WALL, actor="c")
        adhoc = service.fire_inject(s, ctx, run_id, {
            "mode": "sms", "from": "controller", "to": "city", "message": "补充:下游群众反映异味",
            "objective": "O2", "expected_actions": [
                {"id": "A1", "text": "续报", "checklist": "report:follow_up", "within": "01:00"}]},
            wall=WALL, actor="c")
        assert adhoc.inject_id == "X1"
        view = service.run_view(s, run_id, wall=WALL)
        assert "X1" in view.fired and view.states["X1/A1"].status == "open"
        assert view.fired["I2"].kind == "manual"
        assert "I3" in view.injects and "I3" not in view.fired  # still pending


# ------------------------------------------------------------------ evaluators' sign-off
def test_evaluators_submit_their_drafts_and_players_see_only_those_after_the_end(db, ctx):
    run_id = start(db, ctx, EVAL_YAML)
    step_to(db, ctx, run_id, at(1))
    with db.session() as s:
        service.record_observation(s, run_id, {"objective_id": "O1", "rating": "P",
                                               "observed_t": "T+00:30", "inject_id": "I1"},
                                   wall=WALL, actor="jia", evaluator_name="评估员甲")
        service.record_observation(s, run_id, {"objective_id": "O2", "rating": "U"},
                                   wall=WALL, actor="yi", evaluator_name="评估员乙")
        with pytest.raises(service.InvalidEvaluation) as bad:
            service.record_observation(s, run_id, {"objective_id": "O1", "rating": "P",
                                                   "observed_t": "T+02:00"},
                                       wall=WALL, actor="jia")
        assert bad.value.problems[0].field == "observed_t"
        assert bad.value.message_zh.startswith("评估记录有误")
        submitted = service.submit_evaluation(s, run_id, wall=WALL + timedelta(minutes=3),
                                              actor="jia")
        assert [(o.recorded_by, o.evaluator) for o in submitted] == [("jia", "评估员甲")]
        with pytest.raises(service.DrillError) as nothing:
            service.submit_evaluation(s, run_id, wall=WALL, actor="jia")
        assert nothing.value.code == "nothing_to_submit"
        assert service.run_view(s, run_id, wall=WALL, insider=False).observations == []
        with pytest.raises(service.DrillError) as hidden:
            service.build_report(s, run_id, insider=False)
        assert hidden.value.status == 403
        service.end_drill(s, ctx, run_id, wall=WALL, actor="controller")
    with db.session() as s:
        outside = service.build_report(s, run_id, insider=False)
        inside = service.build_report(s, run_id)
    assert [(o.evaluator, o.recorded_by, o.inject_id, o.observed_at) for o in
            outside.observations] == [("评估员甲", "jia", "I1", at(0, 30))]
    assert outside.observations[0].submitted_at == WALL + timedelta(minutes=3)
    assert [e.evaluator for e in outside.evaluators] == ["评估员甲"]
    assert [e.evaluator for e in inside.evaluators] == ["评估员甲", "评估员乙"]


def test_the_migrations_create_the_drill_columns_the_models_describe(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from emergency.store.models import Base

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    mine = [d for d in diffs if "drill_" in repr(d)]
    assert mine == []


def test_the_park_fire_drill_fires_its_injects_on_the_containment_events(db, ctx, park_set):
    """The library's chemical-park drill, played: the incident is reported by park and
    enterprise, and I2 / I3 fire 15 min before the accident pool overflows (09:50) and when the
    river release starts (10:30) — the hand-checked fire of tests/web/test_parks_api.py."""
    from emergency.drills.scenario import LIBRARY_DIR

    park_ctx = build_engine_context(ctx.network, parks=lambda: park_set,
                                    scenario_clock=service.scenario_now)
    text = (LIBRARY_DIR / "park01-fire-three-level.yaml").read_text("utf-8")
    run_id = start(db, park_ctx, text)
    with db.session() as s:
        run = service.get_run(s, run_id)
        events = run.fronts["main"]
        assert datetime.fromisoformat(events["containment:enterprise_overflow"]) == at(0, 50)
        assert datetime.fromisoformat(events["containment:river_release"]) == at(1, 30)
        row = incidents.get_incident(s, run.incidents[0].incident_id)
        assert row.park_id == "park-01" and row.park_enterprise_id == "e2"
        assert any(i.item_key == "park:park-01:enterprise:e2:valve" for i in row.checklist)
    step_to(db, park_ctx, run_id, at(0, 34))
    assert "I2" not in fired(db, run_id)
    step_to(db, park_ctx, run_id, at(1, 31))
    injects = fired(db, run_id)
    assert injects["I2"][0] == at(0, 35)
    assert injects["I3"][0] == at(1, 30)
