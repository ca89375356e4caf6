"""Configuration (配置): defaults, overridden by environment variables, then by create_app(config).

Environment variables: DATABASE_URL, SECRET_KEY, EEC_INSTANCE_DIR, EEC_SCHEDULER (1 = this
process runs the scheduled jobs), EEC_BASEMAP_URL (optional intranet tile server).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_config() -> dict:
    instance = Path(os.environ.get("EEC_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    return {
        "INSTANCE_DIR": instance,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'eec.sqlite3'}"),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "RIVER_CACHE_DIR": instance / "cache",
        "TIMEZONE": "Asia/Shanghai",
        # Snapping (rivers.network.RiverNetwork.snap): refuse beyond, warn beyond.
        "SNAP_MAX_DISTANCE_M": 20_000.0,
        "SNAP_WARN_DISTANCE_M": 1_000.0,
        "SCHEDULER_ENABLED": os.environ.get("EEC_SCHEDULER") == "1",
        "BASEMAP_URL": os.environ.get("EEC_BASEMAP_URL"),
        "JSON_SORT_KEYS": False,
    }
