"""Report deadlines (信息报告时限) and Art. 8 notifications, by ``rules/reporting.yaml``.

Source: 《突发环境事件信息报告办法》(环境保护部令第17号). Tier IV/III → first report in 4 h;
tier II/I or any Art. 4 case → 2 h, the MEE at once, and the province to the MEE 1 h after it
receives the report. 续报 and 处理结果报告 carry no statutory hours (``due_at`` is None).

All times are timezone-aware datetimes; naive ones are rejected. Results are expressed in
``tz`` (Asia/Shanghai by default).
"""

import math
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Any, Final

from emergency.config import DEFAULT_TZ
from emergency.grading import (
    RULES_DIR,
    TIERS,
    RuleTableError,
    check_keys,
    number_at,
    read_rule_yaml,
    text_at,
)
from plans.vocabulary import BOUNDARY_LEVELS

__all__ = [
    "DEFAULT_TZ",
    "REPORTING_TABLE_PATH",
    "Art4Flags",
    "BoundaryCrossing",
    "NotificationTarget",
    "ReportDeadline",
    "ReportingTable",
    "default_reporting_table",
    "first_report_due",
    "load_reporting_table",
    "notification_targets",
    "parse_reporting_table",
    "report_deadlines",
    "uses_major_procedure",
]

REPORTING_TABLE_PATH: Final = RULES_DIR / "reporting.yaml"
MAJOR_TIERS: Final = frozenset({1, 2})
TEMPLATE_FIELDS: Final = frozenset({"from_zh", "to_zh", "from_en", "to_en"})


def _require_aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware (e.g. tzinfo=ZoneInfo('Asia/Shanghai')), "
            f"got naive {value.isoformat()}"
        )
    return value


def _plus_hours(start: datetime, hours: float, tz: tzinfo) -> datetime:
    # Add in UTC so the result is an exact elapsed time even in zones with DST.
    return (start.astimezone(UTC) + timedelta(hours=hours)).astimezone(tz)


@dataclass(frozen=True)
class Art4Flags:
    """第四条 cases: any one sends the event through the II/I procedure, graded or not."""

    drinking_water_source: bool = False
    residential_school_hospital: bool = False
    heavy_metal: bool = False
    cross_provincial_or_national: bool = False
    mass_incident: bool = False
    other: bool = False

    @property
    def set_flags(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self) if getattr(self, f.name))

    def __bool__(self) -> bool:
        return bool(self.set_flags)


ART4_FLAGS: Final = tuple(f.name for f in fields(Art4Flags))


@dataclass(frozen=True)
class ReportDeadline:
    """One report to make. ``due_at`` equal to discovery means 立即 (at once); None means the
    law sets no hours (续报, 处理结果报告, a change of tier)."""

    id: str
    text_zh: str
    text_en: str
    reporter_zh: str
    reporter_en: str
    recipients_zh: tuple[str, ...]
    recipients_en: tuple[str, ...]
    due_at: datetime | None
    legal_basis: str
    legal_basis_en: str


@dataclass(frozen=True)
class BoundaryCrossing:
    """A predicted crossing of an administrative boundary by the plume's leading edge.

    ``level`` is 'county', 'prefecture', 'province' or 'nation'; ``front_arrives_at`` is when
    the leading edge is predicted to reach the crossing (aware datetime). English names default
    to the Chinese ones.
    """

    level: str
    from_zh: str
    to_zh: str
    front_arrives_at: datetime
    from_en: str | None = None
    to_en: str | None = None

    def __post_init__(self) -> None:
        if self.level not in BOUNDARY_LEVELS:
            raise ValueError(
                f"crossing {self.from_zh}→{self.to_zh}: "
                f"level must be one of {tuple(BOUNDARY_LEVELS)}, "
                f"got {self.level!r}"
            )
        _require_aware(self.front_arrives_at, f"crossing {self.from_zh}→{self.to_zh} arrival")

    def names(self) -> dict[str, str]:
        return {
            "from_zh": self.from_zh,
            "to_zh": self.to_zh,
            "from_en": self.from_en or self.from_zh,
            "to_en": self.to_en or self.to_zh,
        }


