"""Migrations 0161/0162: observations, station readings and alarms as the models describe."""

from __future__ import annotations

import pytest

from emergency.store import Database


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    yield database
    database.engine.dispose()


def test_the_migration_gives_observations_the_columns_the_model_describes(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import emergency.store.incident_models  # noqa: F401 - the models under test
    import emergency.store.monitoring_models  # noqa: F401
    from emergency.store.models import Base

    def touches_observations(diff) -> bool:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            names = {"observations", "station_readings", "station_alarms"}
            if part in names or getattr(getattr(part, "table", None), "name", None) in names:
                return True
            if getattr(part, "name", None) in names:
                return True
        return False

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    assert [d for d in diffs if touches_observations(d)] == []
