"""ORM models (typed SQLAlchemy 2.0: ``Mapped`` / ``mapped_column``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as UTC on every engine and read back aware (UTC).

    SQLite keeps no offset: without this, 09:30+08:00 would come back as 09:30 UTC.
    A naive datetime is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}


# The inventory and plan models come with the base, so their tables are on Base.metadata whenever
# it is imported. Every model module (what Alembic and `flask db check` compare against the
# migrations) is loaded by emergency.store.load_models().
from emergency.store import inventory_models, plan_models  # noqa: E402,F401
