"""Automatic-station readings and alarms (水质自动监测站: 监测数据与报警; issue 16 part 5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emergency.store.models import Base, UTCDateTime, utcnow


class StationReading(Base):
    """One reading of one parameter at a station (by the ingest endpoint or typed in)."""

    __tablename__ = "station_readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(String(200), index=True)
    parameter: Mapped[str] = mapped_column(String(64))          # catalogue substance id
    value_mg_l: Mapped[float] = mapped_column(Float)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")


class StationAlarm(Base):
    """A reading above its threshold: shown to the duty officer until acknowledged."""

    __tablename__ = "station_alarms"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[str] = mapped_column(String(200), index=True)
    station_name_zh: Mapped[str] = mapped_column(String(200), default="")
    reading_id: Mapped[int] = mapped_column(ForeignKey("station_readings.id"))
    parameter: Mapped[str] = mapped_column(String(64))
    value_mg_l: Mapped[float] = mapped_column(Float)
    threshold_mg_l: Mapped[float] = mapped_column(Float)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    incident_id: Mapped[int | None] = mapped_column(Integer)   # the incident it led to, if any
