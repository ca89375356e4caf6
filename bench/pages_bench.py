"""Page benchmark: the province map and the incident page in headless Chromium.

``run()`` serves the app from a background thread on a temporary SQLite database (the sample
inventories loaded, one user, one incident reported four hours ago), warms the server once (the
province map and the map background are built once per process, as in production), then loads
each page ``runs`` times in a fresh browser context — nothing cached, logged in by a session
cookie — and measures:

* bytes transferred: the sum of response bodies as they came over the wire
  (``encodedBodySize`` of the navigation and of every resource; gzip honoured), including what
  the page fetches after its load event, until the network is idle;
* first contentful paint (``performance.getEntriesByType('paint')``) and the load event end,
  in ms from the start of navigation (median of the runs);
* for the map: when the key rivers are drawn (the first animation frame in which their pane
  holds more than 20 SVG paths, ms from the start of navigation), and a second visit in the
  same browser context (its HTTP cache warm): bytes transferred over the wire
  (``transferSize``: 0 for a cache hit, headers only for a 304), requests that reached the
  server, first paint and key rivers drawn.

Targets: each page ≤ 1.5 MB and first paint and load ≤ 1 s on this machine. Figures are flat
(``bench/__main__.py`` reads ``*_meets_targets`` as targets). Nothing runs at import.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

CHROMIUM = Path("/usr/bin/chromium")
TARGET_MB = 1.5
TARGET_MS = 1000.0
USER, PASSWORD = "bench", "bench-password-1"

MEASURE_JS = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const fcp = performance.getEntriesByType('paint')
        .find(e => e.name === 'first-contentful-paint');
    return {
        bytes: nav.encodedBodySize + res.reduce((s, e) => s + (e.encodedBodySize || 0), 0),
        html_bytes: nav.encodedBodySize,
        html_decoded: nav.decodedBodySize,
        transferred: nav.transferSize + res.reduce((s, e) => s + (e.transferSize || 0), 0),
        from_server: 1 + res.filter(e => e.transferSize > 0).length,
        decoded: nav.decodedBodySize + res.reduce((s, e) => s + (e.decodedBodySize || 0), 0),
        requests: 1 + res.length,
        fcp: fcp ? fcp.startTime : null,
        load: nav.loadEventEnd,
        foreign: res.filter(e => !e.name.startsWith(location.origin)).map(e => e.name),
    };
}"""


def _serve(app):
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, name="bench-pages", daemon=True)
    thread.start()
    return server, thread


def _setup(tmp: Path):
    """The app on a fresh database with sample inventories, a user and one incident."""
    from app import create_app
    from emergency import accounts
    from emergency.incidents import service
    from emergency.store import upgrade

    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": tmp, "SECRET_KEY": "bench-secret",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    db = app.extensions["database"]
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    with db.session() as session:
        accounts.create_user(session, USER, PASSWORD, "duty_officer",
                             hash_method=app.config["PASSWORD_HASH_METHOD"])
    try:  # the sample risk sources, depots and teams make the pages as heavy as in use
        from emergency.inventory.service import load_sample

        with db.session() as session:
            load_sample(session, app.extensions["rivers"].get(), as_of=date.today())
    except ImportError:
        pass
    from emergency.plan_management import service as plan_service
    from plans.loader import PLANS_DIR, read_plan_files

    with db.session() as session:  # the plans in the database, read through the snapshot
        plan_service.seed(session, "river", [(n.removesuffix(".yaml"), raw) for n, raw, _
                                             in read_plan_files(PLANS_DIR)], now=now)
    app.extensions["plans"].invalidate()
    with app.app_context(), db.session() as session:
        occurred = now - timedelta(hours=4)
        row, _ = service.report_incident(
            session, app.extensions["engine"].get(),
            {"lon": 126.55, "lat": 43.86, "substance": "硝基苯", "mass_kg": 20000,
             "occurred_at": occurred.isoformat(), "discovered_at": occurred.isoformat(),
             "title": "吉林市硝基苯泄漏(基准测试)"}, actor=USER, now=now)
        incident_id = row.id
    return app, incident_id


def _login(context, base: str) -> None:
    """Log the context in through the form, without loading any page in it (a cold cache)."""
    html = context.request.get(f"{base}/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    resp = context.request.post(f"{base}/login", form={
        "username": USER, "password": PASSWORD, "csrf_token": token, "next": "/incidents"},
        max_redirects=0)
    if resp.status != 302:
        raise RuntimeError(f"login failed: {resp.status}")


def _visit(page, url: str, ready: str) -> dict:
    """Load ``url``; the figures, and ``ready_ms``: when ``ready`` first held (rAF polling)."""
    page.goto(url, wait_until="commit")
    ready_ms = page.wait_for_function(f"() => ({ready}) && performance.now()",
                                      timeout=30_000, polling="raf").json_value()
    page.wait_for_load_state("load")
    page.wait_for_load_state("networkidle")
    return {**page.evaluate(MEASURE_JS), "ready_ms": ready_ms}


