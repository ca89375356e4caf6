"""Incidents (突发环境事件), their append-only timeline, checklist items and observations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emergency.store.models import Base, UTCDateTime, utcnow

STATUSES = ("reported", "responding", "terminated")
ITEM_STATUSES = ("open", "done", "not_applicable", "superseded")


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="reported")
    is_drill: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    risk_source_id: Mapped[int | None] = mapped_column(Integer)
    segment_id: Mapped[int | None] = mapped_column(Integer)
    substance: Mapped[str] = mapped_column(String(64))
    mass_kg: Mapped[float] = mapped_column(Float)
    release_hours: Mapped[float] = mapped_column(Float, default=0.0)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    flow_condition: Mapped[str | None] = mapped_column(String(10))
    discharge_m3s: Mapped[float | None] = mapped_column(Float)
    flow_chosen_from_date: Mapped[bool] = mapped_column(Boolean, default=False)
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    injured: Mapped[int] = mapped_column(Integer, default=0)
    evacuated: Mapped[int] = mapped_column(Integer, default=0)
    economic_loss_cny: Mapped[float] = mapped_column(Float, default=0.0)
    flags: Mapped[dict] = mapped_column(JSON, default=dict)
    velocity_factor: Mapped[float] = mapped_column(Float, default=1.0)
    # 三级防控 inputs for a release inside a chemical park (None: estimated by the engine)
    released_volume_m3: Mapped[float | None] = mapped_column(Float)
    firewater_m3_per_h: Mapped[float | None] = mapped_column(Float)
    firewater_hours: Mapped[float | None] = mapped_column(Float)
    park_id: Mapped[str | None] = mapped_column(String(80))        # 一园一策一图 plan id
    park_enterprise_id: Mapped[str | None] = mapped_column(String(80))
    # Cached results for lists and the map (recomputed on every change).
    tier_level: Mapped[int | None] = mapped_column(Integer)
    warning_level: Mapped[str | None] = mapped_column(String(10))
    river_name_zh: Mapped[str | None] = mapped_column(String(64))
    # The plans (预案) the last response package used: [{"id": plan id, "version": n}]
    plans_used: Mapped[list | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", order_by="IncidentEvent.id", cascade="all, delete-orphan")
    checklist: Mapped[list[ChecklistItem]] = relationship(
        back_populates="incident", order_by="ChecklistItem.id", cascade="all, delete-orphan")
    observations: Mapped[list[Observation]] = relationship(
        back_populates="incident", order_by="Observation.observed_at",
        cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class IncidentEvent(Base):
    """The timeline: append-only (never updated or deleted by the application)."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(40))
    summary_zh: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    incident: Mapped[Incident] = relationship(back_populates="events")


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("incident_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(30), default="")
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    responsible_zh: Mapped[str] = mapped_column(String(200), default="")
    basis_zh: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 立即: the deadline fell before the action could be known (see checklist.mark_immediate)
    immediate: Mapped[bool] = mapped_column(Boolean, default=False)
    arrival_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the plume it races
    status: Mapped[str] = mapped_column(String(20), default="open")
    done_by: Mapped[str | None] = mapped_column(String(64))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    incident: Mapped[Incident] = relationship(back_populates="checklist")

    __mapper_args__ = {"version_id_col": version}


class Observation(Base):
    """A measured concentration at a place and time (应急监测数据)."""

    __tablename__ = "observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    site_id: Mapped[str | None] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    km: Mapped[float | None] = mapped_column(Float)   # along the trace; None: not downstream
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    concentration_mg_l: Mapped[float] = mapped_column(Float)
    front_detected: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # migration 0161: 监测项目, 未检出 + 检出限, where it came from (manual/import/ingest)
    parameter: Mapped[str | None] = mapped_column(String(64))
    not_detected: Mapped[bool] = mapped_column(Boolean, default=False)
    detection_limit_mg_l: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    # plausibility doubts accepted with an explicit, logged confirmation ([{code, zh, en}])
    doubts: Mapped[list | None] = mapped_column(JSON)
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    # voided results are kept (struck through) and excluded from fitting
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by: Mapped[str | None] = mapped_column(String(64))
    void_reason: Mapped[str | None] = mapped_column(Text)

    incident: Mapped[Incident] = relationship(back_populates="observations")
