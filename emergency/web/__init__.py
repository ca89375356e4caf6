"""The web layer: the only package that imports Flask."""

from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    from emergency.jobs.scheduler import init_app as init_scheduler
    from emergency.web import (
        api,
        auth,
        cli,
        command_api,
        compress,
        drill_pages,
        headers,
        i18n,
        incident_api,
        inventory_api,
        pages,
        plans_api,
        static_cache,
    )
    from emergency.web.drill_api import bp as drill_bp
    from emergency.web.errors import register_error_handlers
    from emergency.web.incident_pages import init_incident_pages
    from emergency.web.inspection_api import bp as inspection_api_bp
    from emergency.web.inspection_pages import init_inspection_pages
    from emergency.web.params import init_request_layer
    from emergency.web.parks_api import init_park_pages
    from emergency.web.plan_pages import init_plan_pages
    from emergency.web.refresh_api import bp as refresh_api_bp
    from emergency.web.refresh_pages import init_pages as init_refresh_pages
    from emergency.web.river_pages import init_river_pages
    from emergency.web.roster_api import init_roster

    init_request_layer(app)  # body limit, bounded URL ids, strict JSON: before any blueprint
    register_error_handlers(app)
    headers.init_headers(app)  # CSP and security headers on every response
    i18n.init_i18n(app)
    auth.init_auth(app)  # before any other blueprint: its guard covers every route
    app.register_blueprint(api.bp)
    app.register_blueprint(incident_api.bp)
    app.register_blueprint(command_api.bp)  # /api/incidents/<id>/decisions …: 指挥调度
    app.register_blueprint(plans_api.bp)
    app.register_blueprint(plans_api.workbook_bp)  # /api/plans.xlsx
    app.register_blueprint(inventory_api.bp)
    app.register_blueprint(drill_bp)
    pages.init_pages(app)
    app.register_blueprint(drill_pages.bp)  # /drills: library, controller console
    init_incident_pages(app)  # /incidents: intake, the incident page, print; map "report here"
    init_river_pages(app)  # /rivers: the key-river plans; the map's key rivers
    init_park_pages(app)  # /parks, /api/parks: 一园一策一图, the three-level prevention system
    init_plan_pages(app)  # /rivers/<id>/edit, review, versions, A3; /plans/review
    init_roster(app)  # duty roster: API, the /duty page, "on duty now" in the header
    app.register_blueprint(refresh_api_bp)  # /api/refresh: submissions, versions, board, jobs
    init_refresh_pages(app)  # /refresh: the steward's campaign; admins: job runs
    app.register_blueprint(inspection_api_bp)  # /api/inspections, /api/hazards: 隐患排查
    init_inspection_pages(app)  # /inspections, /hazards; the map's open-major-hazard layer
    from emergency.web import monitoring_api

    app.register_blueprint(monitoring_api.bp)  # issue 16: void, import/ingest, fit of results
    from emergency.web import tracing_api

    tracing_api.init_tracing(app)  # issue 16: stations, readings, alarms (header), 溯源
    init_scheduler(app)  # EEC_SCHEDULER=1: APScheduler embedded (emergency/jobs/scheduler.py)
    compress.init_compression(app)
    static_cache.init_static_cache(app)
    cli.register(app)
