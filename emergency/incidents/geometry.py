"""Where an incident is (事发位置), as plain functions: typed coordinates (decimal or 度分秒) and
the downstream path as one line with the km of every vertex. Pure: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np


# ----------------------------------------------------------------------------- coordinates
class CoordinateError(ValueError):
    """Typed coordinates that cannot be read; messages in both languages."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en = message_zh, message_en


_DEGREE_MARKS = {"º": "°", "˚": "°", "度": "°"}
_PRIMES = {"′": "'", "’": "'", "‘": "'", "`": "'", "´": "'", "″": '"', "”": '"', "“": '"',
           "''": '"', "分": "'", "秒": '"'}
_HEMISPHERES = {"东经": "E", "北纬": "N", "西经": "W", "南纬": "S", "东": "E", "北": "N",
                "西": "W", "南": "S"}
# degrees [° [minutes ' [seconds "]]]; seconds need their mark unless a hemisphere or the end
# follows (else "126°33.5' 43°51'" would read 43 as seconds)
_NUMBER = r"(?P<deg>[-+]?\d+(?:\.\d+)?)\s*(?:°\s*(?:(?P<min>\d+(?:\.\d+)?)\s*'\s*" \
          r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:\"|(?=[NSEW]|$)))?)?)?"
_PREFIXED = re.compile(r"(?P<hemi>[NSEW])?\s*" + _NUMBER)
_SUFFIXED = re.compile(_NUMBER + r"\s*(?P<hemi>[NSEW])?")


def parse_coordinates(text: str) -> tuple[float, float]:
    """Read a typed location as ``(lon, lat)`` in decimal degrees (WGS 84).

    Accepts decimal degrees (``126.55, 43.86``) and degrees-minutes-seconds
    (``126°33′00″E 43°51′36″N``, ``东经126度33分 北纬43度51分36秒``, ``N43°51.6' E126°33'``),
    full-width characters included. Hemisphere letters go all before or all after the numbers.
    With them the order is free; without them the order is lon, lat — unless the first number
    can only be a latitude and the second only a longitude (|a| ≤ 90 < |b|, always the case in
    Jilin), then they are swapped. Raises :class:`CoordinateError`.
    """
    if not isinstance(text, str) or not text.strip():
        raise CoordinateError("请输入坐标", "enter the coordinates")
    s = text
    for mark, degree in _DEGREE_MARKS.items():
        s = s.replace(mark, degree)
    s = unicodedata.normalize("NFKC", s).upper()
    for word, letter in _HEMISPHERES.items():
        s = s.replace(word, f" {letter}")
    for mark, ascii_mark in _PRIMES.items():
        s = s.replace(mark, ascii_mark)
    s = _spaced_dms(s)
    s = re.sub(r"[,;/、]", " ", s).strip()
    pattern = _PREFIXED if s[:1] in ("N", "S", "E", "W") else _SUFFIXED
    tokens, pos = [], 0
    for match in pattern.finditer(s):
        if s[pos:match.start()].strip():
            raise _unreadable(text)
        pos = match.end()
        tokens.append(match)
    if s[pos:].strip() or len(tokens) != 2:
        raise _unreadable(text)
    values: list[float] = []
    axes: list[str | None] = []
    for m in tokens:
        deg_text, hemi = m.group("deg"), m.group("hemi")
        negative = deg_text.startswith("-")
        deg = abs(float(deg_text))
        minutes = float(m.group("min")) if m.group("min") else 0.0
        seconds = float(m.group("sec")) if m.group("sec") else 0.0
        if (m.group("min") or m.group("sec")) and not deg.is_integer():
            raise _unreadable(text)
        if minutes >= 60 or seconds >= 60:
            raise CoordinateError("分、秒须小于 60", "minutes and seconds must be below 60")
        if negative and hemi:
            raise _unreadable(text)
        value = deg + minutes / 60 + seconds / 3600
        values.append(-value if negative or hemi in ("W", "S") else value)
        axes.append("lon" if hemi in ("E", "W") else "lat" if hemi in ("N", "S") else None)
    a, b = values
    if axes[0] and axes[1] and axes[0] == axes[1]:
        raise CoordinateError("须给出一个经度和一个纬度", "give one longitude and one latitude")
    if axes[0] or axes[1]:
        first_is_lon = axes[0] == "lon" if axes[0] else axes[1] == "lat"
        lon, lat = (a, b) if first_is_lon else (b, a)
    elif abs(a) <= 90 < abs(b):
        lon, lat = b, a
    else:
        lon, lat = a, b
    if not (-180 <= lon <= 180) or not (-90 <= lat <= 90):
        raise CoordinateError("经度须在 ±180°、纬度须在 ±90° 以内",
                              "longitude must be within ±180° and latitude within ±90°")
    return round(lon, 7), round(lat, 7)