def _measure(browser, base: str, path: str, ready: str, revisit: bool = False) -> dict:
    """One cold visit (fresh context); with ``revisit``, a second visit in the same context."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    try:
        _login(context, base)
        page = context.new_page()
        out = _visit(page, base + path, ready)
        if revisit:
            out["again"] = _visit(page, base + path, ready)
        return out
    finally:
        context.close()


PAGES = {
    "map": ("/", "document.querySelectorAll('.leaflet-eec-rivers-key-pane path').length > 20"),
    "incident": ("/incidents/{id}",
                 "document.querySelectorAll('#arr-table tbody tr').length > 0 && "
                 "document.querySelectorAll('.leaflet-eec-ctx-pane path').length > 20 && "
                 "document.querySelectorAll('.leaflet-inc-path-pane path').length > 0"),
}


def run(quick: bool = False) -> dict[str, Any]:
    """Load both pages ``runs`` times each; return bytes, requests, first paint and load."""
    if not CHROMIUM.exists():
        raise ImportError("Debian's chromium (/usr/bin/chromium) is not installed")
    from playwright.sync_api import sync_playwright

    runs = 2 if quick else 5
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="eec-pages-bench-") as tmp:
        app, incident_id = _setup(Path(tmp))
        server, thread = _serve(app)
        base = f"http://127.0.0.1:{server.server_port}"
        out: dict[str, Any] = {"title": "pages: province map and incident page, headless "
                                        "Chromium, 1366×768, cold browser cache"}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=str(CHROMIUM),
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                try:
                    for path, ready in PAGES.values():  # warm the server once
                        _measure(browser, base, path.format(id=incident_id), ready)
                    for name, (path, ready) in PAGES.items():
                        samples = [_measure(browser, base, path.format(id=incident_id), ready,
                                            revisit=name == "map")
                                   for _ in range(runs)]
                        size = max(s["bytes"] for s in samples)
                        fcp = statistics.median(s["fcp"] for s in samples if s["fcp"] is not None)
                        load = statistics.median(s["load"] for s in samples)
                        out[f"{name}_page_mb"] = round(size / 1e6, 3)
                        out[f"{name}_page_uncompressed_mb"] = round(
                            max(s["decoded"] for s in samples) / 1e6, 3)
                        out[f"{name}_requests"] = max(s["requests"] for s in samples)
                        out[f"{name}_first_paint_ms"] = round(fcp, 1)
                        out[f"{name}_load_ms"] = round(load, 1)
                        out[f"{name}_foreign_requests"] = max(len(s["foreign"]) for s in samples)
                        out[f"{name}_html_kb"] = round(max(s["html_bytes"] for s in samples)
                                                       / 1e3, 1)
                        out[f"{name}_html_uncompressed_kb"] = round(
                            max(s["html_decoded"] for s in samples) / 1e3, 1)
                        out[f"{name}_ready_ms"] = round(
                            statistics.median(s["ready_ms"] for s in samples), 1)
                        again = [s["again"] for s in samples if "again" in s]
                        if again:
                            out[f"{name}_revisit_transferred_kb"] = round(
                                max(a["transferred"] for a in again) / 1e3, 1)
                            out[f"{name}_revisit_server_requests"] = max(
                                a["from_server"] for a in again)
                            out[f"{name}_revisit_first_paint_ms"] = round(statistics.median(
                                a["fcp"] for a in again if a["fcp"] is not None), 1)
                            out[f"{name}_revisit_ready_ms"] = round(
                                statistics.median(a["ready_ms"] for a in again), 1)
                        out[f"{name}_meets_targets"] = (size / 1e6 <= TARGET_MB
                                                        and fcp <= TARGET_MS
                                                        and load <= TARGET_MS
                                                        and not any(s["foreign"] for s in samples))
                finally:
                    browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            app.extensions["database"].engine.dispose()
    out["runs"] = runs
    out["total_s"] = round(time.perf_counter() - started, 1)
    out["notes"] = [
        f"median of {runs} loads per page in fresh contexts after one warm-up load; bytes are "
        "response bodies as transferred (gzip), up to network idle",
        "*_ready_ms: the page's content drawn (map: key rivers; incident: table, background, "
        "path), polled every animation frame; *_kb: kilobytes (1000 bytes)",
        "map_revisit_*: the same context loads the map again (HTTP cache warm); transferred = "
        "transferSize of the page and every resource (0 when served from cache)",
        f"targets: ≤ {TARGET_MB} MB, first contentful paint and load event ≤ {TARGET_MS:.0f} ms, "
        "no request leaves the app",
    ]
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False, indent=2))
