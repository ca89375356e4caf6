"""Flask CLI commands for operators (命令行): every ``flask --app app …`` group is registered
here, in :func:`register`, and nowhere else.

The groups whose logic lives with a feature are built there and only registered here:
``users`` (emergency/web/auth.py), ``assets`` (emergency/web/assets.py), ``drill``
(emergency/web/drill_cli.py), ``scheduler`` and ``inventory`` (emergency/jobs/cli.py).
``instance``, ``db``, ``data`` and ``plans`` are defined below. Flask adds ``run``, ``shell``
and ``routes``; Flask-Limiter adds ``limiter`` when it is attached (emergency/web/auth.py).
``tests/web/test_cli_registration.py`` checks the list and that no other module registers.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from emergency.store import SchemaDrift, check, upgrade
from emergency.store.backup import BackupError
from emergency.store.backup import backup as backup_database
from emergency.store.backup import restore as restore_database
from emergency.store.instance import init_instance
from rivers.loader import cache_key


def register(app: Flask) -> None:
    """Register every command group of the application on ``app.cli``."""
    from emergency.jobs.cli import job_commands  # scheduler, inventory
    from emergency.web.assets import asset_commands
    from emergency.web.auth import user_commands
    from emergency.web.drill_cli import drill_commands

    for group in (instance_commands(), db_commands(), data_commands(), plans_commands(),
                  user_commands(), asset_commands(), drill_commands(),
                  *job_commands(app, AppGroup)):
        app.cli.add_command(group)


def instance_commands() -> AppGroup:
    @click.group("instance", cls=AppGroup)
    def instance() -> None:
        """The installation's private folder (instance/): 0700, session key."""

    @instance.command("init")
    def instance_init() -> None:
        """Create instance/ (0700) and its session key instance/secret_key (0600) unless
        SECRET_KEY is set; idempotent. `make setup` runs it before `db upgrade`."""
        configured = current_app.extensions["secret_key_source"] == "configured"
        for line in init_instance(current_app.config["INSTANCE_DIR"], configured):
            click.echo(line)

    return instance


def db_commands() -> AppGroup:
    @click.group("db", cls=AppGroup)
    def db() -> None:
        """Database schema (Alembic)."""

    @db.command("upgrade")
    def db_upgrade() -> None:
        """Create or migrate the database schema to the latest version."""
        upgrade(current_app.config["DATABASE_URL"])
        click.echo(f"schema up to date: {_safe_url(current_app.config['DATABASE_URL'])}")

    @db.command("check")
    def db_check() -> None:
        """Alembic's check: the migrations describe every model (the database must be at the
        heads: `flask --app app db upgrade` first). Exit status 1 on any difference."""
        url = current_app.config["DATABASE_URL"]
        try:
            check(url)
        except SchemaDrift as err:
            raise click.ClickException(f"schema drift on {_safe_url(url)}: {err}") from None
        click.echo(f"migrations match the models: {_safe_url(url)}")

    @db.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
    def db_backup(path: Path, force: bool) -> None:
        """Back the database up to PATH (SQLite: online backup; PostgreSQL: pg_dump -Fc)."""
        url = current_app.config["DATABASE_URL"]
        try:
            backup_database(url, path, overwrite=force)
        except BackupError as err:
            raise click.ClickException(str(err)) from None
        click.echo(f"backup of {_safe_url(url)} written to {path} "
                   f"({path.stat().st_size / 1e6:.1f} MB)")

    @db.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def db_restore(path: Path, yes: bool) -> None:
        """Replace the database's contents with the backup PATH (stop the server first)."""
        url = current_app.config["DATABASE_URL"]
        if not yes:
            click.confirm(f"Replace everything in {_safe_url(url)} with {path}?", abort=True)
        try:
            restore_database(url, path)
        except BackupError as err:
            raise click.ClickException(str(err)) from None
        current_app.extensions["database"].engine.dispose()
        click.echo(f"restored {_safe_url(url)} from {path}; "
                   "then run `flask --app app db upgrade` for any newer migrations")

    return db


def data_commands() -> AppGroup:
    @click.group("data", cls=AppGroup)
    def data() -> None:
        """Bundled data."""

    @data.command("load")
    def data_load() -> None:
        """Build the river network cache and load the sample inventories into empty tables."""
        net = current_app.extensions["rivers"].get()
        click.echo(f"river network ready: {net.n} segments (cache {cache_key()})")
        _load_sample_inventories(net)
        _load_sample_duty_staff()
        _seed_plans()

    return data


def plans_commands() -> AppGroup:
    @click.group("plans", cls=AppGroup)
    def plans_group() -> None:
        """Key-river and chemical-park plans kept in the database (预案管理)."""

    @plans_group.command("seed")
    def plans_seed() -> None:
        """Import the bundled plan files as version 1 of plans not yet in the database."""
        _seed_plans()

    return plans_group


def _load_sample_inventories(net) -> None:  # noqa: ANN001 - a RiverNetwork
    """Sample risk sources, materials, teams and experts: only into empty tables (idempotent)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from emergency.inventory.service import counts, load_sample

    today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    with current_app.extensions["database"].session() as session:
        loaded = load_sample(session, net, as_of=today)
        totals = counts(session)
    for kind, n in loaded.items():
        state = f"loaded {n} sample records" if n else "kept (table not empty)"
        click.echo(f"inventory {kind}: {state}; {totals[kind]} in the database")
    by_kind = [f"{k.split('.')[1]} {v}" for k, v in sorted(totals.items())
               if k.startswith("risk_sources.")]
    click.echo("risk sources by kind: " + ", ".join(by_kind))


def _load_sample_duty_staff() -> None:
    """The 40 sample duty staff (示例), only into an empty staff table."""
    from emergency.roster import staff_service
    from emergency.web.clock import now

    with current_app.extensions["database"].session() as session:
        added = staff_service.load_sample_staff(session, as_of=now().date(), now=now())
        total = staff_service.count_staff(session)
    state = f"loaded {added} sample people (示例)" if added else "kept (table not empty)"
    click.echo(f"duty staff: {state}; {total} in the database")


def _seed_plans() -> None:
    """The bundled plan files — key rivers (一河一策一图) and chemical parks (一园一策一图) — as
    version 1 (idempotent: plans already stored are kept)."""
    from emergency.plan_management import service as plan_service
    from emergency.web.clock import now
    from plans.loader import PLANS_DIR, read_plan_files
    from plans.parks import PARKS_DIR

    for kind, folder, files, snapshot, label in (
            ("river", PLANS_DIR, "plan_files", "plans", "river plans"),
            ("park", PARKS_DIR, "park_files", "parks", "park plans")):
        current_app.extensions[files].get()  # every file valid, or stop with the problems
        documents = [(name.removesuffix(".yaml"), raw)
                     for name, raw, _ in read_plan_files(folder)]
        with current_app.extensions["database"].session() as session:
            added = plan_service.seed(session, kind, documents, now=now())
            total = len(plan_service.published(session, kind))
        current_app.extensions[snapshot].invalidate()
        state = f"imported {added} plan files as version 1" if added else "kept (already stored)"
        click.echo(f"{label}: {state}; {total} plans in the database")


def _safe_url(url: str) -> str:
    """The URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
