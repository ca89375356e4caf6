"""Drill runs (演练), what fired, evaluator observations and improvement items.

Schema in migrations 0005_drills, 0010_drill_evaluator_signoff and 0187_drill_play
(acknowledgements, target names). Times of the scenario
(``due_at``, ``delivered_at``, ``observed_at`` …) are scenario times; ``wall_at`` /
``recorded_at`` / ``submitted_at`` are wall-clock times.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from emergency.store.incident_models import Incident  # the incidents table, for the FK
from emergency.store.models import Base, UTCDateTime, utcnow

RUN_STATUSES = ("running", "paused", "ended")


class DrillRun(Base):
    __tablename__ = "drill_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    scenario_type: Mapped[str] = mapped_column(String(20))
    scenario_yaml: Mapped[str] = mapped_column(Text)       # the scenario as played
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)
    # The scenario clock (emergency.drills.engine.ScenarioClock).
    t0: Mapped[datetime] = mapped_column(UTCDateTime)
    clock_elapsed_s: Mapped[float] = mapped_column(Float, default=0.0)
    clock_anchor: Mapped[datetime] = mapped_column(UTCDateTime)
    speed: Mapped[float] = mapped_column(Float, default=1.0)  # 0: stepped by the controller
    processed_s: Mapped[float] = mapped_column(Float, default=0.0)
    start_s: Mapped[float] = mapped_column(Float, default=0.0)
    ended_s: Mapped[float | None] = mapped_column(Float)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    fronts: Mapped[dict] = mapped_column(JSON, default=dict)   # incident → target → ISO time
    fronts_key: Mapped[str] = mapped_column(String(200), default="")
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    # plume targets (site, section, boundary ids) → [中文, English], from the engine
    target_names: Mapped[dict | None] = mapped_column(JSON, default=dict)
    late_seen: Mapped[list] = mapped_column(JSON, default=list)
    started_by: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    scenario_version: Mapped[int | None] = mapped_column(Integer)  # a stored scenario's version

    incidents: Mapped[list[DrillRunIncident]] = relationship(
        back_populates="run", order_by="DrillRunIncident.id", cascade="all, delete-orphan")
    injects: Mapped[list[DrillInject]] = relationship(
        back_populates="run", order_by="DrillInject.id", cascade="all, delete-orphan")
    events: Mapped[list[DrillEvent]] = relationship(
        back_populates="run", order_by="DrillEvent.id", cascade="all, delete-orphan")
    observations: Mapped[list[DrillObservation]] = relationship(
        back_populates="run", order_by="DrillObservation.id", cascade="all, delete-orphan")
    improvements: Mapped[list[DrillImprovement]] = relationship(
        back_populates="run", order_by="DrillImprovement.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class DrillRunIncident(Base):
    """The drill-flagged incidents a run created (one per scenario incident)."""

    __tablename__ = "drill_run_incidents"
    __table_args__ = (UniqueConstraint("run_id", "scenario_incident"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("drill_runs.id"), index=True)
    scenario_incident: Mapped[str] = mapped_column(String(50))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)

    run: Mapped[DrillRun] = relationship(back_populates="incidents")
    #: ``Incident.drill_link`` is this row: how a drill incident finds its run's scenario clock
    #: (loaded once per session, not queried on every use).
    incident: Mapped[Incident] = relationship(
        viewonly=True, backref=backref("drill_link", uselist=False, viewonly=True))


class DrillInject(Base):
    """An inject as delivered (scheduled, contingency, manual release or ad hoc)."""

    __tablename__ = "drill_injects"
    __table_args__ = (UniqueConstraint("run_id", "inject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("drill_runs.id"), index=True)
    inject_id: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    wall_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mode: Mapped[str] = mapped_column(String(20), default="")
    sender: Mapped[str] = mapped_column(String(200), default="")
    recipient: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str | None] = mapped_column(String(100))
    definition: Mapped[dict] = mapped_column(JSON, default=dict)  # ad hoc injects: the whole
    actor: Mapped[str] = mapped_column(String(64), default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by a player (签收)
    acknowledged_by: Mapped[str] = mapped_column(String(64), default="")

    run: Mapped[DrillRun] = relationship(back_populates="injects")


class DrillEvent(Base):
    """The run's own timeline (append-only): start, phases, late actions, clock, end."""

    __tablename__ = "drill_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("drill_runs.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    wall_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(64), default="")
    summary_zh: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    run: Mapped[DrillRun] = relationship(back_populates="events")


class DrillObservation(Base):
    """An evaluator's observation against an objective, rated P / S / M / U.

    ``recorded_by`` is the account that recorded it; ``submitted_at`` is when that evaluator
    submitted it (None: a draft, seen by evaluators and organisers only).
    """

    __tablename__ = "drill_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("drill_runs.id"), index=True)
    objective_id: Mapped[str] = mapped_column(String(50))
    rating: Mapped[str] = mapped_column(String(1))
    note: Mapped[str] = mapped_column(Text, default="")
    inject_id: Mapped[str | None] = mapped_column(String(50))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evaluator: Mapped[str] = mapped_column(String(64), default="")
    recorded_by: Mapped[str] = mapped_column(String(64), default="", index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    run: Mapped[DrillRun] = relationship(back_populates="observations")


class DrillImprovement(Base):
    """An improvement-plan item added by the organisers (the report adds its own)."""

    __tablename__ = "drill_improvements"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("drill_runs.id"), index=True)
    item: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due: Mapped[date] = mapped_column(Date)
    objective_id: Mapped[str | None] = mapped_column(String(50))
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done: Mapped[bool] = mapped_column(Boolean, default=False)

    run: Mapped[DrillRun] = relationship(back_populates="improvements")


class DrillScenario(Base):
    """A scenario kept in the database (written in the editor or imported; migration
    0188_drill_scenarios). The library files stay on disk as the seed."""

    __tablename__ = "drill_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    prefecture: Mapped[str | None] = mapped_column(String(50))   # None: the province, shared
    copied_from: Mapped[str] = mapped_column(String(100), default="")
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)

    versions: Mapped[list[DrillScenarioVersion]] = relationship(
        back_populates="scenario", order_by="DrillScenarioVersion.number",
        cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": revision}


class DrillScenarioVersion(Base):
    """One saved version of a stored scenario: the YAML text, who, when, why."""

    __tablename__ = "drill_scenario_versions"
    __table_args__ = (UniqueConstraint("scenario_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("drill_scenarios.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    yaml: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    scenario: Mapped[DrillScenario] = relationship(back_populates="versions")