_TOKEN = re.compile(r"[NSEW]|[-+]?\d+(?:\.\d+)?")


def _spaced_dms(s: str) -> str:
    """度分秒 without symbols (``129 27 27, 42 52 08``, ``E129 27 27 N42 52 08``): rewritten
    with marks (``129°27'27" 42°52'08"``) when unambiguous — two groups of degrees, minutes and
    optionally seconds, split by a comma, or 4 or 6 bare numbers halved. Anything else is
    returned as it is (decimal degrees, marked DMS)."""
    if any(mark in s for mark in "°'\""):
        return s
    parts = [part for part in re.split(r"[,;/、]", s) if part.strip()]
    if len(parts) == 2:
        if any("".join(re.sub(_TOKEN, "", part).split()) for part in parts):
            return s
        groups = [_TOKEN.findall(part) for part in parts]
    else:
        if "".join(re.sub(_TOKEN, "", s).split()):
            return s
        tokens = _TOKEN.findall(s)
        numbers = [t for t in tokens if t not in "NSEW"]
        if len(numbers) not in (4, 6):
            return s
        # hemisphere letters all before their numbers (prefixes) or all after (suffixes)
        prefixed = tokens[0] in "NSEW"
        half, groups, current, count = len(numbers) // 2, [], [], 0
        for t in tokens:
            if t in "NSEW":
                if prefixed and current and count == half:
                    groups.append(current)
                    current, count = [], 0
                current.append(t)
                if not prefixed and count == half:
                    groups.append(current)
                    current, count = [], 0
                continue
            if count == half:  # no letter closed the group: the next number starts group 2
                groups.append(current)
                current, count = [], 0
            current.append(t)
            count += 1
        if current:
            groups.append(current)
        if len(groups) != 2:
            return s
    out = []
    for g in groups:
        numbers = [t for t in g if t not in "NSEW"]
        letters = [t for t in g if t in "NSEW"]
        if not 1 <= len(numbers) <= 3 or len(letters) > 1:
            return s
        if len(numbers) == 1:
            out.append(" ".join(g))
            continue
        marked = numbers[0] + "°" + numbers[1] + "'" + (numbers[2] + '"' if len(numbers) > 2
                                                          else "")
        prefix = letters[0] if letters and g[0] in "NSEW" else ""
        suffix = letters[0] if letters and not prefix else ""
        out.append(f"{prefix}{marked}{suffix}")
    if all("°" not in o for o in out):
        return s
    return " ".join(out)


def _unreadable(text: str) -> CoordinateError:
    return CoordinateError(
        f"无法识别坐标 {text!r}:请输入“经度, 纬度”(如 126.55, 43.86)或度分秒"
        "(如 126°33′00″E 43°51′36″N)",
        f"cannot read {text!r}: type 'lon, lat' (e.g. 126.55, 43.86) or degrees-minutes-"
        "seconds (e.g. 126°33′00″E 43°51′36″N)")


# ----------------------------------------------------------------------------- path geometry
def path_geometry(network, trace) -> tuple[list[list[float]], list[float]]:
    """The trace as one line, upstream first: ``(coords [[lon, lat], ...], km of each vertex)``.

    km is the distance along the trace (the engine's km: projected metres / 1000), so a position
    predicted "at km 37.9" is found by interpolating this line.
    """
    d = network.data
    coords: list[np.ndarray] = []
    kms: list[np.ndarray] = []
    for piece in trace.pieces:
        i = piece.segment
        vm = np.asarray(d.vertex_m[i], dtype=float)
        ll = np.asarray(d.coords_lonlat[i], dtype=float)
        lo, hi = sorted((piece.from_offset_m, piece.to_offset_m))
        inner = (vm > lo) & (vm < hi)
        offs = np.concatenate([[lo], vm[inner], [hi]])
        xs, ys = np.interp(offs, vm, ll[:, 0]), np.interp(offs, vm, ll[:, 1])
        along = piece.from_m + np.abs(offs - piece.from_offset_m)
        if piece.to_offset_m < piece.from_offset_m:  # walked against the digitised direction
            xs, ys, along = xs[::-1], ys[::-1], along[::-1]
        if coords:  # the joint is the previous piece's end
            xs, ys, along = xs[1:], ys[1:], along[1:]
        coords.append(np.column_stack([xs, ys]))
        kms.append(along / 1000.0)
    if not coords:
        return [], []
    xy = np.round(np.concatenate(coords), 5)
    km = np.round(np.concatenate(kms), 3)
    return xy.tolist(), km.tolist()
