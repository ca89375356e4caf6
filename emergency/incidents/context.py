"""Building the engine context from the bundled data (no Flask)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from emergency.config import DEFAULT_TZ
from emergency.incidents.service import EngineContext
from emergency.substances import load_catalogue
from rivers.hydraulics import read_defaults
from rivers.loader import DATA_DIR
from rivers.network import SNAP_MAX_DISTANCE_M, SNAP_WARN_DISTANCE_M, RiverNetwork


def build_engine_context(network: RiverNetwork, *, plans: Callable[[], Any] = lambda: None,
                         parks: Callable[[], Any] = lambda: None,
                         pinned_plans: Callable[[Any], Any] | None = None,
                         pinned_parks: Callable[[Any], Any] | None = None,
                         resources: Callable[[Any], Any] = lambda session: None,
                         snap_max_m: float = SNAP_MAX_DISTANCE_M,
                         snap_warn_m: float = SNAP_WARN_DISTANCE_M, tz: tzinfo = DEFAULT_TZ,
                         scenario_clock: Callable[[Any, datetime], datetime] | None = None
                         ) -> EngineContext:
    """The engine's context; the app passes its config (snap limits, TIMEZONE) and the drills'
    scenario clock (:func:`emergency.drills.service.scenario_now`)."""
    defaults = read_defaults(DATA_DIR / "hydraulics_defaults.yaml")
    return EngineContext(
        network=network, catalogue=load_catalogue(), flow_ratios=defaults["flow_ratio"],
        season_by_month={int(k): v for k, v in defaults["season_by_month"].items()},
        plans=plans, pinned_plans=pinned_plans, parks=parks, pinned_parks=pinned_parks,
        resources=resources,
        snap_max_m=snap_max_m,
        snap_warn_m=snap_warn_m,
        tz=tz, scenario_clock=scenario_clock,
    )
