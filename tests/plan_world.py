"""Helpers for plan-management tests: seed the database with the bundled plan files."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from plans.loader import PLANS_DIR, read_plan_files

SEEDED_AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def seed_plans(app) -> int:  # noqa: ANN001 - a Flask app
    from emergency.plan_management import service

    documents = [(name.removesuffix(".yaml"), copy.deepcopy(raw))
                 for name, raw, _ in read_plan_files(PLANS_DIR)]
    with app.extensions["database"].session() as s:
        added = service.seed(s, "river", documents, now=SEEDED_AT)
    app.extensions["plans"].invalidate()
    return added
