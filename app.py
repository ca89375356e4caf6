"""生态环境风险应急指挥系统 — the application factory.

``flask --app app run`` uses the module-level ``app``; tests call ``create_app(config)``.
Neither writes a file: the instance folder and its session key are made by
``flask --app app instance init`` (``make setup``), the SQLite file on first connect.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from emergency.config import default_config
from emergency.drills.service import scenario_now
from emergency.incidents.context import build_engine_context
from emergency.inventory.snapshot import ResourceCache
from emergency.plan_management.snapshot import PlanSnapshot, park_kind
from emergency.rivers_service import Lazy
from emergency.store import Database
from emergency.store.instance import TEMPORARY_SECRET_WARNING, read_secret
from plans.loader import load_plans
from plans.parks import load_park_plans
from rivers.loader import load_network


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.update(default_config())
    app.config.update(config or {})
    app.extensions["secret_key_source"] = "configured"  # SECRET_KEY, or instance/secret_key
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(app)
    app.json.ensure_ascii = False  # Chinese stays readable in the JSON
    app.json.sort_keys = False

    Database().init_app(app)
    rivers = Lazy(lambda: load_network(cache_dir=app.config["RIVER_CACHE_DIR"]),
                  app.config["RIVER_NETWORK"])
    app.extensions["rivers"] = rivers
    # The bundled plan files: the seed, and the plan set while the database holds no plans.
    plan_files = Lazy(lambda: load_plans(rivers.get()), app.config["PLAN_SET"])
    app.extensions["plan_files"] = plan_files
    # The published plans (database), rebuilt when a version is published.
    plans = PlanSnapshot(app.extensions["database"], rivers.get, plan_files.get,
                         check_every_s=app.config["PLAN_SNAPSHOT_CHECK_S"])
    app.extensions["plans"] = plans
    # the chemical-park plans (一园一策一图): the files (seed; while the database holds none)
    # and the published versions, kept like the river plans
    park_files = Lazy(lambda: load_park_plans(rivers.get(), plans.get()),
                      app.config["PARK_SET"])
    app.extensions["park_files"] = park_files
    parks = PlanSnapshot(app.extensions["database"], rivers.get, park_files.get,
                         kind=park_kind(plans.get),
                         check_every_s=app.config["PLAN_SNAPSHOT_CHECK_S"])
    app.extensions["parks"] = parks
    app.extensions["engine"] = Lazy(lambda: build_engine_context(
        rivers.get(), plans=plans.get, pinned_plans=plans.pinned, parks=parks.get,
        pinned_parks=parks.pinned,
        resources=ResourceCache(),
        snap_max_m=app.config["SNAP_MAX_DISTANCE_M"],
        snap_warn_m=app.config["SNAP_WARN_DISTANCE_M"],
        tz=ZoneInfo(app.config["TIMEZONE"]),
        scenario_clock=scenario_now))  # drill incidents run on their drill's scenario clock
    from emergency.web import init_web

    init_web(app)
    return app


def _secret_key(app: Flask) -> str:
    """The installation's key from instance/secret_key (made by ``instance init``); without
    one, a temporary key and a warning on the first request (logins end on restart)."""
    key = read_secret(Path(app.config["INSTANCE_DIR"]))
    app.extensions["secret_key_source"] = "instance" if key else "temporary"
    if key:
        return key
    warned: list[bool] = []

    @app.before_request
    def _warn_temporary_secret() -> None:
        if not warned:
            warned.append(True)
            app.logger.warning(TEMPORARY_SECRET_WARNING)

    return secrets.token_hex(32)


app = create_app()
