"""The permission table: each role may do exactly what its job needs."""

from __future__ import annotations

import pytest

from emergency.auth_rules import (
    DEFAULT_WRITE_PERMISSION,
    LOGIN_LIMITS_PER_ACCOUNT,
    LOGIN_LIMITS_PER_ADDRESS,
    ROLES,
    Permission,
    allows,
    is_role,
    may_write_duty_log,
    password_problems,
    permissions_of,
    roles_with,
    sees_draft_evaluations,
)

P = Permission


def test_the_eleven_roles_exist_with_chinese_and_english_names():
    assert list(ROLES) == ["viewer", "duty_officer", "commander", "duty_manager",
                           "drill_organizer", "drill_evaluator", "data_steward", "inspector",
                           "monitoring_system", "plan_reviewer", "admin"]
    assert (ROLES["drill_evaluator"].label_zh, ROLES["drill_evaluator"].label_en) == (
        "演练评估员", "Drill evaluator")
    assert all(r.label_zh and r.label_en for r in ROLES.values())


@pytest.mark.parametrize(("role", "expected"), [
    ("viewer", {P.READ}),
    ("duty_officer", {P.READ, P.INCIDENT_WRITE, P.MONITORING_INGEST}),
    ("commander", {P.READ, P.INCIDENT_WRITE, P.MONITORING_INGEST, P.INCIDENT_COMMAND,
                   P.DUTY_MANAGE}),
    ("duty_manager", {P.READ, P.INCIDENT_WRITE, P.MONITORING_INGEST, P.DUTY_MANAGE}),
    ("drill_organizer", {P.READ, P.DRILL_RUN, P.DRILL_EVALUATE}),
    ("drill_evaluator", {P.READ, P.DRILL_EVALUATE}),
    ("data_steward", {P.READ, P.DATA_IMPORT, P.HAZARD_RECTIFY, P.INSPECTION_EVIDENCE,
                      P.PLAN_EDIT}),
    ("inspector", {P.READ, P.INSPECTION_RECORD, P.INSPECTION_EVIDENCE}),
    ("monitoring_system", {P.READ, P.MONITORING_INGEST}),
    ("plan_reviewer", {P.READ, P.PLAN_REVIEW}),
    ("admin", set(Permission)),
])
def test_each_role_holds_exactly_its_permissions(role, expected):
    assert permissions_of(role) == expected


def test_everyone_may_read():
    assert all(allows(role, P.READ) for role in ROLES)


def test_a_drill_organiser_runs_drills_but_does_not_report_real_incidents():
    assert allows("drill_organizer", P.DRILL_RUN)
    assert not allows("drill_organizer", P.INCIDENT_WRITE)


def test_an_evaluator_scores_drills_but_cannot_drive_them_or_work_incidents():
    assert allows("drill_evaluator", P.DRILL_EVALUATE)
    assert not allows("drill_evaluator", P.DRILL_RUN)
    assert not allows("drill_evaluator", P.INCIDENT_WRITE)
    assert roles_with(P.DRILL_RUN) == ["drill_organizer", "admin"]
    assert roles_with(P.DRILL_EVALUATE) == ["drill_organizer", "drill_evaluator", "admin"]


def test_only_controllers_and_evaluators_see_draft_evaluations():
    insiders = [role for role in ROLES if sees_draft_evaluations(role)]
    assert insiders == ["drill_organizer", "drill_evaluator", "admin"]
    assert not sees_draft_evaluations("duty_officer")   # the players
    assert not sees_draft_evaluations("nobody")


def test_a_data_steward_imports_data_but_does_not_work_incidents():
    assert allows("data_steward", "data.import")
    assert not allows("data_steward", P.INCIDENT_WRITE)


def test_only_a_commander_or_admin_overrides_grading_or_terminates():
    assert roles_with(P.INCIDENT_COMMAND) == ["commander", "admin"]


def test_only_the_admin_manages_users():
    assert roles_with(P.USER_ADMIN) == ["admin"]


def test_an_unknown_role_may_do_nothing():
    assert not is_role("root")
    assert permissions_of("root") == frozenset()
    assert not allows("root", P.READ)


def test_an_undeclared_write_needs_a_permission_a_viewer_lacks():
    assert not allows("viewer", DEFAULT_WRITE_PERMISSION)
    assert allows("duty_officer", DEFAULT_WRITE_PERMISSION)


def test_an_unknown_permission_name_is_an_error_not_a_silent_no():
    with pytest.raises(ValueError):
        allows("admin", "launch.missiles")


def test_login_throttling_grows_tier_by_tier_and_never_locks_for_good():
    from limits import parse_many

    tiers = [(lim.amount, lim.get_expiry()) for lim in parse_many(LOGIN_LIMITS_PER_ACCOUNT)]
    assert tiers == sorted(tiers, key=lambda t: t[1])       # ever longer windows …
    assert [a / e for a, e in tiers] == sorted((a / e for a, e in tiers), reverse=True)
    assert max(e for _, e in tiers) <= 3600                  # … the longest wait an hour
    assert parse_many(LOGIN_LIMITS_PER_ADDRESS)


def test_short_passwords_and_the_username_as_password_are_refused():
    assert password_problems("long-enough-1") == []
    assert len(password_problems("short")) == 1
    zh, en = password_problems("duty_officer1", "Duty_Officer1")[0]
    assert "用户名" in zh and "username" in en


def test_a_duty_manager_keeps_the_duty_desk_without_commanding_incidents():
    assert allows("duty_manager", P.DUTY_MANAGE)
    assert not allows("duty_manager", P.INCIDENT_COMMAND)
    assert (ROLES["duty_manager"].label_zh, ROLES["duty_manager"].label_en) == (
        "值班主任", "Duty manager")
    assert "duty_manager" in roles_with(P.DUTY_MANAGE)


@pytest.mark.parametrize(("role", "on_shift", "expected"), [
    ("duty_officer", True, True),
    ("duty_officer", False, False),
    ("commander", False, True),      # holds duty.manage
    ("duty_manager", False, True),
    ("viewer", True, False),         # on a roster but a read-only account
    ("data_steward", True, False),
    ("admin", False, True),
])
def test_only_the_people_on_shift_and_duty_managers_write_todays_log(role, on_shift, expected):
    assert may_write_duty_log(role, on_shift=on_shift) is expected


def test_a_prefecture_account_edits_only_plans_of_rivers_through_its_prefecture():
    from emergency.auth_rules import may_approve_plan, may_edit_plan

    assert may_edit_plan("长春市", ["吉林市", "长春市"])
    assert not may_edit_plan("白山市", ["吉林市", "长春市"])
    assert may_edit_plan(None, ["吉林市"])  # the provincial centre
    assert not may_approve_plan("zhang", "zhang") and may_approve_plan("li", "zhang")
