"""The web layer: the only package that imports Flask."""

from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    from emergency.web import api, cli, incident_api
    from emergency.web.errors import register_error_handlers

    register_error_handlers(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(incident_api.bp)
    cli.register(app)
