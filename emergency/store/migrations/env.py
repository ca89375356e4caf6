"""Alembic environment: the URL comes from the caller (emergency.store.upgrade) or DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context

from emergency.store import make_engine
from emergency.store.models import Base

config = context.config
url = config.attributes.get("database_url") or os.environ["DATABASE_URL"]
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=url.startswith("sqlite"),  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