@dataclass(frozen=True)
class NotificationTarget:
    """An Art. 8 notification to the unit on the other side of a crossing.

    ``due_basis`` says which bound set ``due_at``: 'first_report' (the first report's deadline),
    'front_arrival' (front arrival minus the safety margin) or 'immediately' (that time has
    already passed at discovery, so notify at once).
    """

    crossing: BoundaryCrossing
    notifier_zh: str
    notifier_en: str
    recipient_zh: str
    recipient_en: str
    text_zh: str
    text_en: str
    due_at: datetime
    due_basis: str
    legal_basis: str
    legal_basis_en: str


# ---------------------------------------------------------------------------------------------
# The rule table


@dataclass(frozen=True)
class ReportItem:
    id: str
    hours: float | None
    article_zh: str
    article_en: str
    reporter_zh: str
    reporter_en: str
    recipients_zh: tuple[str, ...]
    recipients_en: tuple[str, ...]
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class NotificationRule:
    notifier_zh: str
    notifier_en: str
    recipient_zh: str
    recipient_en: str
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class Art4Text:
    item_zh: str
    item_en: str
    zh: str
    en: str


@dataclass(frozen=True)
class ReportingTable:
    source_zh: str
    source_en: str
    art4: Mapping[str, Art4Text]
    routine: tuple[ReportItem, ...]
    major: tuple[ReportItem, ...]
    notification_article_zh: str
    notification_article_en: str
    safety_margin_hours: float
    notification: Mapping[str, NotificationRule]

    def legal_basis(self, article_zh: str, article_en: str) -> tuple[str, str]:
        return f"{self.source_zh}{article_zh}", f"{self.source_en}, {article_en}"


ITEM_TEXTS: Final = ("article_zh", "article_en", "reporter_zh", "reporter_en", "text_zh", "text_en")


