"""Command records of an incident (指挥调度): the commander's decisions (append-only), dispatches
of teams and materials, and the written reports (初报/续报/处理结果报告).

Kept apart from ``incident_models`` (the incident itself): these rows point at an incident and
are read by the command services only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emergency.store.models import Base, UTCDateTime, utcnow


class IncidentDecision(Base):
    """A commander's decision: start / change level / terminate. Append-only: the application
    never updates or deletes a row; the current response level is the latest decision's."""

    __tablename__ = "incident_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))            # start | change_level | terminate
    level: Mapped[int | None] = mapped_column(Integer)       # response level 1–4 (I–IV)
    computed_tier: Mapped[int | None] = mapped_column(Integer)  # the engine's tier at the time
    basis: Mapped[str] = mapped_column(Text, default="")
    override_reason: Mapped[str] = mapped_column(Text, default="")
    unmet: Mapped[list] = mapped_column(JSON, default=list)  # termination conditions not met
    actor: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(32), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentDispatch(Base):
    """A team or materials sent to a site (调度), with its status history (who, when)."""

    __tablename__ = "incident_dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))             # team | depot
    resource_id: Mapped[int] = mapped_column(Integer)         # teams.id / material_depots.id
    resource_name_zh: Mapped[str] = mapped_column(String(200))
    resource_lon: Mapped[float | None] = mapped_column(Float)
    resource_lat: Mapped[float | None] = mapped_column(Float)
    site_id: Mapped[str] = mapped_column(String(200))
    site_name_zh: Mapped[str] = mapped_column(String(200))
    site_lon: Mapped[float | None] = mapped_column(Float)
    site_lat: Mapped[float | None] = mapped_column(Float)
    items: Mapped[list] = mapped_column(JSON, default=list)   # [{item, unit, quantity}]
    status: Mapped[str] = mapped_column(String(20), default="requested")
    history: Mapped[list] = mapped_column(JSON, default=list)  # [{status, at, by}]
    travel_hours: Mapped[float] = mapped_column(Float, default=0.0)
    eta: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ready_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone: Mapped[str | None] = mapped_column(String(64))
    contact_zh: Mapped[str | None] = mapped_column(String(64))
    sample: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(String(64), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class IncidentReport(Base):
    """A written report (初报 / 续报 n / 处理结果报告): drafted from the incident, editable while
    not sent (optimistic version), and its sending recorded (to whom, when, by whom)."""

    __tablename__ = "incident_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))           # first | follow_up | final
    number: Mapped[int] = mapped_column(Integer, default=1)  # 续报 第 n 次
    title: Mapped[str] = mapped_column(String(300))
    paragraphs: Mapped[list] = mapped_column(JSON, default=list)
    table_header: Mapped[list] = mapped_column(JSON, default=list)
    table_rows: Mapped[list] = mapped_column(JSON, default=list)
    reporting_unit: Mapped[str] = mapped_column(String(200), default="")
    signer: Mapped[str] = mapped_column(String(64), default="")
    contact: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_to: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
