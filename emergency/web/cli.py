"""Flask CLI commands for operators: schema, data, users, jobs."""

from __future__ import annotations

import click
from flask import Flask, current_app

from emergency.store import upgrade
from rivers.loader import cache_key


def register(app: Flask) -> None:
    @app.cli.group("db")
    def db() -> None:
        """Database schema (Alembic)."""

    @db.command("upgrade")
    def db_upgrade() -> None:
        """Create or migrate the database schema to the latest version."""
        upgrade(current_app.config["DATABASE_URL"])
        click.echo(f"schema up to date: {_safe_url(current_app.config['DATABASE_URL'])}")

    @app.cli.group("data")
    def data() -> None:
        """Bundled data."""

    @data.command("load")
    def data_load() -> None:
        """Build the river network cache (and load bundled data into the database)."""
        net = current_app.extensions["rivers"].get()
        click.echo(f"river network ready: {net.n} segments (cache {cache_key()})")


def _safe_url(url: str) -> str:
    """The URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
