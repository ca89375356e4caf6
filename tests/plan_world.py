"""Helpers for plan-management tests: seed the database with the bundled plan files."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

from plans.loader import PLANS_DIR, read_plan_files

SEEDED_AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def assert_text_only(html: str, page: str = "") -> None:
    """A plan page (named ``page`` in the failure) holds no markup from data: every script is a
    file or JSON data, no inline event handler (``on…="``), no ``<script>alert(1)`` typed in."""
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/json"' in attrs for attrs in scripts), page
    assert "<script>alert(1)" not in html, page
    assert not re.search(r"\son[a-z]+=\"", html), page


def seed_plans(app) -> int:  # noqa: ANN001 - a Flask app
    from emergency.plan_management import service

    documents = [(name.removesuffix(".yaml"), copy.deepcopy(raw))
                 for name, raw, _ in read_plan_files(PLANS_DIR)]
    with app.extensions["database"].session() as s:
        added = service.seed(s, "river", documents, now=SEEDED_AT)
    app.extensions["plans"].invalidate()
    return added


def seed_parks(app) -> int:  # noqa: ANN001 - a Flask app
    """The 22 bundled chemical-park plans as version 1 (kind ``park``)."""
    from emergency.plan_management import service
    from plans.parks import PARKS_DIR

    documents = [(name.removesuffix(".yaml"), copy.deepcopy(raw))
                 for name, raw, _ in read_plan_files(PARKS_DIR)]
    with app.extensions["database"].session() as s:
        added = service.seed(s, "park", documents, now=SEEDED_AT)
    app.extensions["parks"].invalidate()
    return added


def publish_park(app, park_id: str, change, *, at=SEEDED_AT) -> int:  # noqa: ANN001
    """Publish ``change(document)`` (in place) as the park plan's next version through the
    service (a steward drafts, another reviewer approves); returns the new version."""
    from emergency.plan_management import service
    from emergency.plan_management.service import Actor

    snapshot = app.extensions["parks"]
    editor, reviewer = Actor("park-editor", "data_steward"), Actor("park-reviewer", "admin")
    with app.extensions["database"].session() as s:
        row, _ = service.open_draft(s, "park", park_id, actor=editor, now=at)
        doc = copy.deepcopy(row.document)
        change(doc)
        row = service.save_draft(s, "park", park_id, row.id, document=doc,
                                 revision=row.revision, actor=editor, now=at,
                                 check=snapshot.check)
        service.submit(s, "park", park_id, row.id, note="测试修改", revision=row.revision,
                       actor=editor, now=at)
        number = service.approve(s, "park", park_id, row.id, actor=reviewer, now=at,
                                 check=snapshot.check).version
    snapshot.invalidate()
    return number
