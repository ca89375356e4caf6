"""Roles and permissions (角色与权限): who may do what. Pure: no Flask, no database.

Roles are not a ladder: a drill organiser (演练组织者) runs drills but does not report real
incidents, a data steward (数据管理员) imports inventories and plans but does not command.
Each role is therefore a set of permissions, and a route asks for one permission.

Login throttling is a rule too: failed attempts are counted per client address and per account
name in windows that grow (``LOGIN_LIMITS_PER_ACCOUNT``: a few tries a minute, then fewer per ten
minutes, then per hour), so the wait grows with the failures and ends by itself — never a lock
that anyone who knows a user name can hold forever. Successful logins are not counted; a name
that does not exist is throttled exactly like one that does. (Enforced by Flask-Limiter in
``emergency.web.auth``; the limits here are ``limits`` notation, see its documentation.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    READ = "read"                              # see maps, incidents, plans, inventories
    INCIDENT_WRITE = "incident.write"          # report and work an incident (值班员)
    INCIDENT_COMMAND = "incident.command"      # override grading, terminate a response (指挥)
    DRILL_RUN = "drill.run"                    # create and drive drills: clock, injects (导调)
    DRILL_EVALUATE = "drill.evaluate"          # observe and score a drill (演练评估)
    DATA_IMPORT = "data.import"                # import inventories and plans (数据导入)
    DUTY_MANAGE = "duty.manage"                # duty staff and rosters: generate, publish (排班)
    USER_ADMIN = "user.admin"                  # manage accounts (用户管理)
    INSPECTION_MANAGE = "inspection.manage"    # inspection campaigns, assign tasks (排查部署)
    INSPECTION_RECORD = "inspection.record"    # fill inspections, verify/reopen hazards (排查)
    HAZARD_RECTIFY = "hazard.rectify"          # report a hazard's rectification (整改报告)
    INSPECTION_EVIDENCE = "inspection.evidence"  # upload inspection/rectification photos (取证)
    MONITORING_INGEST = "monitoring.ingest"    # send monitoring results, station readings
    PLAN_EDIT = "plan.edit"                    # draft and submit plan changes (预案编制)
    PLAN_REVIEW = "plan.review"                # approve or return plan drafts (预案审核发布)


@dataclass(frozen=True)
class Role:
    name: str
    label_zh: str
    label_en: str
    permissions: frozenset[Permission]


_READ = frozenset({Permission.READ})
_DUTY = _READ | {Permission.INCIDENT_WRITE, Permission.MONITORING_INGEST}

ROLES: dict[str, Role] = {r.name: r for r in (
    Role("viewer", "只读用户", "Viewer", _READ),
    Role("duty_officer", "值班员", "Duty officer", _DUTY),
    Role("commander", "指挥长", "Commander",
         _DUTY | {Permission.INCIDENT_COMMAND, Permission.DUTY_MANAGE}),
    # 值班主任 (duty manager): keeps the duty desk — staff, rosters, swaps and replacements,
    # publishing and withdrawing, today's log at any time — without commanding incidents.
    Role("duty_manager", "值班主任", "Duty manager", _DUTY | {Permission.DUTY_MANAGE}),
    # The organiser (exercise director) also evaluates: small exercises have no separate
    # evaluation team, and the organiser signs off the after-action report.
    Role("drill_organizer", "演练组织者", "Drill organiser",
         _READ | {Permission.DRILL_RUN, Permission.DRILL_EVALUATE}),
    # HSEEP: evaluators observe and score against the objectives, independently of the
    # controllers: they may not drive the scenario (clock, injects, pause, end).
    Role("drill_evaluator", "演练评估员", "Drill evaluator", _READ | {Permission.DRILL_EVALUATE}),
    # A prefecture's data steward also answers for its hazards' rectification reports
    # (整改情况报告); someone else — an inspector — verifies and closes them (验收销号).
    # A steward also drafts the plans (编制) of the rivers that run through the account's
    # prefecture (see may_edit_plan); a reviewer approves them (审核 → 发布).
    Role("data_steward", "数据管理员", "Data steward",
         _READ | {Permission.DATA_IMPORT, Permission.HAZARD_RECTIFY,
                  Permission.INSPECTION_EVIDENCE, Permission.PLAN_EDIT}),
    # 隐患排查员: inspects the risk sources of the account's prefecture (users.prefecture_zh;
    # none = the whole province), records hazards, verifies rectification.
    Role("inspector", "隐患排查员", "Inspector",
         _READ | {Permission.INSPECTION_RECORD, Permission.INSPECTION_EVIDENCE}),
    # A laboratory's or automatic station network's system (实验室/水质自动站数据接口): an account
    # whose bearer token (POST /api/auth/token) sends results and readings, and nothing else.
    Role("monitoring_system", "监测数据接口", "Monitoring data system",
         _READ | {Permission.MONITORING_INGEST}),
    # 预案审核员 (the provincial centre): reviews plan drafts — sees the field-level diff,
    # approves (publishes) or returns them; restores earlier versions. Never their own draft.
    Role("plan_reviewer", "预案审核员", "Plan reviewer", _READ | {Permission.PLAN_REVIEW}),
    Role("admin", "系统管理员", "Administrator", frozenset(Permission)),
)}

# A state-changing route that declares no permission of its own needs this one: a forgotten
# declaration fails closed (a viewer can never write), not open.
DEFAULT_WRITE_PERMISSION = Permission.INCIDENT_WRITE

#: Failed logins allowed per account name (all addresses together), tier by tier: after 5 in a
#: minute the next try waits for that minute, after 10 in ten minutes for those, after 30 in an
#: hour for the hour.
LOGIN_LIMITS_PER_ACCOUNT = "5 per minute; 10 per 10 minutes; 30 per hour"
#: Failed logins allowed per client address (any names: password spraying).
LOGIN_LIMITS_PER_ADDRESS = "20 per minute; 100 per hour"
MIN_PASSWORD_LENGTH = 8
#: How new passwords are hashed (werkzeug); PASSWORD_HASH_METHOD in the config.
DEFAULT_HASH_METHOD = "scrypt"


def is_role(name: str) -> bool:
    return name in ROLES


def permissions_of(role: str) -> frozenset[Permission]:
    """The permissions of ``role``; an unknown role has none."""
    found = ROLES.get(role)
    return found.permissions if found else frozenset()


def allows(role: str, permission: Permission | str) -> bool:
    """True when ``role`` holds ``permission``."""
    return Permission(permission) in permissions_of(role)


def roles_with(permission: Permission | str) -> list[str]:
    """The roles that hold ``permission``, in table order (for error messages)."""
    return [name for name, role in ROLES.items() if Permission(permission) in role.permissions]


# Who sees an evaluation while it is a draft (评估草稿): the people who drive or score the drill.
# Everyone else — the players (duty officers) above all — sees only submitted evaluations, and
# only once the drill has ended, so that a score cannot steer play.
EVALUATION_INSIDERS = frozenset({Permission.DRILL_RUN, Permission.DRILL_EVALUATE})


def sees_draft_evaluations(role: str) -> bool:
    """True when ``role`` may read evaluators' draft observations and interim scores."""
    return bool(permissions_of(role) & EVALUATION_INSIDERS)


