"""Plans kept in the database, versioned (预案管理). Schema: 0114_plans.

Generic over the kind of plan (``kind``: ``river`` — 一河一策一图; ``park`` — 一园一策一图 later),
so every kind of plan shares one mechanism:

* ``PlanRecord`` — one plan: its id within the kind, the published version now in force
  (``current_version``), and the prefectures it covers (who may edit it).
* ``PlanVersion`` — every published version, kept for ever: the whole document (the same fields as
  the YAML file format) as JSON, who published it, when and why (the change note), who wrote it
  and who approved it; ``source`` says how it came: ``seed`` (the bundled file, version 1),
  ``review`` (an approved draft) or ``restore`` (an earlier version published again).
* ``PlanDraft`` — a draft (编制中) of one editor for one plan, from a base version: at most one
  open draft per editor and plan (``open_key`` is unique; it is NULL once the draft is closed).
  ``revision`` counts saves (a stale save is refused). States: ``editing`` → ``submitted`` →
  ``approved`` (a new version) or ``returned`` (back to the editor, with the reviewer's comment)
  → ``editing`` again on the next save; ``discarded``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from emergency.store.models import Base, UTCDateTime, utcnow

PLAN_KINDS = ("river", "park")
VERSION_SOURCES = ("seed", "review", "restore")
DRAFT_STATUSES = ("editing", "submitted", "returned", "approved", "discarded")
OPEN_DRAFT_STATUSES = ("editing", "submitted", "returned")


class PlanRecord(Base):
    """预案: one plan and the version in force."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("kind", "plan_id", name="uq_plans_kind_plan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    plan_id: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(100))
    prefectures: Mapped[list] = mapped_column(JSON, default=list)
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanVersion(Base):
    """预案版本: a published version (who, when, why; the whole document)."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_ref", "version", name="uq_plan_versions_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_ref: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(64))          # who wrote the change
    published_by: Mapped[str] = mapped_column(String(64))    # who approved / published it
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    draft_id: Mapped[int | None] = mapped_column(Integer)
    restored_from: Mapped[int | None] = mapped_column(Integer)  # the version number restored


class PlanDraft(Base):
    """预案草稿: one editor's draft of one plan, and its review."""

    __tablename__ = "plan_drafts"
    __table_args__ = (UniqueConstraint("open_key", name="uq_plan_drafts_open_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_ref: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    editor: Mapped[str] = mapped_column(String(64))
    # "<plan_ref>:<editor>" while the draft is open, NULL once approved or discarded
    open_key: Mapped[str | None] = mapped_column(String(140))
    base_version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="editing")
    source: Mapped[str] = mapped_column(String(10), default="editor")  # editor | import
    note: Mapped[str] = mapped_column(Text, default="")          # the change note (submit)
    comment: Mapped[str] = mapped_column(Text, default="")       # the reviewer's (return)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_version: Mapped[int | None] = mapped_column(Integer)
