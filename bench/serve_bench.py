"""The production server under load: ``make serve`` (gunicorn, 4 workers) on PostgreSQL, driven
from a second process by 32 simulated duty officers over loopback (issue 13, part 7).

Set-up (not timed): a database ``bench_serve`` is created on the local PostgreSQL
(``BENCH_PG_ADMIN_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``),
migrated, given the sample inventories and one duty-officer account per simulated officer; then
``gunicorn --config python:emergency.serve app:app`` — the command ``make serve`` runs — starts
with ``WORKERS=4`` on a free port, its scheduler process included. Every worker is warmed (river
network, plans, engine) before timing, as a server is after its first minutes.

The load (timed): a separate process runs 32 officers, each a thread with its own keep-alive
connection and bearer token. Officers work in pairs on the same incident, as a duty officer and
the colleague beside them do: the first of a pair reports an incident (every ``REPORT_EVERY``
cycles), then each cycle both read its response package, poll its changes and check off one open
checklist item with the version they last saw. A stale version gets 409 (counted as a conflict,
not an error: the officer reloads). Each officer waits 0.2–1.0 s between actions (someone
reading the screen; the browser itself polls every few seconds). Bounded: ``CYCLES`` cycles per
officer and ``TIME_LIMIT_S`` overall.

Figures: throughput (requests/s over the timed phase), latency p50/p95/p99 of every request and
per kind, errors (5xx, unexpected 4xx, connection failures), 409 conflicts, and lost updates:
an acknowledged (200) check-off whose version another acknowledged check-off of the same item
also got, or whose item does not end in the state of its last acknowledged change. The database
is dropped at the end; the server's log is kept in ``instance/bench/serve_gunicorn.log``.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB_NAME = "bench_serve"
WORKERS = 4
OFFICERS = 32
CYCLES = 12
REPORT_EVERY = 4
THINK_S = (0.2, 1.0)
TIME_LIMIT_S = 240.0
TARGET_P95_MS = 150.0
PASSWORD = "bench-serve-password"
HASH = "pbkdf2:sha256:1000"  # set-up speed only; the server checks whatever a hash names


class NoPostgres(ImportError):
    """No PostgreSQL to run on (the bench runner reports the benchmark as skipped)."""


def run(quick: bool = False) -> dict:
    from sqlalchemy import create_engine, text

    cycles = 3 if quick else CYCLES
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {DB_NAME}"))
    except Exception as err:  # noqa: BLE001 - no server, no rights: skip, saying why
        admin.dispose()
        raise NoPostgres(f"PostgreSQL not usable at {ADMIN_URL}: {err}") from None
    url = admin.url.set(database=DB_NAME).render_as_string(hide_password=False)
    tmp = tempfile.TemporaryDirectory(prefix="bench-serve-")
    instance = Path(tmp.name)
    server = None
    try:
        points = _set_up(url, instance, n_points=OFFICERS * cycles)
        port = _free_port()
        server, log = _start_server(url, instance, port)
        base = ("127.0.0.1", port)
        tokens = [_token(base, f"officer{i:02d}") for i in range(OFFICERS)]
        _warm_up(base, tokens, points)
        config = {"port": port, "tokens": tokens, "points": points, "cycles": cycles,
                  "report_every": REPORT_EVERY, "think": THINK_S, "limit_s": TIME_LIMIT_S}
        cpu_before = _server_cpu_s(server.pid)
        result = _drive_in_second_process(config, instance)
        result["server_cpu_s"] = _server_cpu_s(server.pid) - cpu_before
        lost = _lost_updates(url, result["acks"])
        return _figures(result, lost, cycles, quick)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            kept = ROOT / "instance" / "bench" / "serve_gunicorn.log"  # for a look at errors
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(log.read_text())
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
        admin.dispose()
        tmp.cleanup()


# ----------------------------------------------------------------------------- set-up
def _set_up(url: str, instance: Path, n_points: int) -> list[dict]:
    """Schema, sample inventories, officers; report points on Jilin's rivers (fixed seed)."""
    from datetime import date

    import numpy as np

    from app import create_app
    from emergency import accounts
    from emergency.inventory.service import load_sample
    from emergency.store import upgrade
    from rivers.network import RiverPosition

    upgrade(url)
    (instance / "cache").symlink_to(ROOT / "instance" / "cache")
    app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": instance, "SECRET_KEY": "bench",
                      "RIVER_CACHE_DIR": ROOT / "instance" / "cache"})
    net = app.extensions["rivers"].get()
    with app.extensions["database"].session() as s:
        load_sample(s, net, as_of=date(2026, 5, 20))
        for i in range(OFFICERS):
            accounts.create_user(s, f"officer{i:02d}", PASSWORD, "duty_officer",
                                 hash_method=HASH, check_password=False)
    app.extensions["database"].engine.dispose()
    data = net.data
    rng = np.random.default_rng(20261207)
    jilin = np.flatnonzero(data.in_jilin & (data.stream_order >= 3))
    weights = data.length_m[jilin] / data.length_m[jilin].sum()
    points = []
    for seg in rng.choice(jilin, size=n_points, p=weights):
        lon, lat = net.lonlat_at(RiverPosition(int(seg), float(data.length_m[seg]) * rng.random()))
        points.append({"lon": round(lon, 5), "lat": round(lat, 5)})
    return points