def may_write_duty_log(role: str, *, on_shift: bool) -> bool:
    """Who writes today's duty log (值班日志): the people on the current shift (their account is
    linked to a person on duty now) and duty managers. Everyone else reads it."""
    if allows(role, Permission.DUTY_MANAGE):
        return True
    return on_shift and allows(role, Permission.INCIDENT_WRITE)
def may_edit_plan(account_prefecture: str | None, plan_prefectures: Iterable[str]) -> bool:
    """Whether an account bound to ``account_prefecture`` may draft, review or restore a plan
    covering ``plan_prefectures``: a prefecture's account only the plans of rivers that run
    through its prefecture; an account bound to none (the provincial centre) every plan."""
    return account_prefecture is None or account_prefecture in set(plan_prefectures)


def may_approve_plan(reviewer: str, draft_editor: str) -> bool:
    """Nobody approves their own draft (四眼原则: the author and the approver differ)."""
    return reviewer != draft_editor


def password_problems(password: str, username: str = "") -> list[tuple[str, str]]:
    """What is wrong with a new password, as (zh, en) messages; empty when acceptable."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append((f"密码至少 {MIN_PASSWORD_LENGTH} 个字符",
                         f"the password needs at least {MIN_PASSWORD_LENGTH} characters"))
    if username and password.lower() == username.lower():
        problems.append(("密码不能与用户名相同", "the password must differ from the username"))
    return problems
