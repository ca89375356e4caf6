"""Shared fixtures: the real river network (loaded once), apps on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rivers.loader import load_network

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def network():
    """The real network of Jilin, from the project's cache (built by `make setup`)."""
    return load_network(cache_dir=PROJECT_ROOT / "instance" / "cache")


DB_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def plan_set(network):
    """The bundled river plans, loaded once and shared by every test app."""
    from plans.loader import load_plans

    return load_plans(network)


@pytest.fixture(scope="session")
def park_set(network, plan_set):
    """The bundled chemical-park plans, loaded once."""
    from plans.parks import load_park_plans

    return load_park_plans(network, plan_set)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file per session; each test gets a copy (migrations run once)."""
    from emergency.store import upgrade

    path = tmp_path_factory.mktemp("db-template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_migrated() -> str:
    """The PostgreSQL test database, wiped and migrated once per session."""
    from sqlalchemy import create_engine, text

    from emergency.store import upgrade

    url = os.environ["TEST_DATABASE_URL"]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    return url


def _truncate_postgres(url: str) -> None:
    """Empty every table but Alembic's (tables created at run time included), ids from 1.

    DELETE with foreign-key triggers off is ~7× faster than TRUNCATE on these small tables.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")).scalars().all()
        sequences = conn.execute(text(
            "SELECT sequence_name FROM information_schema.sequences "
            "WHERE sequence_schema = 'public'")).scalars().all()
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        for sequence in sequences:
            conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART WITH 1'))
    engine.dispose()


@pytest.fixture(params=DB_BACKENDS)
def database_url(request, tmp_path):
    """A fresh, migrated, empty database: a temporary SQLite file, and PostgreSQL when set."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("_postgres_migrated")
    _truncate_postgres(url)
    return url


@pytest.fixture
def app(database_url, network, plan_set, park_set, tmp_path):
    from app import create_app

    application = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": tmp_path,
        "SECRET_KEY": "test-secret",
        "RIVER_NETWORK": network,
        "PLAN_SET": plan_set,
        "PARK_SET": park_set,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; scrypt in the app
    })
    yield application
    application.extensions["database"].engine.dispose()


TEST_PASSWORD = "correct-horse-battery"


@pytest.fixture
def make_user(app):
    """Factory: ``make_user("viewer", username=..., password=..., active=...)`` → a saved User.

    The returned user carries its plain ``password`` for logging in.
    """
    from emergency import accounts

    counter = iter(range(1, 10_000))

    def _make(role: str = "viewer", **overrides):
        username = overrides.pop("username", f"{role}{next(counter)}")
        password = overrides.pop("password", TEST_PASSWORD)
        with app.extensions["database"].session() as s:
            user = accounts.create_user(s, username, password, role,
                                        hash_method=app.config["PASSWORD_HASH_METHOD"],
                                        check_password=False)
            for key, value in overrides.items():
                setattr(user, key, value)
        user.password = password
        return user

    return _make


@pytest.fixture
def login():
    """``login(client, user)``: log in through the form; later requests send the CSRF header.

    Returns the session's CSRF token (as the page JS reads it from the meta tag).
    """

    def _login(test_client, user, password: str | None = None):
        test_client.get("/login")
        with test_client.session_transaction() as sess:
            form_token = sess["csrf"]
        resp = test_client.post("/login", data={
            "username": user.username, "password": password or user.password,
            "csrf_token": form_token})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        with test_client.session_transaction() as sess:
            token = sess["csrf"]
        test_client.environ_base["HTTP_X_CSRFTOKEN"] = token
        return token

    return _login


@pytest.fixture
def anon_client(app):
    """A client that has not logged in."""
    return app.test_client()


@pytest.fixture
def client_as(app, make_user, login):
    """``client_as("viewer", username="looker")``: a new client logged in as a new user with that
    role (``make_user``'s arguments); it sends the CSRF header on every request."""

    def _client_as(role: str, **user: object):
        test_client = app.test_client()
        login(test_client, make_user(role, **user))
        return test_client

    return _client_as


@pytest.fixture
def client(client_as):
    """A client logged in as an administrator (sends the CSRF header on every request)."""
    return client_as("admin", username="admin")


@pytest.fixture
def loaded(app, network):
    """The app with the sample inventories loaded (as of 2026-05-20, before the flood season)."""
    from datetime import date

    from emergency.inventory import service as inventory

    with app.extensions["database"].session() as s:
        inventory.load_sample(s, network, as_of=date(2026, 5, 20))
    return app


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
