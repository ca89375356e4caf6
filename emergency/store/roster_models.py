"""Duty staff, rosters and the duty log (值班人员、值班表、值班日志). Schema in 0006_roster.

* ``DutyStaff`` — people in the duty system with their duty roles (值班员 / 联络员 / 带班领导),
  qualifications, leave and trips (``StaffUnavailability``) and wishes (``StaffPreference``);
* ``DutyRoster`` — a roster for a period: ``draft`` → ``published`` (or ``discarded``), with its
  ``DutyAssignment`` rows (the current state), every published state kept as a
  ``DutyRosterVersion`` (assignments as JSON + the change note), and every change in
  ``RosterChange``;
* ``DutyLogEntry`` (值班日志) and ``DutyHandover`` (交接班) — append-only;
* ``DutyFeedToken`` (日历订阅地址) — a person's secret calendar-feed address: only the SHA-256 of
  the token is stored, at most one live (not revoked) per person; schema in 0009_duty_feed.

Every datetime column is ``UTCDateTime`` (stored UTC, read back aware).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emergency.store.models import Base, UTCDateTime, utcnow

ROSTER_STATUSES = ("draft", "published", "discarded")
# What a person may log. The desk's categories (来电, 来文, 报告, 指示, 其他) first; incident,
# handover and note are kept for entries made before them (0200_duty_desk).
LOG_CATEGORIES = ("call", "document", "report", "instruction", "other")
LOG_KINDS = (*LOG_CATEGORIES, "incident", "handover", "note")
SYSTEM_LOG_KINDS = ("roster",)  # what the system logs itself (a roster withdrawn: 撤回)


class AppendOnlyError(RuntimeError):
    """An attempt to change or delete a row of an append-only table (值班日志, 版本, 变更记录)."""


class DutyStaff(Base):
    """Someone in the duty system. ``roles`` ⊆ duty_officer / liaison / leader."""

    __tablename__ = "duty_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    roles: Mapped[list] = mapped_column(JSON, default=list)
    qualifications: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The person's login (0200_duty_desk): "me" on the duty page — today's log when on shift,
    # acknowledging a handover, my notifications. Optional: not everyone on duty logs in.
    username: Mapped[str | None] = mapped_column(String(64), unique=True)

    unavailable: Mapped[list[StaffUnavailability]] = relationship(
        back_populates="staff", order_by="StaffUnavailability.start_date",
        cascade="all, delete-orphan")
    preferences: Mapped[list[StaffPreference]] = relationship(
        back_populates="staff", order_by="StaffPreference.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class StaffUnavailability(Base):
    """Leave, training or a trip (请假 / 培训 / 出差), by duty day, both ends included."""

    __tablename__ = "duty_staff_unavailability"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("duty_staff.id", ondelete="CASCADE"),
                                          index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20), default="leave")
    note: Mapped[str] = mapped_column(String(200), default="")

    staff: Mapped[DutyStaff] = relationship(back_populates="unavailable")


class StaffPreference(Base):
    """A soft wish: ``avoid`` or ``prefer`` duty on some days (weekdays 0 = Monday)."""

    __tablename__ = "duty_staff_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("duty_staff.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    weekdays: Mapped[list] = mapped_column(JSON, default=list)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(String(200), default="")

    staff: Mapped[DutyStaff] = relationship(back_populates="preferences")


class DutyRoster(Base):
    """A roster (值班表) for ``period_start`` … ``period_end`` (duty days, inclusive).

    ``version`` is the latest published version (0 while a draft); ``revision`` counts every
    change (optimistic locking: a stale ``revision`` from a client is refused).
    """

    __tablename__ = "duty_rosters"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, index=True)
    period_end: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(20), default="month")  # month/flood_season/custom
    label: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    generated_in_s: Mapped[float | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignments: Mapped[list[DutyAssignment]] = relationship(
        back_populates="roster", order_by="DutyAssignment.shift_start",
        cascade="all, delete-orphan")
    versions: Mapped[list[DutyRosterVersion]] = relationship(
        back_populates="roster", order_by="DutyRosterVersion.version")

    # The service sets ``revision`` itself on every change (also when only assignments changed);
    # the UPDATE still checks the old value, so a concurrent change fails instead of winning.
    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}


class DutyAssignment(Base):
    """One person on one position for one shift of a roster (a 值班 or a 带班)."""

    __tablename__ = "duty_assignments"
    __table_args__ = (Index("ix_duty_assignments_day_window", "duty_date", "shift_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("duty_rosters.id", ondelete="CASCADE"),
                                           index=True)
    duty_date: Mapped[date] = mapped_column(Date)
    position: Mapped[str] = mapped_column(String(32))
    shift: Mapped[str] = mapped_column(String(10))  # 24h / day / night (per-day positions: day)
    shift_start: Mapped[datetime] = mapped_column(UTCDateTime)
    shift_end: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[int] = mapped_column(ForeignKey("duty_staff.id"), index=True)

    roster: Mapped[DutyRoster] = relationship(back_populates="assignments")
    staff: Mapped[DutyStaff] = relationship()


class DutyRosterVersion(Base):
    """A published state of a roster: the assignments as JSON and what changed (append-only)."""

    __tablename__ = "duty_roster_versions"
    __table_args__ = (UniqueConstraint("roster_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("duty_rosters.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    assignments: Mapped[list] = mapped_column(JSON)
    note_zh: Mapped[str] = mapped_column(Text, default="")
    note_en: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roster: Mapped[DutyRoster] = relationship(back_populates="versions")


class RosterChange(Base):
    """Every change of a roster (generate, swap, replace, publish, discard), append-only."""

    __tablename__ = "duty_roster_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("duty_rosters.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(20))
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int | None] = mapped_column(Integer)  # the published version it made
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class DutyLogEntry(Base):
    """值班日志: a call, an incident, a handover or a note, attached to a shift of a duty day
    (``position``/``shift`` None: the roster day as a whole). Append-only."""

    __tablename__ = "duty_log_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_date: Mapped[date] = mapped_column(Date, index=True)
    shift: Mapped[str | None] = mapped_column(String(10))
    position: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the log outlives anything
    author: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # when it was typed
    # 0200_duty_desk: when the call came or the event happened (may be before ``at``), who
    # called, from which unit, their phone; and the entry this one corrects (never an edit).
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    caller: Mapped[str] = mapped_column(String(100), default="")
    caller_unit: Mapped[str] = mapped_column(String(100), default="")
    caller_phone: Mapped[str] = mapped_column(String(40), default="")
    corrects_id: Mapped[int | None] = mapped_column(Integer)


class DutyHandover(Base):
    """交接班: the shift handed over, by whom, to whom, and what was open at that moment."""

    __tablename__ = "duty_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_date: Mapped[date] = mapped_column(Date, index=True)
    shift: Mapped[str] = mapped_column(String(10))
    handed_over_by: Mapped[str] = mapped_column(String(64))
    handed_over_name: Mapped[str] = mapped_column(String(100), default="")
    received_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_staff_id: Mapped[int | None] = mapped_column(ForeignKey("duty_staff.id"))


class DutyHandoverAck(Base):
    """接班确认: the named receiver confirms they took the shift over (one per handover)."""

    __tablename__ = "duty_handover_acks"
    __table_args__ = (UniqueConstraint("handover_id", name="uq_duty_handover_acks_handover"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("duty_handovers.id",
                                                        ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("duty_staff.id"))
    username: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DutyNotification(Base):
    """通知: something a person must know (a swap or replacement of their duty on a published
    roster), unread until they mark it read. Addressed to the person (``duty_staff``): they see
    it when they log in with the account linked to them (``DutyStaff.username``)."""

    __tablename__ = "duty_notifications"
    __table_args__ = (Index("ix_duty_notifications_staff_read", "staff_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("duty_staff.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DutyFeedToken(Base):
    """A secret calendar-feed address (日历订阅地址) of one person: whoever has the URL sees that
    person's published duties without logging in. Only ``token_hash`` (SHA-256, hex) is stored;
    rotating or revoking sets ``revoked_at`` (rows are kept: who made and ended each address).
    At most one live address per person (partial unique index)."""

    __tablename__ = "duty_feed_tokens"
    __table_args__ = (
        UniqueConstraint("token_hash", name="uq_duty_feed_tokens_token_hash"),
        Index("uq_duty_feed_tokens_live", "staff_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("duty_staff.id", ondelete="CASCADE"),
                                          index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


APPEND_ONLY = (DutyLogEntry, DutyHandover, DutyHandoverAck, DutyRosterVersion, RosterChange)


def _refuse(mapper, connection, target) -> None:  # noqa: ANN001 - SQLAlchemy event signature
    raise AppendOnlyError(
        f"{type(target).__tablename__} is append-only: rows are never changed or deleted "
        "(值班日志与版本记录只可追加)")


for _model in APPEND_ONLY:
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