def _text_list(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data[key]
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise RuleTableError(f"{where}.{key}: expected a non-empty list of texts")
    return tuple(v.strip() for v in value)


def _parse_items(data: Any, section: str, required_ids: tuple[str, ...]) -> tuple[ReportItem, ...]:
    if not isinstance(data, list) or not data:
        raise RuleTableError(f"{section}: expected a non-empty list")
    items = []
    for i, raw in enumerate(data):
        where = f"{section}[{i}]"
        row = check_keys(raw, where, ("id", "hours", "recipients_zh", "recipients_en", *ITEM_TEXTS))
        hours = None if row["hours"] is None else number_at(row, "hours", where)
        recipients_zh = _text_list(row, "recipients_zh", where)
        recipients_en = _text_list(row, "recipients_en", where)
        if len(recipients_zh) != len(recipients_en):
            raise RuleTableError(f"{where}: recipients_zh and recipients_en must pair up")
        texts = {k: text_at(row, k, where) for k in ITEM_TEXTS}
        items.append(
            ReportItem(
                id=text_at(row, "id", where),
                hours=hours,
                recipients_zh=recipients_zh,
                recipients_en=recipients_en,
                **texts,
            )
        )
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise RuleTableError(f"{section}: ids must be unique")
    missing = [i for i in required_ids if i not in ids]
    if missing:
        raise RuleTableError(f"{section}: missing item(s) {', '.join(missing)}")
    first = items[ids.index("first_report")]
    if first.hours is None:
        raise RuleTableError(f"{section}.first_report: needs hours")
    return tuple(items)


def _check_template(text: str, where: str) -> str:
    used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    unknown = used - TEMPLATE_FIELDS
    if unknown:
        raise RuleTableError(
            f"{where}: unknown placeholder(s) {', '.join(sorted(unknown))}; "
            f"use {', '.join(sorted(TEMPLATE_FIELDS))}"
        )
    return text


def _parse_notification(data: Any) -> tuple[str, str, float, dict[str, NotificationRule]]:
    keys = ("article_zh", "article_en", "safety_margin_hours", "levels")
    body = check_keys(data, "notification", keys)
    levels = check_keys(body["levels"], "notification.levels", BOUNDARY_LEVELS)
    rules = {}
    for level in BOUNDARY_LEVELS:
        where = f"notification.levels.{level}"
        names = ("notifier_zh", "notifier_en", "recipient_zh", "recipient_en", "text_zh", "text_en")
        row = check_keys(levels[level], where, names)
        rules[level] = NotificationRule(
            **{k: _check_template(text_at(row, k, where), f"{where}.{k}") for k in names}
        )
    return (
        text_at(body, "article_zh", "notification"),
        text_at(body, "article_en", "notification"),
        number_at(body, "safety_margin_hours", "notification"),
        rules,
    )


def parse_reporting_table(data: Mapping[str, Any]) -> ReportingTable:
    """Validate a reporting table already read from YAML; raise RuleTableError when malformed."""
    sections = ("schema", "source_zh", "source_en", "art4_flags", "routine", "major")
    body = check_keys(data, "reporting table", (*sections, "notification"))
    if body["schema"] != "reporting/1":
        raise RuleTableError(f"reporting table: unsupported schema {body['schema']!r}")
    flags = check_keys(body["art4_flags"], "art4_flags", ART4_FLAGS)
    art4 = {}
    for flag in ART4_FLAGS:
        where = f"art4_flags.{flag}"
        row = check_keys(flags[flag], where, ("item_zh", "item_en", "zh", "en"))
        art4[flag] = Art4Text(*(text_at(row, k, where) for k in ("item_zh", "item_en", "zh", "en")))
    article_zh, article_en, margin, notification = _parse_notification(body["notification"])
    return ReportingTable(
        source_zh=text_at(body, "source_zh", "reporting table"),
        source_en=text_at(body, "source_en", "reporting table"),
        art4=art4,
        routine=_parse_items(body["routine"], "routine", ("first_report",)),
        major=_parse_items(
            body["major"], "major", ("first_report", "first_report_mee", "province_to_mee")
        ),
        notification_article_zh=article_zh,
        notification_article_en=article_en,
        safety_margin_hours=margin,
        notification=notification,
    )


def load_reporting_table(path: Path = REPORTING_TABLE_PATH) -> ReportingTable:
    """Read and validate a reporting table file."""
    try:
        return parse_reporting_table(read_rule_yaml(path))
    except RuleTableError as exc:
        raise RuleTableError(f"{path.name}: {exc}") from exc


@cache
def default_reporting_table() -> ReportingTable:
    """The shipped table, read once per process."""
    return load_reporting_table()


# ---------------------------------------------------------------------------------------------
# Deadlines


def uses_major_procedure(tier: int | None, flags: Art4Flags | None = None) -> bool:
    """True for the II/I procedure: tier I or II, or any Art. 4 case (graded or not)."""
    if tier is not None and tier not in TIERS:
        raise ValueError(f"tier must be one of {TIERS} or None, got {tier!r}")
    if flags:
        return True
    if tier is None:
        raise ValueError(
            "tier is None and no Art. 4 case is set: make the initial grading (初步认定) first"
        )
    return tier in MAJOR_TIERS


def _procedure(
    tier: int | None, flags: Art4Flags | None, table: ReportingTable
) -> tuple[ReportItem, ...]:
    return table.major if uses_major_procedure(tier, flags) else table.routine


def first_report_due(
    discovered_at: datetime,
    tier: int | None,
    flags: Art4Flags | None = None,
    *,
    tz: tzinfo = DEFAULT_TZ,
    table: ReportingTable | None = None,
) -> datetime:
    """When the first report (初报) to the same-level government is due."""
    _require_aware(discovered_at, "discovered_at")
    table = table or default_reporting_table()
    first = next(i for i in _procedure(tier, flags, table) if i.id == "first_report")
    return _plus_hours(discovered_at, first.hours or 0, tz)


def _art4_note(flags: Art4Flags | None, table: ReportingTable) -> tuple[str, str]:
    if not flags:
        return "", ""
    texts = [table.art4[flag] for flag in flags.set_flags]
    zh = "；".join(f"{t.zh}（{t.item_zh}）" for t in texts)
    en = "; ".join(f"{t.en} ({t.item_en})" for t in texts)
    return (
        f"（按重大/特别重大程序报告，因：{zh}）",
        f" (reported by the II/I procedure because: {en})",
    )


def report_deadlines(
    discovered_at: datetime,
    tier: int | None,
    flags: Art4Flags | None = None,
    *,
    province_received_at: datetime | None = None,
    tz: tzinfo = DEFAULT_TZ,
    table: ReportingTable | None = None,
) -> list[ReportDeadline]:
    """Every report the event needs, in procedure order, with its deadline.

    ``tier`` is the initial grade (1 = I … 4 = IV; None only with an Art. 4 case).
    ``province_received_at`` is when the provincial department received the report; when not
    given it is modelled as the latest lawful receipt, the first report's 2 h deadline.
    """
    _require_aware(discovered_at, "discovered_at")
    table = table or default_reporting_table()
    items = _procedure(tier, flags, table)
    first_due = first_report_due(discovered_at, tier, flags, tz=tz, table=table)
    if province_received_at is not None:
        _require_aware(province_received_at, "province_received_at")
        if province_received_at < discovered_at:
            raise ValueError("province_received_at is before discovered_at")
    note_zh, note_en = _art4_note(flags, table)

    deadlines = []
    for item in items:
        if item.hours is None:
            due_at = None
        elif item.id == "province_to_mee":
            received = province_received_at or first_due
            due_at = _plus_hours(received, item.hours, tz)
        else:
            due_at = _plus_hours(discovered_at, item.hours, tz)
        text_zh, text_en = item.text_zh, item.text_en
        if item.id == "first_report":
            text_zh, text_en = text_zh + note_zh, text_en + note_en
        basis_zh, basis_en = table.legal_basis(item.article_zh, item.article_en)
        deadlines.append(
            ReportDeadline(
                id=item.id,
                text_zh=text_zh,
                text_en=text_en,
                reporter_zh=item.reporter_zh,
                reporter_en=item.reporter_en,
                recipients_zh=item.recipients_zh,
                recipients_en=item.recipients_en,
                due_at=due_at,
                legal_basis=basis_zh,
                legal_basis_en=basis_en,
            )
        )
    return deadlines


def notification_targets(
    crossings: Iterable[BoundaryCrossing],
    *,
    discovered_at: datetime,
    tier: int | None,
    flags: Art4Flags | None = None,
    safety_margin_hours: float | None = None,
    tz: tzinfo = DEFAULT_TZ,
    table: ReportingTable | None = None,
) -> list[NotificationTarget]:
    """Art. 8: the unit on the other side of each predicted crossing, soonest first.

    Each is due at the earlier of the first report's deadline and the front's arrival at the
    crossing minus ``safety_margin_hours`` (default from the table), but never before discovery.
    """
    _require_aware(discovered_at, "discovered_at")
    table = table or default_reporting_table()
    margin = table.safety_margin_hours if safety_margin_hours is None else safety_margin_hours
    if isinstance(margin, bool) or not (math.isfinite(margin) and margin >= 0):
        raise ValueError(f"safety_margin_hours must be ≥ 0, got {margin!r}")
    first_due = first_report_due(discovered_at, tier, flags, tz=tz, table=table)
    basis_zh, basis_en = table.legal_basis(
        table.notification_article_zh, table.notification_article_en
    )

    targets = []
    for crossing in crossings:
        if not isinstance(crossing, BoundaryCrossing):
            raise TypeError(f"crossings must hold BoundaryCrossing, got {type(crossing).__name__}")
        before_front = _plus_hours(crossing.front_arrives_at, -margin, tz)
        if before_front <= discovered_at:
            due_at, due_basis = discovered_at.astimezone(tz), "immediately"
        elif first_due <= before_front:
            due_at, due_basis = first_due, "first_report"
        else:
            due_at, due_basis = before_front, "front_arrival"
        rule = table.notification[crossing.level]
        names = crossing.names()
        targets.append(
            NotificationTarget(
                crossing=crossing,
                notifier_zh=rule.notifier_zh.format(**names),
                notifier_en=rule.notifier_en.format(**names),
                recipient_zh=rule.recipient_zh.format(**names),
                recipient_en=rule.recipient_en.format(**names),
                text_zh=rule.text_zh.format(**names),
                text_en=rule.text_en.format(**names),
                due_at=due_at,
                due_basis=due_basis,
                legal_basis=basis_zh,
                legal_basis_en=basis_en,
            )
        )
    targets.sort(key=lambda t: t.due_at)  # stable: input order among equal deadlines
    return targets
