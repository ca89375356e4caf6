"""Errors raised by the river model (河网模型).

Every error carries a machine-readable ``code`` and a message in Chinese and English, so that
the web layer can pass it to a duty officer unchanged.
"""

from __future__ import annotations


class RiverError(Exception):
    """Base class: a request the river model cannot answer."""

    code = "river_error"

    def __init__(self, message_zh: str, message_en: str, **details: object) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details


class InvalidCoordinates(RiverError):
    """Not a usable lon/lat pair (not numbers, out of range)."""

    code = "invalid_coordinates"


class SwappedCoordinates(RiverError):
    """The pair looks like (lat, lon) instead of (lon, lat)."""

    code = "swapped_coordinates"


class OutsideRegion(RiverError):
    """The point lies outside the area the river data covers."""

    code = "outside_region"


class TooFarFromRiver(RiverError):
    """The point is farther from any river than the configured snapping distance."""

    code = "too_far_from_river"


class UnknownSegment(RiverError):
    """A segment id that the network does not contain."""

    code = "unknown_segment"


class NotDownstream(RiverError):
    """A queried point does not lie on the downstream path of the source."""

    code = "not_downstream"


class BeyondPathError(RiverError, ValueError):
    """A query offset lies beyond the end of the traced path."""

    code = "beyond_path"