def _server_cpu_s(master: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn workers (children of the
    master, the scheduler process excluded), from /proc: what the requests cost, whatever
    else the machine runs."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == master and b"scheduler" not in cmd:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(url: str, instance: Path, port: int) -> tuple[subprocess.Popen, Path]:
    env = {**os.environ, "DATABASE_URL": url, "EEC_INSTANCE_DIR": str(instance),
           "SECRET_KEY": "bench-serve", "PORT": str(port), "HOST": "127.0.0.1",
           "WORKERS": str(WORKERS), "PYTHONPATH": str(ROOT)}
    env.pop("EEC_SCHEDULER", None)
    log = instance / "gunicorn.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log.open("w") as out:
        proc = subprocess.Popen([str(gunicorn), "--config", "python:emergency.serve", "app:app"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            status, _ = _request(("127.0.0.1", port), "GET", "/api/health", timeout=60)
            if status == 200:
                return proc, log
        except OSError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("gunicorn did not answer /api/health within 180 s")


def _request(base, method: str, path: str, body: dict | None = None,  # noqa: ANN001
             token: str | None = None, timeout: float = 60) -> tuple[int, dict | None]:
    conn = http.client.HTTPConnection(*base, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


def _token(base, username: str) -> str:  # noqa: ANN001
    status, body = _request(base, "POST", "/api/auth/token",
                            {"username": username, "password": PASSWORD})
    assert status in (200, 201), (status, body)
    return body["token"]


def _warm_up(base, tokens: list[str], points: list[dict]) -> None:  # noqa: ANN001
    """Enough concurrent reports that every worker has built its engine (not timed)."""
    def one(i: int) -> None:
        _request(base, "POST", "/api/incidents", _report_body(points[i], f"预热{i}"),
                 token=tokens[i % len(tokens)], timeout=300)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(WORKERS * 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _report_body(point: dict, title: str) -> dict:
    return {**point, "substance": "硝基苯", "mass_kg": 5000, "title": f"压力测试 {title}(示例)",
            "occurred_at": "2026-07-23T09:00+08:00", "discovered_at": "2026-07-23T09:40+08:00"}


# ----------------------------------------------------------------------------- the load
def _drive_in_second_process(config: dict, instance: Path) -> dict:
    """Run the officers in a separate interpreter (``python -m bench.serve_bench drive``)."""
    cfg_path, out_path = instance / "drive.json", instance / "result.json"
    cfg_path.write_text(json.dumps(config))
    subprocess.run([sys.executable, "-m", "bench.serve_bench", "drive", str(cfg_path),
                    str(out_path)], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out_path.read_text())


def drive(config: dict) -> dict:
    """The officers (threads) against the server; returns timings, counts and acks."""
    base = ("127.0.0.1", config["port"])
    tokens, points = config["tokens"], config["points"]
    cycles, every, think = config["cycles"], config["report_every"], config["think"]
    lock = threading.Lock()
    timings: list[tuple[str, float]] = []
    errors: list[str] = []
    acks: list[dict] = []
    conflicts = [0]
    shared: dict[int, int] = {}  # pair -> its current incident
    reported = {pair: threading.Event() for pair in range(len(tokens) // 2)}
    point_iter = iter(points)
    started = time.perf_counter()
    stop_at = time.monotonic() + config["limit_s"]

    def officer(i: int) -> None:
        rnd = random.Random(i)
        pair, reporter = i // 2, i % 2 == 0
        conn = http.client.HTTPConnection(*base, timeout=60)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {tokens[i]}"}
        since = 0

        def call(kind: str, method: str, path: str, body: dict | None = None):
            nonlocal conn
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=json.dumps(body) if body is not None else None,
                             headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                conn = http.client.HTTPConnection(*base, timeout=60)
                with lock:
                    errors.append(f"{kind}: {type(err).__name__} {err}")
                return None, None
            elapsed = time.perf_counter() - t0
            with lock:
                timings.append((kind, elapsed))
            status = resp.status
            data = json.loads(raw) if raw and resp.getheader("Content-Type", "").startswith(
                "application/json") else None
            if status >= 500 or (status >= 400 and status != 409):
                with lock:
                    errors.append(f"{kind}: HTTP {status} {raw[:200]!r}")
            return status, data

        try:
            for cycle in range(cycles):
                if time.monotonic() > stop_at:
                    break
                if reporter and cycle % every == 0:
                    with lock:
                        point = next(point_iter)
                    status, body = call("report", "POST", "/api/incidents",
                                        _report_body(point, f"{i}-{cycle}"))
                    if status == 201:
                        shared[pair] = body["id"]
                        since = 0
                        reported[pair].set()
                    time.sleep(rnd.uniform(*think))
                if not reported[pair].wait(timeout=max(0.0, stop_at - time.monotonic())):
                    break
                incident = shared[pair]
                status, pkg = call("package", "GET", f"/api/incidents/{incident}/response")
                time.sleep(rnd.uniform(*think))
                status, ch = call("changes", "GET",
                                  f"/api/incidents/{incident}/changes?since={since}")
                if status == 200 and ch["incident"]["id"] == incident:
                    since = ch["last_event_id"] or since
                time.sleep(rnd.uniform(*think))
                items = [x for x in (pkg or {}).get("checklist", []) if x["status"] == "open"]
                if items:
                    item = rnd.choice(items)
                    status, body = call("check", "PATCH",
                                        f"/api/incidents/{incident}/checklist/{item['id']}",
                                        {"status": "done", "version": item["version"]})
                    if status == 200:
                        with lock:
                            acks.append({"item": item["id"], "version": body["version"],
                                         "status": body["status"]})
                    elif status == 409:
                        with lock:
                            conflicts[0] += 1
                time.sleep(rnd.uniform(*think))
        finally:
            conn.close()

    threads = [threading.Thread(target=officer, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"elapsed_s": time.perf_counter() - started, "timings": timings, "errors": errors,
            "conflicts": conflicts[0], "acks": acks}


# ----------------------------------------------------------------------------- results
def _lost_updates(url: str, acks: list[dict]) -> int:
    from sqlalchemy import create_engine, select

    from emergency.store.incident_models import ChecklistItem

    by_item: dict[int, list[dict]] = defaultdict(list)
    for ack in acks:
        by_item[ack["item"]].append(ack)
    engine = create_engine(url)
    lost = 0
    try:
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(
                select(ChecklistItem.id, ChecklistItem.version, ChecklistItem.status)
                .where(ChecklistItem.id.in_(list(by_item) or [-1])))}
    finally:
        engine.dispose()
    for item, got in by_item.items():
        versions = [a["version"] for a in got]
        lost += len(versions) - len(set(versions))  # two acknowledged writes of one version
        last = max(got, key=lambda a: a["version"])
        row = rows.get(item)
        if row is None or row.version < last["version"] or (
                row.version == last["version"] and row.status != last["status"]):
            lost += 1
    return lost


def _figures(result: dict, lost: int, cycles: int, quick: bool) -> dict:
    import numpy as np

    ms = np.array([t for _, t in result["timings"]]) * 1000
    kinds = sorted({k for k, _ in result["timings"]})
    figures = {
        "officers_n": OFFICERS, "workers_n": WORKERS, "cycles_per_officer": cycles,
        "requests_n": int(ms.size), "elapsed_s": round(result["elapsed_s"], 1),
        "throughput_rps": round(ms.size / result["elapsed_s"], 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "max_ms": round(float(ms.max()), 1),
        "server_cpu_ms_per_request": round(1000 * result["server_cpu_s"] / max(ms.size, 1), 1),
        "capacity_rps_per_core": round(ms.size / max(result["server_cpu_s"], 1e-9), 1),
        "errors_n": len(result["errors"]), "conflicts_409_n": result["conflicts"],
        "checkoffs_acknowledged_n": len(result["acks"]), "lost_updates_n": lost,
    }
    for kind in kinds:
        k = np.array([t for name, t in result["timings"] if name == kind]) * 1000
        figures[f"{kind}_n"] = int(k.size)
        figures[f"{kind}_p50_ms"] = round(float(np.percentile(k, 50)), 1)
        figures[f"{kind}_p95_ms"] = round(float(np.percentile(k, 95)), 1)
    notes = [f"gunicorn --config python:emergency.serve app:app, WORKERS={WORKERS} (gthread, "
             "4 threads), scheduler process included, PostgreSQL database bench_serve",
             f"{OFFICERS} officers in pairs from a second process, think time "
             f"{THINK_S[0]}–{THINK_S[1]} s, a report every {REPORT_EVERY} cycles per pair",
             "server_cpu_ms_per_request: the workers' CPU time over the timed phase per request "
             "(from /proc; holds when the shared machine is loaded, unlike wall-clock latency)"]
    if result["errors"]:
        notes.append("first errors: " + " | ".join(result["errors"][:3]))
    if quick:
        notes.append("--quick: 3 cycles per officer, figures not comparable")
    return {
        "title": "make serve under 32 duty officers (issue 13 part 7)",
        "figures": figures,
        "units": {"throughput_rps": "req/s"},
        "targets": [
            {"figure": "p95_ms", "op": "<=", "limit": TARGET_P95_MS, "label": "p95 per request"},
            {"figure": "errors_n", "op": "==", "limit": 0, "label": "no errors"},
            {"figure": "lost_updates_n", "op": "==", "limit": 0, "label": "no lost updates"},
        ],
        "notes": notes,
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "drive":
        out = drive(json.loads(Path(sys.argv[2]).read_text()))
        Path(sys.argv[3]).write_text(json.dumps(out))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), ensure_ascii=False, indent=1))
