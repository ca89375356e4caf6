"""iCalendar (RFC 5545) feed of one person's duties, for phone and desktop calendars."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from emergency.roster.model import Person, Roster

__all__ = ["to_ical"]

PRODID = "-//Jilin EEC//生态环境风险应急指挥系统 值班表//ZH"
UID_DOMAIN = "roster.jilin-eec"
CRLF = "\r\n"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT: backslash, semicolon, comma and newlines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued with CRLF + space; a UTF-8 character
    is never split."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > MAX_OCTETS:
            pieces.append(current)
            current, size = " ", 1
        current += char
        size += width
    pieces.append(current)
    return CRLF.join(pieces)


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _vtimezone(roster: Roster) -> list[str]:
    """A VTIMEZONE for a zone without daylight saving in the roster's span (Asia/Shanghai)."""
    tz = roster.rules.tz
    moments = [a.shift_start for a in roster.assignments] or [
        datetime.combine(roster.period.start, datetime.min.time(), tzinfo=tz)
    ]
    offsets = {m.astimezone(tz).utcoffset() for m in moments}
    probe = datetime(roster.period.start.year, 1, 1, tzinfo=tz).utcoffset()
    offsets.add(probe)
    if len(offsets) != 1:
        raise ValueError(f"{roster.rules.timezone}: zones with daylight saving are not supported")
    offset = _offset(offsets.pop() or timedelta(0))
    name = datetime(roster.period.start.year, 1, 1, tzinfo=tz).tzname() or roster.rules.timezone
    return [
        "BEGIN:VTIMEZONE",
        f"TZID:{roster.rules.timezone}",
        f"X-LIC-LOCATION:{roster.rules.timezone}",
        "BEGIN:STANDARD",
        f"TZOFFSETFROM:{offset}",
        f"TZOFFSETTO:{offset}",
        f"TZNAME:{escape_text(name)}",
        "DTSTART:19700101T000000",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def to_ical(roster: Roster, person: Person | str, *, stamp: datetime | None = None,
            notes: Mapping[date, Sequence[str]] | None = None) -> str:
    """The person's duties in ``roster`` as an RFC 5545 VCALENDAR (CRLF, folded lines).

    Each duty is a VEVENT with a UID stable across re-publication (person, position, start),
    DTSTART/DTEND in the rules' timezone with its VTIMEZONE, and DTSTAMP ``stamp`` (UTC; now
    by default). ``notes``: per duty day, the notices the person was sent about it (a swap or
    replacement with its reason), added to that day's DESCRIPTION (the feed's next refresh
    carries them).
    """
    if isinstance(person, str):
        person = roster.person(person) or Person(person, person)
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    tzid = roster.rules.timezone
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(f'值班表 Duty roster — {person.name}')}",
        f"X-WR-TIMEZONE:{tzid}",
        *_vtimezone(roster),
    ]
    for a in roster.for_person(person.id):
        try:
            position = roster.rules.position(a.position)
            zh, en = position.zh, position.en
        except KeyError:
            zh = en = a.position
        start, end = (
            a.shift_start.astimezone(roster.rules.tz),
            a.shift_end.astimezone(roster.rules.tz),
        )
        key = f"{person.id}|{a.position}|{start.isoformat()}"
        uid = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        description = (
            f"{person.name}：{zh}，{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}\n"
            f"{person.name}: {en}, {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({tzid})"
        )
        for note in (notes or {}).get(a.date, ()):
            description += f"\n{note}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@{UID_DOMAIN}",
            f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
            f"DTSTART;TZID={tzid}:{_local(start)}",
            f"DTEND;TZID={tzid}:{_local(end)}",
            f"SUMMARY:{escape_text(f'值班：{zh} / On duty: {en}')}",
            f"DESCRIPTION:{escape_text(description)}",
            "TRANSP:OPAQUE",
            "STATUS:CONFIRMED",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
