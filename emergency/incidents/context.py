"""Building the engine context from the bundled data (no Flask)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emergency.incidents.service import EngineContext
from emergency.substances import load_catalogue
from rivers.hydraulics import read_defaults
from rivers.loader import DATA_DIR
from rivers.network import RiverNetwork


def build_engine_context(network: RiverNetwork, *, plans: Callable[[], Any] = lambda: None,
                         resources: Callable[[Any], Any] = lambda session: None,
                         snap_max_m: float = 20_000.0, snap_warn_m: float = 1_000.0
                         ) -> EngineContext:
    defaults = read_defaults(DATA_DIR / "hydraulics_defaults.yaml")
    return EngineContext(
        network=network, catalogue=load_catalogue(), flow_ratios=defaults["flow_ratio"],
        season_by_month={int(k): v for k, v in defaults["season_by_month"].items()},
        plans=plans, resources=resources, snap_max_m=snap_max_m, snap_warn_m=snap_warn_m,
    )
