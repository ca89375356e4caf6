"""Create-incident → full response package, for 500 incidents at random river points in Jilin.

Every package carries the 1,000-member uncertainty ensemble (issue 16). Also reported: the
ensemble alone (``ensemble_bands`` at the package's downstream items), and the package of
the first 100 incidents re-computed with 12 monitoring results at two sites (the fit of all
results together + the narrowed ensemble), as the incident page's GET does.

Each sample is one whole report as the API does it: parse and validate, snap, trace, plume at
every plan site and crossing, grading, warning, deadlines, intercept options, resources,
checklist, the database writes (incident, timeline, checklist rows) committed in a fresh
SQLite database, and the JSON body serialised. Points are uniform along the length of the
segments inside Jilin (fixed seed), substances cycle through the catalogue.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

N_INCIDENTS = 500
TARGET_P95_MS = 50.0
ROOT = Path(__file__).resolve().parent.parent


def run() -> dict:
    from app import create_app
    from emergency.incidents import service
    from emergency.store import upgrade
    from emergency.web.incident_api import incident_dict, package_dict
    from rivers.network import RiverPosition

    tmp = tempfile.TemporaryDirectory()
    url = f"sqlite:///{tmp.name}/bench.sqlite3"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": Path(tmp.name),
                      "RIVER_CACHE_DIR": ROOT / "instance" / "cache", "SECRET_KEY": "bench"})
    now = datetime(2026, 7, 23, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with app.app_context():
        ctx = app.extensions["engine"].get()
        db = app.extensions["database"]
        net = ctx.network
        data = net.data
        rng = np.random.default_rng(20260723)
        jilin = np.flatnonzero(data.in_jilin)
        weights = data.length_m[jilin] / data.length_m[jilin].sum()
        segs = rng.choice(jilin, size=N_INCIDENTS, p=weights)
        substances = [s.id for s in ctx.catalogue.all()]
        reports = []
        for k, seg in enumerate(segs):
            lon, lat = net.lonlat_at(RiverPosition(int(seg), float(data.length_m[seg])
                                                   * rng.random()))
            reports.append({"lon": lon, "lat": lat, "substance": substances[k % len(substances)],
                            "mass_kg": float(rng.choice([50, 500, 5000, 20000])),
                            "occurred_at": "2026-07-23T09:00+08:00",
                            "discovered_at": "2026-07-23T09:40+08:00"})
        from emergency.plan_management import service as plan_service
        from plans.loader import PLANS_DIR, read_plan_files
        from plans.parks import PARKS_DIR

        with db.session() as session:  # the plans in the database, read through the snapshots
            for kind, folder in (("river", PLANS_DIR), ("park", PARKS_DIR)):
                plan_service.seed(session, kind, [(n.removesuffix(".yaml"), raw) for n, raw, _
                                                  in read_plan_files(folder)], now=now)
        app.extensions["plans"].invalidate()
        app.extensions["parks"].invalidate()
        assert ctx.plans().plans["yinma-he"].version == 1
        assert ctx.parks().get("park-01").version == 1
        ctx.plans()  # loaded once per process, as in the app
        from emergency.inventory.service import load_sample

        with db.session() as session:  # the sample inventories: depots and teams to rank
            load_sample(session, net, as_of=now.date())
        times, downstream, ranked, packages = [], [], [], []
        for body in reports:
            t0 = time.perf_counter()
            with db.session() as session:
                row, pkg = service.report_incident(session, ctx, body, actor="bench", now=now)
                payload = json.dumps(incident_dict(row) | {"response": package_dict(pkg, row)},
                                     ensure_ascii=False, default=str)
            times.append(time.perf_counter() - t0)
            downstream.append(len(pkg.downstream))
            ranked.append(len(pkg.resources))
            if len(packages) < 100 and len(pkg.downstream) >= 3:
                packages.append(pkg)
        # inside the 22 sample chemical parks: the three containment levels, then (for what
        # overflows) the river from the park's outfall — a leak and a fire at every enterprise
        park_times, held = [], {}
        for park in ctx.parks():
            for enterprise in park.doc.enterprises:
                for extra in ({}, {"firewater_m3_per_h": 600, "firewater_hours": 4}):
                    body = {"park_id": park.id, "park_enterprise_id": enterprise.id,
                            "substance": "苯", "mass_kg": 20000, "released_volume_m3": 300,
                            "occurred_at": "2026-07-23T09:00+08:00",
                            "discovered_at": "2026-07-23T09:10+08:00"} | extra
                    t0 = time.perf_counter()
                    with db.session() as session:
                        row, pkg = service.report_incident(session, ctx, body, actor="bench",
                                                           now=now)
                        json.dumps(incident_dict(row) | {"response": package_dict(pkg, row)},
                                   ensure_ascii=False, default=str)
                    park_times.append(time.perf_counter() - t0)
                    held[pkg.containment.held_at] = held.get(pkg.containment.held_at, 0) + 1
        ensemble_ms, fitted_ms = _ensemble_and_fit(ctx, db, packages, now)
        db.engine.dispose()
    tmp.cleanup()
    ms = np.array(times) * 1000
    p95 = float(np.percentile(ms, 95))
    return {
        "incidents_n": N_INCIDENTS,
        "incidents_p50_ms": round(float(np.percentile(ms, 50)), 2),
        "incidents_p95_ms": round(p95, 2),
        "incidents_max_ms": round(float(ms.max()), 2),
        "incidents_downstream_items_mean": round(float(np.mean(downstream)), 1),
        "incidents_with_resources": sum(1 for r in ranked if r),
        "incidents_last_body_bytes": len(payload.encode()),
        "incidents_target_p95_ms": TARGET_P95_MS,
        "incidents_ensemble_members": ENSEMBLE_MEMBERS,
        "incidents_ensemble_alone_p50_ms": round(float(np.percentile(ensemble_ms, 50)), 2),
        "incidents_ensemble_alone_p95_ms": round(float(np.percentile(ensemble_ms, 95)), 2),
        "incidents_fitted_12_results_p50_ms": round(float(np.percentile(fitted_ms, 50)), 2),
        "incidents_fitted_12_results_p95_ms": round(float(np.percentile(fitted_ms, 95)), 2),
        "parks_incidents_n": len(park_times),
        "parks_p95_ms": round(float(np.percentile(np.array(park_times) * 1000, 95)), 2),
        "parks_held_at": ", ".join(f"{k} {v}" for k, v in sorted(held.items())),
        "incidents_meets_targets": p95 <= TARGET_P95_MS
        and float(np.percentile(park_times, 95)) * 1000 <= TARGET_P95_MS,
        "incidents_fitted_meets_targets": float(np.percentile(fitted_ms, 95)) <= TARGET_P95_MS,
    }


ENSEMBLE_MEMBERS = 1000


def _ensemble_and_fit(ctx, db, packages, now):
    """Per package: the ensemble alone at its downstream items, and the whole package again
    with 12 results (hourly readings around the forecast peak at two sites, concentrations
    at half the forecast: the fit has something to do)."""
    from emergency.incidents.package import compute_package, forecast_curves, path_reaches
    from rivers.assimilation import Sample, ensemble_bands

    ensemble, fitted = [], []
    with db.session() as session:
        resources = ctx.resources(session)
        for pkg in packages:
            inc = pkg.incident
            reaches = path_reaches(ctx.network, pkg.trace, pkg.hydraulics,
                                   ice=inc.flow_condition == "ice")
            offsets = np.clip([d.km * 1000 for d in pkg.downstream], 1.0, pkg.trace.length_m)
            curves = forecast_curves(inc, pkg.substance, pkg.hydraulics, reaches, offsets)
            t0 = time.perf_counter()
            ensemble_bands(curves, None, members=ENSEMBLE_MEMBERS,
                           limit_mg_l=pkg.substance.limit_mg_l)
            ensemble.append(time.perf_counter() - t0)
            samples = []
            for k in (0, len(offsets) // 2):
                for h in range(-3, 3):
                    t = float(curves.peak_s[k]) * 1.2 + h * 3600.0
                    if t > 0:
                        samples.append(Sample(float(offsets[k]), t,
                                              float(curves.peak_mg_l[k]) * 0.5, ref=h))
            t0 = time.perf_counter()
            compute_package(inc, snap=pkg.snap, network=ctx.network, substance=pkg.substance,
                            plans=ctx.plans(), resources=resources, as_of=now,
                            flow_ratios=ctx.flow_ratios, rules=ctx.rules, tz=ctx.tz,
                            samples=samples)
            fitted.append(time.perf_counter() - t0)
    return np.array(ensemble) * 1000, np.array(fitted) * 1000


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
