"""Inventory tables (应急资源清单): risk sources, materials depots and items, teams, experts.

Every top-level row carries ``version`` (starts at 1, +1 on each change) and ``updated_at`` for
optimistic concurrency: an update names the version it read and fails if someone changed the row
in between. The natural key a data steward recognises (name + county; experts: name + unit) is a
unique constraint. Coordinates are WGS84 degrees; quantities in the unit stored beside them.
Schema: migration ``0002_inventories``.
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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emergency.store.models import Base, UTCDateTime, utcnow


class RiskSource(Base):
    """风险源: 重大风险源企业 (enterprise), 尾矿库 (tailings_pond) or 化工园区 (chemical_park)."""

    __tablename__ = "risk_sources"
    __table_args__ = (UniqueConstraint("name", "county_adcode",
                                       name="uq_risk_sources_name_county"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    operator: Mapped[str | None] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(100))
    county_adcode: Mapped[int] = mapped_column(Integer, index=True)
    county_zh: Mapped[str] = mapped_column(String(50))
    prefecture_zh: Mapped[str] = mapped_column(String(50), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    # discharge route: the outfall (排放口) if known, snapped to the river network
    outfall_lon: Mapped[float | None] = mapped_column(Float)
    outfall_lat: Mapped[float | None] = mapped_column(Float)
    receiving_river_zh: Mapped[str] = mapped_column(String(100), index=True)
    joins_river_zh: Mapped[str | None] = mapped_column(String(100), index=True)
    entry_seg_id: Mapped[int] = mapped_column(Integer)
    entry_lon: Mapped[float] = mapped_column(Float)
    entry_lat: Mapped[float] = mapped_column(Float)
    entry_distance_m: Mapped[float] = mapped_column(Float)
    risk_level: Mapped[str] = mapped_column(String(10))
    contact: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(50))
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    substances: Mapped[list[RiskSourceSubstance]] = relationship(
        back_populates="risk_source", cascade="all, delete-orphan",
        order_by="RiskSourceSubstance.position")


class RiskSourceSubstance(Base):
    """A substance of the chemical catalogue held by a risk source, with its maximum (t)."""

    __tablename__ = "risk_source_substances"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_source_id: Mapped[int] = mapped_column(
        ForeignKey("risk_sources.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    substance_id: Mapped[str] = mapped_column(String(64), index=True)
    max_quantity_t: Mapped[float] = mapped_column(Float)

    risk_source: Mapped[RiskSource] = relationship(back_populates="substances")


class MaterialDepot(Base):
    """物资库: a store of emergency materials, its holder and storage mode."""

    __tablename__ = "material_depots"
    __table_args__ = (UniqueConstraint("name", "county_adcode",
                                       name="uq_material_depots_name_county"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    holder: Mapped[str] = mapped_column(String(200))
    holder_type: Mapped[str] = mapped_column(String(20))
    storage_mode: Mapped[str] = mapped_column(String(10))
    county_adcode: Mapped[int] = mapped_column(Integer, index=True)
    county_zh: Mapped[str] = mapped_column(String(50))
    prefecture_zh: Mapped[str] = mapped_column(String(50), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    contact: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(50))
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[MaterialItem]] = relationship(
        back_populates="depot", cascade="all, delete-orphan", order_by="MaterialItem.id")


class MaterialItem(Base):
    """One line of a depot's stock (category: one of the seven of DOMAIN.md §4)."""

    __tablename__ = "material_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(
        ForeignKey("material_depots.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20), index=True)
    spec: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str | None] = mapped_column(String(200))
    expiry: Mapped[date | None] = mapped_column(Date)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)

    depot: Mapped[MaterialDepot] = relationship(back_populates="items")


class Team(Base):
    """应急队伍: a standing response team (省级 / 市级 / 县级) and its base."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("name", "county_adcode", name="uq_teams_name_county"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str] = mapped_column(String(200))
    county_adcode: Mapped[int] = mapped_column(Integer, index=True)
    county_zh: Mapped[str] = mapped_column(String(50))
    prefecture_zh: Mapped[str] = mapped_column(String(50), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    members: Mapped[int] = mapped_column(Integer)
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    leader: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(50))
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Expert(Base):
    """专家: a member of the expert pool (no location; key: name + unit)."""

    __tablename__ = "experts"
    __table_args__ = (UniqueConstraint("name", "unit", name="uq_experts_name_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    field: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(200))
    prefecture_zh: Mapped[str | None] = mapped_column(String(50), index=True)
    phone: Mapped[str] = mapped_column(String(50))
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
