"""The scheduler lease (调度租约): one row naming the process that runs the jobs, until when.

Taking or renewing the lease is ONE atomic statement on both PostgreSQL and SQLite::

    INSERT INTO scheduler_leases (name, owner, …, expires_at) VALUES ('scheduler', :me, …)
    ON CONFLICT (name) DO UPDATE SET owner = :me, renewed_at = :now, expires_at = :now + ttl
    WHERE scheduler_leases.owner = :me OR scheduler_leases.expires_at < :now

It succeeds (one row written) when there was no lease, when the caller holds it, or when the
holder let it expire; otherwise nothing is written and the caller knows another process leads.
The database serialises the two writers, so two processes can never both get it. The holder
renews it well within the TTL; a process that dies simply stops renewing and, one TTL later,
another takes over. Times are the wall clock of each host (keep hosts on NTP; the TTL, 90 s by
default, is far larger than any sane skew).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from emergency.store.refresh_models import SchedulerLease, upsert

LEASE_NAME = "scheduler"


@dataclass(frozen=True)
class LeaseHolder:
    owner: str
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        return self.expires_at > now


def acquire(session: Session, owner: str, now: datetime, ttl: timedelta,
            name: str = LEASE_NAME) -> bool:
    """Take or renew the lease for ``owner``; True when ``owner`` holds it afterwards."""
    table = SchedulerLease.__table__
    stmt = upsert(session, table).values(name=name, owner=owner, acquired_at=now,
                                         renewed_at=now, expires_at=now + ttl)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={"owner": owner,
              "acquired_at": case((table.c.owner == owner, table.c.acquired_at),
                                  else_=stmt.excluded.acquired_at),
              "renewed_at": now, "expires_at": now + ttl},
        where=or_(table.c.owner == owner, table.c.expires_at < now))
    # RETURNING gives a row only when this statement wrote one (rowcount is not reliable for
    # an INSERT on every driver).
    return session.execute(stmt.returning(table.c.owner)).first() is not None


def release(session: Session, owner: str, now: datetime, name: str = LEASE_NAME) -> bool:
    """Give the lease up at once (a standby may take it on its next try)."""
    result = session.execute(update(SchedulerLease)
                             .where(SchedulerLease.name == name, SchedulerLease.owner == owner)
                             .values(expires_at=now - timedelta(seconds=1)))
    return result.rowcount == 1


def holder(session: Session, name: str = LEASE_NAME) -> LeaseHolder | None:
    row = session.execute(select(SchedulerLease.owner, SchedulerLease.acquired_at,
                                 SchedulerLease.renewed_at, SchedulerLease.expires_at)
                          .where(SchedulerLease.name == name)).one_or_none()
    return LeaseHolder(*row) if row is not None else None


def holds(session: Session, owner: str, now: datetime, name: str = LEASE_NAME) -> bool:
    found = holder(session, name)
    return found is not None and found.owner == owner and found.live(now)
