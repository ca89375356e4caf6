"""Persistence (存储): SQLAlchemy 2.0 engine and sessions, bound per application.

``Database`` is created unbound and attached with ``init_app`` (Flask's extension pattern); the
engine is built from the app's DATABASE_URL, never at import time. Schema changes go through the
Alembic migrations in ``emergency/store/migrations``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

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
        url = app.config["DATABASE_URL"]
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.bind(url)
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


def upgrade(url: str, revision: str = "heads") -> None:
    """Create or migrate the schema with Alembic (programmatic `alembic upgrade`)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, revision)
