"""Helpers for incident tests: the test spill (20 t 硝基苯 at 吉林市, released 2026-07-23 09:00,
found at 09:30) and its report through the API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

#: The app's clock half an hour after the spill was found.
NOW = datetime(2026, 7, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SPILL = {"lon": 126.55, "lat": 43.86, "substance": "硝基苯", "mass_kg": 20000,
         "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:30+08:00",
         "title": "吉林市化工企业硝基苯泄漏(测试)"}


def report_spill(app, client, now: datetime = NOW, **changes: object) -> dict:  # noqa: ANN001
    """SPILL (with ``changes``) reported through the API with the app's clock at ``now``; the
    response body (the incident and its response package), the report checked as accepted."""
    app.config["FIXED_NOW"] = now
    resp = client.post("/api/incidents", json=SPILL | changes)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()
