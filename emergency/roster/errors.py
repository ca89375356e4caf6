"""Errors of the roster services, each with its message in Chinese and English.

The web layer maps them to HTTP statuses: NotFound 404, NotAllowed 403, Conflict / Stale 409,
Refused 422 (a rule would break: ``reasons`` are the roster's Violations).
"""

from __future__ import annotations

from collections.abc import Iterable

from emergency.roster.model import Violation

__all__ = ["Conflict", "DutyError", "NotAllowed", "NotFound", "Refused", "Stale"]


class DutyError(Exception):
    code = "duty_error"

    def __init__(self, message_zh: str, message_en: str, **details: object) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en = message_zh, message_en
        self.details = details


class NotFound(DutyError):
    code = "not_found"


class NotAllowed(DutyError):
    """The person may not do this now (e.g. write today's log without being on the shift)."""

    code = "forbidden"


class Conflict(DutyError):
    """The request contradicts the stored state (already published, overlaps, in use)."""

    code = "conflict"


class Stale(DutyError):
    """The client's copy is out of date (someone else changed the roster or the person)."""

    code = "stale"


class Refused(DutyError):
    """An edit or a generation refused because a rule would break; ``reasons`` say which."""

    code = "refused"

    def __init__(self, message_zh: str, message_en: str, reasons: Iterable[Violation] = (),
                 **details: object) -> None:
        super().__init__(message_zh, message_en, **details)
        self.reasons = tuple(reasons)
