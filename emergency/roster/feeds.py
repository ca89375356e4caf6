"""Secret calendar-feed addresses (日历订阅地址): a phone or desktop calendar subscribes to a
person's duties without logging in.

A calendar app cannot log in, so the secret is the URL itself, as in every calendar product
("secret address in iCal format"): ``/duty/feed/<token>.ics``. The token is a random 256-bit
urlsafe string (43 characters, ``secrets.token_urlsafe(32)``) of which only the SHA-256 is
stored, as for API tokens (``emergency.accounts``). It is shown once, when it is made.

* A duty manager (``duty.manage``) makes (``issue``), rotates (``issue`` again: the old address
  stops working at once) or revokes (``revoke``) a person's address; each person has at most one
  live address (a partial unique index backs this up).
* ``staff_for_token`` answers the feed: the live address of an active person, else None (the
  web layer answers 404 and never says whether the person exists). A person set inactive (不在岗)
  loses the feed until set active again; their address is not revoked by that.
* Revoked rows are kept (who made the address when, who ended it when).

No Flask: every function takes a SQLAlchemy ``Session`` and the time.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from emergency.accounts import aware as _aware
from emergency.accounts import token_digest
from emergency.roster.staff_service import get_staff
from emergency.store.roster_models import DutyFeedToken, DutyStaff

__all__ = ["FeedAddress", "TOKEN_PATTERN", "feed_of", "issue", "revoke", "staff_for_token",
           "token_digest"]

TOKEN_BYTES = 32
TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"  # what secrets.token_urlsafe(32) makes, nothing else
_TOKEN_RE = re.compile(TOKEN_PATTERN)
LAST_USED_RESOLUTION = timedelta(minutes=5)  # a calendar polls often: do not write every time


@dataclass(frozen=True)
class FeedAddress:
    """A person's live address (never the token): when and by whom it was made, last use."""

    staff_id: int
    created_at: datetime
    created_by: str
    last_used_at: datetime | None


def _live(session: Session, staff_id: int) -> DutyFeedToken | None:
    return session.scalar(select(DutyFeedToken).where(DutyFeedToken.staff_id == staff_id,
                                                      DutyFeedToken.revoked_at.is_(None)))


def _address(row: DutyFeedToken) -> FeedAddress:
    return FeedAddress(row.staff_id, _aware(row.created_at),  # type: ignore[arg-type]
                       row.created_by, _aware(row.last_used_at))


def feed_of(session: Session, staff_id: int) -> FeedAddress | None:
    """The person's live address, or None. Raises NotFound for an unknown person."""
    get_staff(session, staff_id)
    row = _live(session, staff_id)
    return _address(row) if row is not None else None


def issue(session: Session, staff_id: int, *, actor: str, now: datetime
          ) -> tuple[str, FeedAddress, bool]:
    """A new address for the person: (the token, shown once; the address; whether an older
    address was revoked by this, i.e. a rotation). Raises NotFound for an unknown person."""
    get_staff(session, staff_id)
    rotated = _revoke_live(session, staff_id, actor=actor, now=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = DutyFeedToken(staff_id=staff_id, token_hash=token_digest(token), created_by=actor,
                        created_at=now)
    session.add(row)
    session.flush()
    return token, _address(row), rotated


def _revoke_live(session: Session, staff_id: int, *, actor: str, now: datetime) -> bool:
    row = _live(session, staff_id)
    if row is None:
        return False
    row.revoked_at, row.revoked_by = now, actor
    session.flush()  # before a new live row: the partial unique index allows one
    return True


def revoke(session: Session, staff_id: int, *, actor: str, now: datetime) -> bool:
    """End the person's address (True), or say there was none (False). Raises NotFound for an
    unknown person."""
    get_staff(session, staff_id)
    return _revoke_live(session, staff_id, actor=actor, now=now)


def staff_for_token(session: Session, token: str, now: datetime) -> int | None:
    """The id of the active person whose live address this token is, else None."""
    if not _TOKEN_RE.fullmatch(token or ""):
        return None
    found = session.execute(
        select(DutyFeedToken, DutyStaff.active)
        .join(DutyStaff, DutyStaff.id == DutyFeedToken.staff_id)
        .where(DutyFeedToken.token_hash == token_digest(token),
               DutyFeedToken.revoked_at.is_(None))).first()
    if found is None or not found[1]:
        return None
    row = found[0]
    last = _aware(row.last_used_at)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row.staff_id
