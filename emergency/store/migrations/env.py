"""Alembic environment: the URL comes from the caller (emergency.store.upgrade) or DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context

from emergency.store import EXTERNAL_TABLES, load_models, make_engine

target_metadata = load_models()  # every model module: `db check` compares them all


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    return not (type_ == "table" and name in EXTERNAL_TABLES)


config = context.config
url = config.attributes.get("database_url") or os.environ["DATABASE_URL"]
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=url.startswith("sqlite"),  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
