"""The engine's inventory snapshot is reused until the inventories change."""

from __future__ import annotations

from datetime import date

from emergency.inventory.service import load_sample
from emergency.inventory.snapshot import ResourceCache
from emergency.store.inventory_models import MaterialDepot


def test_the_snapshot_is_reused_until_a_record_changes(app, network):
    db = app.extensions["database"]
    cache = ResourceCache()
    with db.session() as session:
        load_sample(session, network, as_of=date(2026, 5, 1))
    with db.session() as session:
        first = cache(session)
        assert cache(session) is first  # unchanged: the same object, no reload
    with db.session() as session:
        depot = session.get(MaterialDepot, first.depots[0].id)
        depot.phone = "0431-80000000(示例)"
        depot.version += 1
    with db.session() as session:
        second = cache(session)
    assert second is not first
    assert second.depots[0].phone == "0431-80000000(示例)"
