"""The notification centre (通知中心) of the duty desk. No Flask: a ``Session`` and the time.

A notification is addressed to a *person* (``DutyStaff``), not to an account: the person sees it
after logging in with the account linked to them (``DutyStaff.username``), in the header's bell
(unread count) and on ``/notifications`` (list, mark read), and it rides along in their calendar
feed (``ical_for`` puts the unread ones on the duties they concern). Messages name people; they
never show internal ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from emergency.store.roster_models import DutyNotification, DutyStaff

MAX_LISTED = 100

KIND_TEXT = {"swap": ("换班", "swap"), "replace": ("替班", "replacement"),
             "handover": ("交接班", "handover")}


def staff_of(session: Session, username: str | None) -> DutyStaff | None:
    """The person whose account is ``username`` (None: no account or not linked)."""
    if not username:
        return None
    return session.scalar(select(DutyStaff).where(DutyStaff.username == username))


def notify(session: Session, staff_ids: Iterable[int], *, kind: str, zh: str, en: str,
           actor: str, now: datetime, link: str = "", data: dict | None = None
           ) -> list[DutyNotification]:
    """One notification per person (each id once)."""
    out = []
    for staff_id in dict.fromkeys(staff_ids):
        row = DutyNotification(staff_id=staff_id, kind=kind, text_zh=zh, text_en=en,
                               link=link[:200], data=data or {}, created_by=actor,
                               created_at=now)
        session.add(row)
        out.append(row)
    session.flush()
    return out


def unread_count(session: Session, staff_id: int) -> int:
    return session.scalar(select(func.count()).select_from(DutyNotification)
                          .where(DutyNotification.staff_id == staff_id,
                                 DutyNotification.read_at.is_(None))) or 0


def listed(session: Session, staff_id: int, *, limit: int = MAX_LISTED
           ) -> list[DutyNotification]:
    """The person's notifications, unread first, newest first."""
    return list(session.scalars(
        select(DutyNotification).where(DutyNotification.staff_id == staff_id)
        .order_by(DutyNotification.read_at.is_not(None), DutyNotification.id.desc())
        .limit(limit)))


def unread(session: Session, staff_id: int) -> list[DutyNotification]:
    return list(session.scalars(
        select(DutyNotification).where(DutyNotification.staff_id == staff_id,
                                       DutyNotification.read_at.is_(None))
        .order_by(DutyNotification.id)))


def mark_read(session: Session, staff_id: int, ids: Sequence[int] | None, *,
              now: datetime) -> int:
    """Mark the person's notifications ``ids`` (all when None) read; returns how many changed.
    Another person's ids are silently not touched (the WHERE names the person)."""
    stmt = (update(DutyNotification)
            .where(DutyNotification.staff_id == staff_id, DutyNotification.read_at.is_(None))
            .values(read_at=now))
    if ids is not None:
        stmt = stmt.where(DutyNotification.id.in_(list(ids)))
    return session.execute(stmt).rowcount or 0
