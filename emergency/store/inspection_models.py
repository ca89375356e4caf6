"""Inspection tables (隐患排查): campaigns, tasks, hazards, their steps and photos.

Schema: migration ``0119_inspection``. A task and a hazard keep a copy of the risk source's name,
type and place (the inventory refresh may rename or remove a record; the register must not
change with it), and the task keeps the checklist items it was filled against. Rows people edit
carry ``version`` for optimistic concurrency (a stale save is a 409).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emergency.store.models import Base, UTCDateTime, utcnow


class InspectionCampaign(Base):
    """排查行动: e.g. 2027 汛前环境风险隐患排查; selects risk sources by type, place, level."""

    __tablename__ = "inspection_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    prefectures: Mapped[list[str]] = mapped_column(JSON, default=list)   # empty: all
    risk_levels: Mapped[list[str]] = mapped_column(JSON, default=list)   # empty: all
    due_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    tasks: Mapped[list[InspectionTask]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="InspectionTask.id")


class InspectionTask(Base):
    """排查任务: one risk source, one inspector, a due date; the filled form and sign-off."""

    __tablename__ = "inspection_tasks"
    __table_args__ = (UniqueConstraint("campaign_id", "risk_source_id",
                                       name="uq_inspection_tasks_campaign_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("inspection_campaigns.id", ondelete="CASCADE"), index=True)
    risk_source_id: Mapped[int | None] = mapped_column(
        ForeignKey("risk_sources.id", ondelete="SET NULL"), index=True)
    risk_source_name: Mapped[str] = mapped_column(String(200))
    source_kind: Mapped[str] = mapped_column(String(20))
    prefecture_zh: Mapped[str] = mapped_column(String(50), index=True)
    county_zh: Mapped[str] = mapped_column(String(50))
    inspector: Mapped[str] = mapped_column(String(64), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="assigned")  # → in_progress → done
    checklist_version: Mapped[str] = mapped_column(String(32))
    checklist: Mapped[list[dict]] = mapped_column(JSON, default=list)
    results: Mapped[dict] = mapped_column(JSON, default=dict)  # item id → {result, note}
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_name: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[InspectionCampaign] = relationship(back_populates="tasks")


class Hazard(Base):
    """隐患: found at an inspection, rectified, verified and closed (销号)."""

    __tablename__ = "hazards"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_tasks.id", ondelete="SET NULL"), index=True)
    risk_source_id: Mapped[int | None] = mapped_column(
        ForeignKey("risk_sources.id", ondelete="SET NULL"), index=True)
    risk_source_name: Mapped[str] = mapped_column(String(200))
    source_kind: Mapped[str] = mapped_column(String(20), index=True)
    prefecture_zh: Mapped[str] = mapped_column(String(50), index=True)
    county_zh: Mapped[str] = mapped_column(String(50))
    item_id: Mapped[str] = mapped_column(String(32))
    item_text_zh: Mapped[str] = mapped_column(String(500))
    basis: Mapped[str] = mapped_column(String(500))
    grade: Mapped[str] = mapped_column(String(10), index=True)  # major / minor
    description: Mapped[str] = mapped_column(Text)
    responsible_unit: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[date] = mapped_column(Date, index=True)
    plan: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(30), index=True, default="open")
    found_by: Mapped[str] = mapped_column(String(64))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reported_by: Mapped[str | None] = mapped_column(String(64))  # who reported completion
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list[HazardEvent]] = relationship(
        back_populates="hazard", cascade="all, delete-orphan", order_by="HazardEvent.id")


class HazardEvent(Base):
    """One step of a hazard (发现, 整改进展, 整改完成, 验收销号, 重新整改) with its evidence."""

    __tablename__ = "hazard_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    hazard: Mapped[Hazard] = relationship(back_populates="events")


class InspectionPhoto(Base):
    """An uploaded photo (checked image) under the instance folder; never the client's name."""

    __tablename__ = "inspection_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)  # <hex>.<ext>
    mime: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hazard_id: Mapped[int | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="SET NULL"), index=True)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
