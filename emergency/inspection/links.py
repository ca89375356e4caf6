"""Where a risk source lies on an incident's downstream trace (pure: network arrays only).

An incident "at or upstream of" a risk source with an open hazard shows that hazard in the
response package: at = the incident names the source; upstream = the source's river entry
segment is on the incident's downstream trace, within a reach (km) the caller chooses.
"""

from __future__ import annotations

import numpy as np

from rivers.exceptions import UnknownSegment
from rivers.network import RiverNetwork, Trace


def km_downstream(network: RiverNetwork, trace: Trace, entry_seg_id: int | None) -> float | None:
    """km along ``trace`` to the start of the segment ``entry_seg_id``; None if not on it."""
    if entry_seg_id is None:
        return None
    try:
        index = network.index(entry_seg_id)
    except UnknownSegment:
        return None
    pieces = trace.pieces
    segments = getattr(pieces, "segments", None)
    if segments is not None:
        hits = np.flatnonzero(np.asarray(segments) == index)
        return float(np.asarray(pieces.from_m)[hits[0]]) / 1000 if len(hits) else None
    for piece in pieces:
        if piece.segment == index:
            return piece.from_m / 1000
    return None
