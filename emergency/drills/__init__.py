"""Drills (应急演练): scripted scenarios with a MSEL, played on the real incident engine.

* :mod:`emergency.drills.scenario` — the YAML scenario format (演练脚本) and its validation (pure)
* :mod:`emergency.drills.engine` — scenario clock, triggers, injects, lateness, phases (pure)
* :mod:`emergency.drills.evaluation` — after-action report and score (pure)
* :mod:`emergency.drills.export` — XLSX and printable HTML of the report (pure)
* :mod:`emergency.drills.service` — runs in the database, on the incident service (no Flask)
* ``library/*.yaml`` — sample scenarios on real rivers of Jilin (演练脚本示例)
"""

DRILL_MARK = "【演练】"
DRILL_MARK_EN = "[DRILL]"


def unmarked(title: str) -> str:
    """``title`` without the leading 【演练】 a drill writes into what it stores, for pages that
    show the mark themselves (so that it is never doubled: 【演练】【演练】…)."""
    return title.removeprefix(DRILL_MARK)
