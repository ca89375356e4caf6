"""Persistence (存储): SQLAlchemy 2.0 engine and sessions, bound per application.

``Database`` is created unbound and attached with ``init_app`` (Flask's extension pattern); the
engine is built from the app's DATABASE_URL, never at import time. Schema changes go through the
Alembic migrations in ``emergency/store/migrations``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Tables the migrations create for others, with no model: APScheduler's job store.
EXTERNAL_TABLES = frozenset({"apscheduler_jobs"})


def load_models():  # noqa: ANN201 - returns the declarative Base's MetaData
    """Import every model module of this package (``models`` and each ``*_models``) and return
    the one MetaData they share: what Alembic compares the migrations against."""
    import importlib
    import pkgutil

    from emergency.store.models import Base

    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name == "models" or module.name.endswith("_models"):
            importlib.import_module(f"{__name__}.{module.name}")
    return Base.metadata


def make_engine(url: str) -> Engine:
    """The engine of ``url``. A SQLite file is made private (0600, its folder 0700 when
    created) as the first connection opens it, before SQLite creates it; never at import."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        path = sqlite_path(url)
        if path is not None:
            made_private: list[bool] = []

            @event.listens_for(engine, "do_connect")
            def _private_file(*_args) -> None:  # noqa: ANN002
                if not made_private:
                    private_file(path)
                    made_private.append(True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            # WAL lets readers work during a write; foreign keys are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def private_dir(path: Path) -> Path:
    """A directory only its owner may enter (0700): created so, or tightened if ours."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """A file only its owner may read (0600), created empty if missing, its folder made if
    missing (0700). SQLite's -wal/-shm files take the database file's permissions."""
    if not path.parent.exists():
        private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path


class Database:
    """Engine + session factory of one application."""

    def __init__(self, url: str | None = None) -> None:
        self.engine: Engine | None = None
        self.sessions: sessionmaker[Session] | None = None
        if url:
            self.bind(url)

    def bind(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def init_app(self, app) -> None:  # noqa: ANN001 - Flask app, not imported here
        self.bind(app.config["DATABASE_URL"])  # a SQLite file is made 0600 on first connect
        app.extensions["database"] = self

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error."""
        assert self.sessions is not None, "Database not bound"
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


    def ping(self) -> bool:
        """Can the database answer a query? (health checks; never raises)"""
        try:
            assert self.engine is not None, "Database not bound"
            with self.engine.connect() as conn:
                conn.execute(text("select 1"))
        except Exception:  # noqa: BLE001 - health reports, never raises
            return False
        return True


def alembic_config(url: str):  # noqa: ANN201 - alembic.config.Config
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Create or migrate the schema with Alembic (programmatic `alembic upgrade`)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


class SchemaDrift(RuntimeError):
    """The models and the migrations disagree (or the database is not at the heads)."""


def check(url: str) -> None:
    """Alembic's ``check`` on a database at the migration heads: raises :class:`SchemaDrift`
    naming what ``alembic revision --autogenerate`` would add, drop or change."""
    from alembic import command
    from alembic.util import CommandError  # AutogenerateDiffsDetected is one

    try:
        command.check(alembic_config(url))
    except CommandError as err:
        raise SchemaDrift(str(err)) from err
