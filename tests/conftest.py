"""Shared fixtures: the real river network (loaded once), apps on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rivers.loader import load_network

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def network():
    """The real network of Jilin, from the project's cache (built by `make setup`)."""
    return load_network(cache_dir=PROJECT_ROOT / "instance" / "cache")


def database_urls(tmp_dir: Path) -> list[str]:
    urls = [f"sqlite:///{tmp_dir / 'test.sqlite3'}"]
    if os.environ.get("TEST_DATABASE_URL"):
        urls.append(os.environ["TEST_DATABASE_URL"])
    return urls


DB_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=DB_BACKENDS)
def database_url(request, tmp_path):
    """A fresh, migrated database: a temporary SQLite file, and PostgreSQL when configured."""
    from emergency.store import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        _reset_postgres(url)
    upgrade(url)
    return url


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def app(database_url, network, tmp_path):
    from app import create_app

    application = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": tmp_path,
        "SECRET_KEY": "test-secret",
        "RIVER_NETWORK": network,
    })
    yield application
    application.extensions["database"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
