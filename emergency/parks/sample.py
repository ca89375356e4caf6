"""The 22 sample chemical-park plans (示例园区预案), generated from the sample inventory.

Each park plan is built around the inventory's chemical park of the same name (its position and
outfall), so the plan, the risk-source list and the map agree:

* enterprises: the inventory's major-risk enterprises of the same county within 4 km of the park
  (linked by name), plus invented park enterprises "示例园区企业" so that every park has 2–4;
* each enterprise: an accident pool, a bund, a rain outfall with a cut-off valve (about half of
  them normally closed, as good practice asks) and a sewage outfall to the park's treatment;
* the park: one or two public emergency pools, a gate on the rain network in front of each outfall
  (one park in four has none yet — a gap the plan shows), the outfall where the inventory says
  the park's water leaves, a diversion ditch, pumps;
* the river level: the key-river plan its water reaches first and the first intercept sites
  downstream of its outfall.

All volumes, times, people and phone numbers are invented sample values (示例), deterministic
(seeded). Run ``python -m emergency.parks.sample`` to rewrite ``plans/parks/*.yaml``.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from emergency.river_risks import PlanFinder
from plans.parks import PARKS_DIR, ParkPlanDoc, dump_park_plan
from rivers.geo import project, unproject

ENTERPRISE_RADIUS_M = 4000.0
PARK_RADIUS_M = 3000.0
VALVE_TYPES = ("电动闸阀", "手动闸阀", "气动蝶阀", "手动插板阀")


def _offset(lon: float, lat: float, dx: float, dy: float) -> tuple[float, float]:
    x, y = project(lon, lat)
    olon, olat = unproject(float(x) + dx, float(y) + dy)
    return round(float(olon), 6), round(float(olat), 6)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    x1, y1 = project(*a)
    x2, y2 = project(*b)
    return math.hypot(float(x1) - float(x2), float(y1) - float(y2))


def _slug(n: int) -> str:
    return f"park-{n:02d}"


def _toward(a: tuple[float, float], b: tuple[float, float], metres: float) -> tuple[float, float]:
    """A point ``metres`` from ``a`` on the way to ``b`` (at most at ``b``)."""
    x1, y1 = project(*a)
    x2, y2 = project(*b)
    d = math.hypot(float(x2) - float(x1), float(y2) - float(y1))
    f = min(1.0, metres / d) if d > 0 else 0.0
    lon, lat = unproject(float(x1) + (float(x2) - float(x1)) * f,
                         float(y1) + (float(y2) - float(y1)) * f)
    return round(float(lon), 6), round(float(lat), 6)


def park_documents(network, plans, sources) -> list[ParkPlanDoc]:
    """One plan per chemical park of ``sources`` (the inventory's risk-source records)."""
    finder = PlanFinder(network, plans)
    parks = [s for s in sources if s.kind == "chemical_park"]
    enterprises = [s for s in sources if s.kind == "enterprise"]
    docs = []
    for n, park in enumerate(parks, start=1):
        rng = random.Random(f"jilin-eec-sample-park-{n}")
        centre = (park.lon, park.lat)
        outfall_at = ((park.outfall_lon, park.outfall_lat)
                      if park.outfall_lon is not None else (park.entry_lon, park.entry_lat))
        radius = PARK_RADIUS_M
        to_outfall = _metres(centre, outfall_at)
        reach = min(ENTERPRISE_RADIUS_M, radius - 200)
        linked = sorted((e for e in enterprises if e.county_zh == park.county_zh
                         and _metres(centre, (e.lon, e.lat)) <= reach),
                        key=lambda e: _metres(centre, (e.lon, e.lat)))[:2]
        ents = []
        for k in range(max(2, min(4, len(linked) + rng.randint(1, 2)))):
            if k < len(linked):
                src = linked[k]
                name, risk_name, at = src.name, src.name, (src.lon, src.lat)
            else:
                name = f"示例园区企业{n:02d}-{k + 1}"
                risk_name = None
                angle = rng.uniform(0, 2 * math.pi)
                r = rng.uniform(300, min(1500.0, radius * 0.6))
                at = _offset(*centre, r * math.cos(angle), r * math.sin(angle))
            rain_at = _toward(at, outfall_at, 120)
            pool = float(rng.choice((300, 500, 800, 1000, 1500, 2000, 3000)))
            closed = rng.random() < 0.5
            eid = f"e{k + 1}"
            ents.append({
                "id": eid, "name_zh": name, "risk_source_zh": risk_name,
                "lon": at[0], "lat": at[1],
                "accident_pool": {"volume_m3": pool,
                                  "in_use_m3": float(rng.choice((0, 0, 0, 50, 100)))},
                "bund_m3": float(rng.choice((0, 200, 500, 800, 1200))),
                "firewater_m3_per_h": float(rng.choice((216, 270, 324, 396, 540))),
                "outfalls": [
                    {"id": f"{eid}-rain", "kind": "rain", "name_zh": f"{name}雨水排口",
                     "lon": rain_at[0], "lat": rain_at[1],
                     "valve_type_zh": rng.choice(VALVE_TYPES), "normally_closed": closed,
                     "closer_zh": f"{name}当班班长(示例)",
                     "close_minutes": float(rng.choice((5, 10, 15, 20, 30))),
                     "runoff_minutes": float(rng.choice((3, 5, 8, 10)))},
                    {"id": f"{eid}-sewage", "kind": "sewage", "name_zh": f"{name}污水排口",
                     "lon": _toward(at, centre, 80)[0], "lat": _toward(at, centre, 80)[1],
                     "valve_type_zh": "手动闸阀", "normally_closed": False,
                     "closer_zh": f"{name}环保专员(示例)", "close_minutes": 15.0,
                     "runoff_minutes": 5.0},
                ],
            })
        # the gate stands where the rain main leaves the park
        gate_at = _toward(centre, outfall_at, min(radius * 0.8, max(0.0, to_outfall - 150)))
        has_gate = n % 4 != 0
        pools = [{"id": "pool-1", "name_zh": "园区公共应急池1(示例)",
                  "lon": _toward(centre, outfall_at, 400)[0],
                  "lat": _toward(centre, outfall_at, 400)[1],
                  "volume_m3": float(rng.choice((5000, 8000, 10000, 20000, 30000))),
                  "in_use_m3": float(rng.choice((0, 0, 500, 1000)))}]
        if rng.random() < 0.4:
            p2 = _offset(*centre, rng.uniform(-600, 600), rng.uniform(-600, 600))
            pools.append({"id": "pool-2", "name_zh": "园区公共应急池2(示例)", "lon": p2[0],
                          "lat": p2[1], "volume_m3": float(rng.choice((3000, 5000))),
                          "in_use_m3": 0.0})
        gates = ([{"id": "gate-1", "name_zh": "园区雨水总排口闸门(示例)", "lon": gate_at[0],
                   "lat": gate_at[1], "normally_closed": rng.random() < 0.3,
                   "closer_zh": "园区应急办值班员(示例)",
                   "close_minutes": float(rng.choice((15, 20, 30, 45)))}] if has_gate else [])
        first = finder.first(park.entry_seg_id)
        river_plans = [first[0].id] if first else []
        sites = _intercepts_below(network, plans, park)
        docs.append(ParkPlanDoc.model_validate({
            "id": _slug(n), "name_zh": park.name, "risk_source_zh": park.name,
            "prefecture_zh": park.prefecture_zh, "county_zh": park.county_zh, "sample": True,
            "lon": park.lon, "lat": park.lat, "radius_m": radius,
            "enterprises": ents,
            "park": {
                "pools": pools, "gates": gates,
                "outfalls": [{"id": "outfall-1", "name_zh": "园区雨水总排口(示例)",
                              "lon": outfall_at[0], "lat": outfall_at[1],
                              "gate": "gate-1" if has_gate else None}],
                "ditches": [{"id": "ditch-1", "name_zh": "园区应急导流渠(示例)",
                             "capacity_m3": float(rng.choice((500, 1000, 2000))),
                             "note_zh": "可将雨水管网来水导入公共应急池(示例)"}],
                "pumping_m3_per_h": float(rng.choice((300, 500, 800, 1200))),
                # the rain main runs at about 1 m/s: minutes from the plants to the outfall
                "runoff_minutes": float(max(10, 5 * round(to_outfall / 60 / 5))),
            },
            "river": {"plans": river_plans, "intercept_sites": sites},
            "contacts": [
                {"unit_zh": f"{park.name}管理机构(示例)", "role_zh": "园区应急办值班室(示例)",
                 "phone": park.phone},
                {"unit_zh": f"{park.county_zh}生态环境分局(示例)", "role_zh": "应急值班(示例)",
                 "phone": park.phone[:-4] + f"{rng.randint(1000, 9999)}"},
            ],
            "response_cards": _cards(),
            "readiness": {"pools_confirmed_on": f"2026-0{rng.randint(3, 5)}-{rng.randint(10, 28)}"
                          if rng.random() < 0.7 else None,
                          "valves_tested_on": f"2026-0{rng.randint(3, 5)}-{rng.randint(10, 28)}"
                          if rng.random() < 0.6 else None},
        }))
    return docs


def _intercepts_below(network, plans, park, most: int = 2) -> list[str]:
    """The first intercept sites downstream of the park's river entry."""
    try:
        snap = network.snap(park.entry_lon, park.entry_lat, segment_id=park.entry_seg_id)
    except Exception:  # noqa: BLE001 — a sample park off the network simply links no site
        return []
    trace = network.trace_downstream(snap.position)
    out: list[str] = []
    for piece in trace.pieces:
        for site in plans.sites_on_segment(piece.segment):
            if site.kind == "intercept" and \
                    piece.from_offset_m - 1e-6 <= site.offset_m <= piece.to_offset_m + 1e-6:
                out.append(site.id)
                if len(out) >= most:
                    return out
    return out


def _cards() -> dict:
    return {
        "fire_explosion": [
            {"text_zh": "立即关闭本企业雨水排口切断阀,开启事故应急池进水阀,消防废水全部导入事故池",
             "responsible_zh": "企业当班班长", "level": "enterprise"},
            {"text_zh": "围堰内物料转移或覆盖,防止随消防水流出",
             "responsible_zh": "企业应急救援队", "level": "enterprise"},
            {"text_zh": "事故池液位达 80% 时报告园区,启用园区公共应急池并关闭园区雨水总排口闸门",
             "responsible_zh": "园区应急办", "level": "park"},
            {"text_zh": "园区应急池将满时通知流域级:启动河流预案拦截点,开展下游加密监测",
             "responsible_zh": "县级生态环境分局", "level": "river"},
        ],
        "leak": [
            {"text_zh": "切断泄漏源,围堰截留,雨水排口切断阀确认关闭",
             "responsible_zh": "企业当班班长", "level": "enterprise"},
            {"text_zh": "泄漏物料用吸附材料收集,冲洗水导入事故应急池",
             "responsible_zh": "企业应急救援队", "level": "enterprise"},
            {"text_zh": "在园区雨水总排口采样监测,超标即关闭闸门",
             "responsible_zh": "园区应急办", "level": "park"},
        ],
        "firewater": [
            {"text_zh": "核算消防水量与事故池、园区应急池剩余容积,提前安排转输泵",
             "responsible_zh": "园区应急办", "level": "park"},
            {"text_zh": "启用应急导流渠将雨水管网来水导入公共应急池",
             "responsible_zh": "园区应急办", "level": "park"},
            {"text_zh": "消防废水可能外排时,通知下游取水口和拦截点做好准备",
             "responsible_zh": "县级生态环境分局", "level": "river"},
        ],
    }


def write_sample_parks(folder: Path = PARKS_DIR) -> list[Path]:
    """Regenerate the sample park plan files from the sample inventory and the river plans."""
    from emergency.inventory.sample import generate_sample
    from emergency.substances import load_catalogue
    from plans.loader import load_plans
    from rivers.loader import load_network

    network = load_network()
    plans = load_plans(network)
    sources = generate_sample(network, load_catalogue()).risk_sources
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in park_documents(network, plans, sources):
        path = folder / f"{doc.id}.yaml"
        header = (f"# {doc.name_zh} 一园一策一图(示例): 三级防控体系。"
                  "所有容积、时间、人员和电话均为示例数据,由 emergency/parks/sample.py 生成。\n")
        path.write_text(header + dump_park_plan(doc), "utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_sample_parks():
        print(p)
