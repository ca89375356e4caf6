"""Bootstrap the sample key-river plan files (示例“一河一策一图”预案文件的初始生成).

The YAML files in ``plans/rivers/`` are the source of truth: a data steward edits them, and this
script is only how the first, **sample** versions were made. It never overwrites a file unless
``--force`` is given. It is deterministic: the same network and data give byte-identical files.

Run::

    .venv/bin/python -m plans.tools.generate_sample_plans            # write missing files
    .venv/bin/python -m plans.tools.generate_sample_plans --force    # regenerate all
    .venv/bin/python -m plans.tools.generate_sample_plans --list     # list rivers, write nothing

Which rivers
    Every named river of the network with a reach inside Jilin (the province polygon is the
    primary unit somewhere along it: 45 rivers), plus the rivers in :data:`IDENTIFIED`, which were
    identified among the network's unnamed channels the way ``rivers/data/SOURCES.md`` names
    rivers: a published course (towns, receiving river and bank, basin area) matched against the
    channel, with the evidence written into the plan's ``identified`` section.

What is real and what is sample
    Real (from the bundled data): the river, its segments and km marks, the prefectures and
    counties it runs through, where it crosses prefecture/provincial/national boundaries, the
    seats of the cities it passes, the reservoirs it runs through (``lakes.geojson``).
    Sample (invented, and marked 示例 in every name and phone number): every intake, water source,
    monitoring section and point, intercept facility, storage volume, deploy time, operator,
    contact, phone number, population served and response measure.

How sites are placed (all on the river's own course, inside Jilin)
    * a drinking-water intake 3 km upstream of each city or county seat within 6 km of the river
      (each seat on its nearest river only); 长春 draws from 新立城水库 (伊通河) and 石头口门水库
      (饮马河), 四平 from 二龙山水库 (东辽河): these are water sources at the reservoirs;
    * monitoring sections where the river crosses a provincial boundary (省界, 国控) or a
      prefecture boundary inside Jilin (市界, 省控), along the national border on 图们江/鸭绿江,
      and at a tributary's mouth;
    * a dam at the downstream edge of every reservoir the river runs through, and one or two
      intercept sites (sluice/pond on plains rivers, reach/bridge on mountain rivers) upstream of
      the main receptor;
    * an upstream control monitoring point; an irrigation intake on plains rivers without a
      drinking-water intake. Three to eight sites per river.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.ops
import yaml
from shapely.geometry import shape
from shapely.ops import transform as shapely_transform

from plans.loader import PLANS_DIR
from rivers.geo import project, unproject
from rivers.loader import DATA_DIR, load_network
from rivers.network import RiverNetwork, named_rivers

STEP_M = 250.0
SEAT_REACH_M = 6000.0
INTAKE_UPSTREAM_M = 3000.0

SAMPLE_NOTE_ZH = (
    "本预案为系统演示用示例数据:河流、河段、流经行政区、行政边界与水库位置取自本系统河网数据;"
    "取水口、水源地、监测断面、拦截设施、库容、部署时间、责任单位、联系人电话、服务人口及处置措施"
    "均为示例(虚构),不代表真实情况,不得用于实际应急处置。正式使用前须由数据管理员以各地"
    "“一河一策一图”成果逐项替换,并将 sample 改为 false。"
)

AREA_CODES = {
    "长春市": "0431", "吉林市": "0432", "延边朝鲜族自治州": "0433", "四平市": "0434",
    "通化市": "0435", "白城市": "0436", "辽源市": "0437", "松原市": "0438", "白山市": "0439",
}
PROVINCE_SHORT = {"吉林省": "吉", "黑龙江省": "黑", "辽宁省": "辽", "内蒙古自治区": "蒙"}

# Rivers of the plains (sluices and ponds as intercept sites) — the rest are mountain rivers.
PLAINS_BASIN_PREFIX = "辽河水系"
PLAINS_RIVERS = {
    "yitong-he", "yinma-he", "wukai-he", "shuangyang-he", "mushi-he", "songhua-jiang", "nen-jiang",
    "taoer", "lalin-he", "chalu-he", "aolong-he",
}

# Seats that draw from a reservoir instead of an intake on the nearest river.
RESERVOIR_SOURCES = {
    # place key: [(lake name, plan id, facility type)]
    "长春市": [("新立城水库", "yitong-he"), ("石头口门水库", "yinma-he")],
    "四平市": [("二龙山水库", "dongliao-he")],
}
# Seats forced onto one river (nearest-river rule would pick a tributary).
SEAT_RIVER_OVERRIDES = {"通化市": "hun-jiang", "吉林市": "dier-songhua-jiang",
                        "松原市": "dier-songhua-jiang", "延吉市": "burhatong-he"}
DAM_NAMES = {"松花湖": ("丰满水电站大坝", "水电站"), "新立城水库": ("新立城水库大坝", "水库"),
             "石头口门水库": ("石头口门水库大坝", "水库"), "二龙山水库": ("二龙山水库大坝", "水库"),
             "月亮泡": ("月亮泡水库闸坝", "水库")}
SAMPLE_POPULATION = {
    "吉林市": 1_100_000, "长春市": 2_000_000, "四平市": 500_000, "辽源市": 350_000,
    "通化市": 400_000, "白山市": 300_000, "松原市": 450_000, "白城市": 300_000,
    "延吉市": 550_000,
}

# Rivers identified among the network's unnamed channels (evidence: see each entry).
IDENTIFIED: dict[str, dict[str, Any]] = {
    "lafa-he": {
        "name_zh": "拉法河", "name_en": "Lafa He", "seg_ids": [534], "confidence": "medium",
        "published": {
            "course_zh": "发源于蛟河市北部新站镇老爷岭东侧,向南流经新站镇平原村、复兴村等地和"
                         "拉法街道,于蛟河市区汇入蛟河;蛟河右岸支流",
            "length_km": 56.7, "area_km2": 885, "receiving_river_zh": "蛟河", "bank_zh": "右岸",
        },
        "evidence_zh": (
            "DEM 汇水面积 960 km²,比已发表的 885 km² 大 8.5%;河道由北向南,距蛟河市驻地 2.2 km,"
            "从右岸汇入蛟河(河网段 469)。另一候选 539→528(1154 km²,+30%)自东北而来、在市区汇入,"
            "但其河源靠近已发表的蛟河河源(二秃子山,44°01′N 127°35′E),应属蛟河上游(河网现把"
            "“蛟河”之名标在东南支 460 上,待核)。DEM 汇口在蛟河市驻地西南约 12 km,"
            "属平坦盆地中 D8 流向的误差,故置信度取 medium。"
        ),
        "sources": [
            "https://wiwikim.kfd.me/zh-hk/%E6%8B%89%E6%B3%95%E6%B2%B3",
            "https://zh-yue.m.wikipedia.org/wiki/%E8%9B%9F%E6%B2%B3",
        ],
    },
    "fengmi-he": {
        "name_zh": "蜂蜜河", "name_en": "Fengmi He", "seg_ids": [249], "confidence": "high",
        "published": {
            "course_zh": "发源于和龙市西部西城镇甲山村西南甑峰岭山脉老岭峰东麓,向东北流经甲山村、"
                         "卧龙村后转东流,经西城镇,于前进村以南汇入海兰江;海兰江左岸支流",
            "length_km": 55.4, "area_km2": 610, "receiving_river_zh": "海兰江", "bank_zh": "左岸",
        },
        "evidence_zh": (
            "DEM 汇水面积 619 km²,与已发表的 610 km² 相差 +1.5%;河道先东北后东流,从左岸汇入海兰江"
            "(河网段 265);海兰江左岸的支流河道中唯一面积相符者(另一条段 289 仅 316 km²)。"
        ),
        "sources": ["https://zh.m.wikipedia.org/wiki/%E8%9C%82%E8%9C%9C%E6%B2%B3"],
    },
    "wangqing-he": {
        "name_zh": "汪清河", "name_en": "Wangqing He", "seg_ids": [392, 395],
        "confidence": "medium",
        "published": {
            "course_zh": "嘎呀河左岸支流,在汪清县城附近汇入嘎呀河。嘎呀河自上而下的主要支流依次为"
                         "桦皮甸子河(左,东新)、春阳河(右,天桥岭)、鸡冠河(左,大兴沟)、前河(右,"
                         "大兴沟)、汪清河(左,汪清)、布尔哈通河(右)",
            "length_km": 83.3, "receiving_river_zh": "嘎呀河", "bank_zh": "左岸",
        },
        "evidence_zh": (
            "河网中嘎呀河的支流河道自上而下为 左462、右493、右422 与 左434(同处汇入)、左395、"
            "右布尔哈通河,与已发表的支流次序和岸别相符;段 395 距汪清县驻地 0.6 km(嘎呀河干流在县城"
            "以西 7.6 km),县城所在的河即汪清河;上游沿汇水面积较大的支流 392 上溯。已发表资料未给出"
            "流域面积(DEM 1218 km²);DEM 河道 48 km 加上未成河道的源头段对应已发表河长 83.3 km。"
            "故置信度取 medium。"
        ),
        "sources": [
            "https://ja-wiki.pages.dev/wiki/%E3%82%AB%E5%91%80%E6%B2%B3",
            "https://de.frwiki.wiki/wiki/Gaya_(rivi%C3%A8re)",
        ],
    },
    "hani-he": {
        "name_zh": "哈泥河", "name_en": "Hani He", "seg_ids": [168, 159, 114],
        "confidence": "medium",
        "published": {
            "course_zh": "浑江支流,浑江流域面积大于 500 km² 的十条支流之一;在通化境内,"
                         "河长约 137 km;柳河县境内有哈泥河河谷",
            "length_km": 137, "receiving_river_zh": "浑江",
        },
        "evidence_zh": (
            "河网中汇入浑江、且上游伸入柳河县的唯一河道:168(柳河县)→159(通化县)→114(通化市"
            "东昌区),在通化市区汇入浑江(距东昌区驻地 0.6 km),DEM 汇水面积 1501 km²(>500 km²)。"
            "另一条右岸支流 115(772 km²,经通化县城)只在通化县境内。柳河县有哈泥河河谷一事见柳河县"
            "土地资源概况(县政府公开资料的转载,在公开代码库中检索到,原地址不详)。已发表资料未给出"
            "流域面积;DEM 河道 80.7 km 加上源头段对应河长约 137 km。故置信度取 medium。"
        ),
        "sources": [
            "https://wikiwand.com/zh/%E6%B5%91%E6%B1%9F",
            "https://de.frwiki.wiki/wiki/Hunjiang_(rivi%C3%A8re)",
        ],
    },
}


# ---------------------------------------------------------------------- course sampling
@dataclass
class Course:
    """The plan river's main course, sampled every STEP_M from its head to its mouth."""

    segments: list[int]               # internal indices, head first
    seg: np.ndarray                   # per sample: segment index
    offset: np.ndarray                # per sample: offset on the segment (m)
    km: np.ndarray                    # per sample: km from the plan river's head
    xy: np.ndarray                    # per sample: projected x, y
    lonlat: np.ndarray
    province: list[str | None] = field(default_factory=list)
    prefecture: list[str | None] = field(default_factory=list)
    county: list[str | None] = field(default_factory=list)
    nation: list[str | None] = field(default_factory=list)
    jilin: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))       # primary unit
    jilin_near: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # within 1 km
    placeable: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))   # where sites go

    def at_km(self, km: float) -> int:
        """Index of the sample nearest to ``km``."""
        return int(np.clip(np.searchsorted(self.km, km), 0, len(self.km) - 1))


def course_of(net: RiverNetwork, seg_ids: Iterable[int]) -> Course:
    d = net.data
    own = {net.index(s) for s in seg_ids}
    head = max(own, key=lambda i: float(d.to_outlet_m[i] + d.length_m[i]))
    head_m = float(d.to_outlet_m[head] + d.length_m[head])
    segments, i = [], head
    while i >= 0 and i in own:
        segments.append(i)
        i = int(d.downstream[i])
    seg, off, km, xs, ys = [], [], [], [], []
    for i in segments:
        length = float(d.length_m[i])
        offs = np.append(np.arange(0.0, length, STEP_M), length)
        vm, xy = d.vertex_m[i], d.coords_xy[i]
        seg.append(np.full(len(offs), i))
        off.append(offs)
        km.append((head_m - (float(d.to_outlet_m[i]) + length - offs)) / 1000.0)
        xs.append(np.interp(offs, vm, xy[:, 0]))
        ys.append(np.interp(offs, vm, xy[:, 1]))
    x, y = np.concatenate(xs), np.concatenate(ys)
    lon, lat = unproject(x, y)
    course = Course(segments, np.concatenate(seg), np.concatenate(off), np.concatenate(km),
                    np.column_stack([x, y]), np.column_stack([lon, lat]))
    for level, attr in (("province", "province"), ("prefecture", "prefecture"),
                        ("county", "county"), ("nation", "nation")):
        units = net.admin.units[level]
        names: list[str | None] = []
        for i, o in zip(course.seg.tolist(), course.offset.tolist(), strict=True):
            runs = d.runs[i][level]
            k = max(bisect_right(runs.starts, o) - 1, 0)
            p = runs.primary[k]
            unit = units[p] if p >= 0 else None
            if level in ("prefecture", "county") and unit is not None and not unit.is_jilin:
                names.append(None)
            else:
                names.append(unit.name_zh if unit is not None else None)
        setattr(course, attr, names)
    course.jilin = np.array([p == "吉林省" for p in course.province])
    jilin_index = next(k for k, u in enumerate(net.admin.units["province"]) if u.is_jilin)
    near = []
    for i, o in zip(course.seg.tolist(), course.offset.tolist(), strict=True):
        runs = d.runs[i]["province"]
        k = max(bisect_right(runs.starts, o) - 1, 0)
        near.append(jilin_index in runs.reached[k])
    course.jilin_near = np.array(near) | course.jilin
    # Sites go where Jilin is the primary unit, unless the river mostly runs along a boundary
    # (拉林河, 嫩江, 松花江, 鸭绿江, 富尔江): then anywhere within 1 km of Jilin.
    strict, loose = int(course.jilin.sum()), int(course.jilin_near.sum())
    course.placeable = course.jilin if strict >= 0.5 * loose else course.jilin_near
    return course


# ---------------------------------------------------------------------- places and lakes
@dataclass(frozen=True)
class Place:
    key: str          # name used in site names, e.g. "吉林市", "榆树市", "长春市双阳区"
    level: str        # prefecture_city | county_city
    xy: tuple[float, float]
    prefecture: str
    name_en: str | None


def served_places(net: RiverNetwork) -> list[Place]:
    """Cities and county towns an intake can serve: prefecture cities (设区的市) at their seat,
    outlying districts on their own, county-level cities and counties (县级城市)."""
    features = json.loads((DATA_DIR / "places.geojson").read_text("utf-8"))["features"]
    seats = [f for f in features if f["properties"].get("adcode")]
    pref_xy: dict[str, tuple[float, float]] = {}
    pref_name_of: dict[int, str] = {}
    for f in seats:
        p = f["properties"]
        if p["level"] in ("prefecture_seat", "province_capital"):
            x, y = project(*f["geometry"]["coordinates"])
            pref_xy[p["name_zh"]] = (float(x), float(y))
            pref_name_of[int(p["adcode"])] = p["name_zh"]
    out: list[Place] = []
    for f in seats:
        p = f["properties"]
        x, y = (float(v) for v in project(*f["geometry"]["coordinates"]))
        name = p["name_zh"]
        if p["level"] in ("prefecture_seat", "province_capital"):
            if name == "延边朝鲜族自治州":
                continue  # the seat is 延吉市, a county-level city (listed below)
            out.append(Place(name, "prefecture_city", (x, y), name, p.get("name_en")))
            continue
        prefecture = pref_name_of.get(int(p["adcode"]) // 100 * 100, "")
        if name.endswith("区"):
            px, py = pref_xy.get(prefecture, (x, y))
            if np.hypot(x - px, y - py) < 8000:
                continue  # an urban district: served by the prefecture city's intake
            out.append(Place(f"{prefecture}{name}", "prefecture_city", (x, y), prefecture,
                             p.get("name_en")))
        else:
            out.append(Place(name, "county_city", (x, y), prefecture or "延边朝鲜族自治州",
                             p.get("name_en")))
    return out


def lake_polygons() -> dict[str, Any]:
    features = json.loads((DATA_DIR / "lakes.geojson").read_text("utf-8"))["features"]
    out = {}
    for f in features:
        name = f["properties"].get("name_zh")
        if name in DAM_NAMES:
            out[name] = shapely_transform(lambda x, y, z=None: project(x, y),
                                          shape(f["geometry"]))
    return out


# ---------------------------------------------------------------------- plan river list
@dataclass
class PlanRiver:
    id: str
    name_zh: str
    name_en: str | None
    basin: str
    seg_ids: tuple[int, ...]
    identified: dict[str, Any] | None
    course: Course | None = None


def plan_rivers(net: RiverNetwork) -> list[PlanRiver]:
    out = []
    for r in named_rivers(net.data):
        out.append(PlanRiver(r.id, r.name_zh, r.name_en, r.basin, r.seg_ids, None))
    for rid, spec in IDENTIFIED.items():
        mouth = net.index(spec["seg_ids"][-1])
        out.append(PlanRiver(rid, spec["name_zh"], spec["name_en"], net.data.basin[mouth],
                             tuple(spec["seg_ids"]), spec))
    kept = []
    for river in out:
        river.course = course_of(net, river.seg_ids)
        if river.course.jilin.any():
            kept.append(river)
    return kept


# ---------------------------------------------------------------------- helpers
def digits(*parts: object) -> int:
    """A stable small number from text (for sample phone numbers and volumes)."""
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def fake_phone(prefecture: str, *parts: object) -> str:
    code = AREA_CODES.get(prefecture, "0431")
    return f"{code}-8xxxxx{digits(prefecture, *parts) % 100:02d}(示例)"


def round_to(value: float, step: float) -> int:
    return int(max(step, round(value / step) * step))


def jilin_span(course: Course) -> tuple[float, float]:
    km = course.km[course.placeable]
    return float(km.min()), float(km.max())


@dataclass
class SiteSpec:
    group: str                # receptors | facilities | monitoring
    km: float
    data: dict[str, Any]

    def lonlat(self, course: Course, jilin: Any = None) -> tuple[float, float]:
        """On the river line; a bank site (intake, monitoring point) on a boundary river is
        moved onto the Jilin bank when the line itself lies across the boundary."""
        k = course.at_km(self.km)
        x, y = course.xy[k]
        bank_site = self.group == "monitoring" or self.data.get("kind") in (
            "intake", "water_source", "irrigation_intake")
        if jilin is not None and bank_site and not jilin.contains(shapely.Point(x, y)):
            edge = shapely.ops.nearest_points(jilin.boundary, shapely.Point(x, y))[0]
            inward = np.array([edge.x - x, edge.y - y])
            norm = float(np.hypot(*inward))
            if 0 < norm < 2000:
                x, y = np.array([x, y]) + inward * (norm + 150.0) / norm
        lon, lat = unproject(float(x), float(y))
        return round(float(lon), 5), round(float(lat), 5)


def pick(course: Course, km: float) -> float:
    """The nearest sampled km to ``km`` where a site may go (see ``Course.placeable``)."""
    candidates = course.km[course.placeable]
    return float(candidates[np.argmin(np.abs(candidates - km))])


def _nearest_named(names: list[str | None], k: int) -> str | None:
    """The Jilin unit at sample ``k``, else the nearest one along the course."""
    for step in range(len(names)):
        for j in (k - step, k + step):
            if 0 <= j < len(names) and names[j]:
                return names[j]
    return None


def county_at(course: Course, km: float) -> str | None:
    return _nearest_named(course.county, course.at_km(km))


def prefecture_at(course: Course, km: float) -> str | None:
    return _nearest_named(course.prefecture, course.at_km(km))


def short_unit(name: str) -> str:
    return "延边州" if name == "延边朝鲜族自治州" else name


# ---------------------------------------------------------------------- sites
def boundary_sections(river: PlanRiver, border: bool) -> list[SiteSpec]:
    c = river.course
    assert c is not None
    out: list[SiteSpec] = []
    lo, hi = jilin_span(c)
    name = river.name_zh
    province = c.province

    if border:
        country = "朝鲜"
        for frac, label in ((0.1, "上游"), (0.95, "下游")):
            km = pick(c, lo + frac * (hi - lo))
            county = county_at(c, km) or ""
            out.append(SiteSpec("receptors", km, {
                "kind": "section", "name_zh": f"{name}中朝界河{county}{label}断面(示例)",
                "section_level": "national", "cross_boundary": True,
                "boundary_zh": f"中国—{country}(界河)",
            }))
        return out

    if not c.jilin[0]:
        k = int(np.argmax(c.jilin))
        other = next((p for p in reversed(province[:k]) if p and p != "吉林省"), None)
        if other:
            km = pick(c, float(c.km[k]) + 0.5)
            short = PROVINCE_SHORT.get(other, other[:1])
            out.append(SiteSpec("receptors", km, {
                "kind": "section", "name_zh": f"{name}{short}吉省界入境断面(示例)",
                "section_level": "national", "cross_boundary": True,
                "boundary_zh": f"{other}—吉林省",
            }))
    if not c.jilin[-1]:
        k = len(c.jilin) - 1 - int(np.argmax(c.jilin[::-1]))
        other = next((p for p in province[k + 1:] if p and p != "吉林省"), None)
        if other and not (out and abs(out[0].km - float(c.km[k])) < 10):
            km = pick(c, float(c.km[k]) - 0.5)
            short = PROVINCE_SHORT.get(other, other[:1])
            out.append(SiteSpec("receptors", km, {
                "kind": "section", "name_zh": f"{name}吉{short}省界出境断面(示例)",
                "section_level": "national", "cross_boundary": True,
                "boundary_zh": f"吉林省—{other}",
            }))
    # Prefecture boundaries inside Jilin: first crossing of each pair.
    seen: set[frozenset[str]] = set()
    prev: str | None = None
    for k, pref in enumerate(c.prefecture):
        if not c.jilin[k] or pref is None:
            continue
        if prev is not None and pref != prev and frozenset((prev, pref)) not in seen:
            seen.add(frozenset((prev, pref)))
            km = float(c.km[k])
            if all(abs(km - s.km) > 8 for s in out) and len(out) < 3:
                label = f"{short_unit(prev)}—{short_unit(pref)}"
                out.append(SiteSpec("receptors", pick(c, km - 0.5), {
                    "kind": "section", "name_zh": f"{name}{label}界断面(示例)",
                    "section_level": "provincial", "cross_boundary": True,
                    "boundary_zh": f"{prev}—{pref}",
                }))
        prev = pref
    return out


def drinking_water_sites(river: PlanRiver, places: Sequence[Place], assignment: dict[str, str],
                         lakes: dict[str, Any]) -> list[SiteSpec]:
    c = river.course
    assert c is not None
    out: list[SiteSpec] = []
    lo, _ = jilin_span(c)
    for place_key, sources in RESERVOIR_SOURCES.items():
        for lake_name, plan_id in sources:
            if plan_id != river.id or lake_name not in lakes:
                continue
            dam_km = reservoir_dam_km(c, lakes[lake_name])
            if dam_km is None:
                continue
            km = pick(c, dam_km - 1.5)
            out.append(SiteSpec("receptors", km, {
                "kind": "water_source", "name_zh": f"{lake_name}饮用水水源地(示例)",
                "place_level": "prefecture_city", "serves_zh": f"{place_key}城区(示例)",
                "population_served": SAMPLE_POPULATION[place_key] // len(sources),
                "backup_source_zh": backup_for(place_key, lake_name),
                "capacity_m3_per_day": round_to(SAMPLE_POPULATION[place_key] // len(sources)
                                                * 0.3, 10_000),
            }))
    mine = [p for p in places if assignment.get(p.key) == river.id]
    mine.sort(key=lambda p: (p.level != "prefecture_city", p.key))
    kept: list[Place] = []
    for place in mine:  # one intake per town: a county seat inside a city is served by the city
        if all(np.hypot(place.xy[0] - o.xy[0], place.xy[1] - o.xy[1]) > 5000 for o in kept):
            kept.append(place)
    for place in kept[:3]:
        point = shapely.Point(place.xy)
        dists = shapely.distance(shapely.points(c.xy[:, 0], c.xy[:, 1]), point)
        dists = np.where(c.jilin_near, dists, np.inf)
        k = int(np.argmin(dists))
        km = pick(c, max(lo, float(c.km[k]) - INTAKE_UPSTREAM_M / 1000))
        population = SAMPLE_POPULATION.get(place.key) or (
            150_000 if place.level == "prefecture_city" else
            120_000 if place.key.endswith("市") else 60_000)
        note = None
        if place.key == "延吉市":
            note = ("延吉市为延边朝鲜族自治州州府,但属县级市(非设区的市);"
                    "事件分级按县级城市,须由主管部门确认(示例说明)")
        data = {
            "kind": "intake", "name_zh": f"{place.key}{river.name_zh}取水口(示例)",
            "place_level": place.level, "serves_zh": f"{place.key}城区(示例)",
            "population_served": population,
            "backup_source_zh": backup_for(place.key, None),
            "capacity_m3_per_day": round_to(population * 0.3, 10_000),
        }
        if place.name_en:
            river_en = (river.name_en or river.name_zh).split(" (")[0]
            data["name_en"] = f"{place.name_en} intake on the {river_en} (sample)"
        if note:
            data["note_zh"] = note
        out.append(SiteSpec("receptors", km, data))
    return out


def backup_for(place_key: str, lake_name: str | None) -> str:
    if place_key == "长春市":
        other = "石头口门水库" if lake_name == "新立城水库" else "新立城水库"
        return f"{other}水源地互为备用,另有地下水应急水源(示例)"
    return f"{place_key}地下水应急备用水源(示例)"


def reservoir_dam_km(c: Course, polygon: Any) -> float | None:
    """The most downstream course sample within 1.5 km of the reservoir, if in Jilin."""
    pts = shapely.points(c.xy[:, 0], c.xy[:, 1])
    near = (shapely.distance(pts, polygon) < 1500) & c.jilin_near
    if not near.any():
        return None
    return float(c.km[np.flatnonzero(near)[-1]])


FACILITY_TECHNIQUES = {
    "闸": ["闸坝调控", "投药/中和/沉淀", "清污分流"],
    "坝": ["闸坝调控", "调水稀释", "投药/中和/沉淀"],
    "水电站": ["闸坝调控", "调水稀释", "投药/中和/沉淀"],
    "水库": ["闸坝调控", "调水稀释", "投药/中和/沉淀"],
    "桥": ["吸附/打捞", "活性炭吸附坝"],
    "涵洞": ["筑坝拦截", "导流/分流"],
    "坑塘": ["导流/分流", "清污分流"],
    "河道": ["筑坝拦截", "活性炭吸附坝", "投药/中和/沉淀"],
}
DEPLOY_HOURS = {"闸": 1, "坝": 1, "水电站": 1, "水库": 1, "桥": 2, "涵洞": 3, "坑塘": 4,
                "河道": 8}


def facility(river: PlanRiver, km: float, name: str, ftype: str, storage: float) -> SiteSpec:
    c = river.course
    assert c is not None
    pref = prefecture_at(c, km) or "长春市"
    county = county_at(c, km) or pref
    operator = f"{county}水利局(示例)" if ftype not in ("水电站", "水库") else \
        f"{name.removesuffix('(示例)').removesuffix('大坝').removesuffix('闸坝')}运行管理单位(示例)"
    return SiteSpec("facilities", km, {
        "name_zh": name, "facility_type": ftype, "storage_m3": int(storage),
        "techniques": list(FACILITY_TECHNIQUES[ftype]),
        "operator_zh": operator, "contact_zh": "运行值班室(示例)",
        "phone": fake_phone(pref, river.id, name), "deploy_hours": DEPLOY_HOURS[ftype],
    })


def facility_sites(river: PlanRiver, receptors: list[SiteSpec], lakes: dict[str, Any],
                   net: RiverNetwork) -> list[SiteSpec]:
    c = river.course
    assert c is not None
    out: list[SiteSpec] = []
    d = net.data
    for lake_name, polygon in lakes.items():
        km = reservoir_dam_km(c, polygon)
        if km is None or float(c.km[-1]) - km < 3.0:
            continue  # the river does not pass the dam (it ends in the reservoir)
        dam_name, ftype = DAM_NAMES[lake_name]
        volumes = d.hydraulics.get("reservoir_volume_m3")
        held = float(sum(volumes[i] for i in c.segments if d.reservoirs[i] == lake_name)) \
            if volumes is not None else 0.0
        if held <= 0:
            held = float(polygon.area) * 5.0
        out.append(facility(river, km, f"{dam_name}(示例)", ftype,
                            round_to(held * 0.02, 10_000)))
    lo, hi = jilin_span(c)
    plains = river.basin.startswith(PLAINS_BASIN_PREFIX) or river.id in PLAINS_RIVERS
    drinking = [r for r in receptors if r.data["kind"] in ("intake", "water_source")]
    targets = sorted(drinking, key=lambda r: r.km)[:1] or []
    generic_kms: list[float] = []
    if targets:
        generic_kms.append(max(lo + 0.5, targets[0].km - 10.0))
    else:
        generic_kms.append(lo + 0.4 * (hi - lo))
    if hi - lo > 80:
        generic_kms.append(lo + 0.7 * (hi - lo))
    area = d.upstream_area_km2
    for n, km in enumerate(generic_kms):
        km = pick(c, km)
        if any(abs(km - s.km) < 3 for s in out):
            continue
        county = county_at(c, km) or ""
        i = int(c.seg[c.at_km(km)])
        a = float(area[i])
        if plains:
            ftype = "闸" if n == 0 else "坑塘"
            storage = round_to(min(max(a * 60, 100_000), 2_000_000), 10_000) if ftype == "闸" \
                else round_to(min(max(a * 20, 50_000), 400_000), 10_000)
            label = "拦河闸" if ftype == "闸" else "沿岸坑塘"
        else:
            ftype = "河道" if n == 0 else "桥"
            storage = round_to(min(max(a * 25, 30_000), 500_000), 10_000) if ftype == "河道" \
                else 0
            label = "筑坝拦截点" if ftype == "河道" else "公路桥拦截点"
        out.append(facility(river, km, f"{river.name_zh}{county}段{label}(示例)", ftype,
                            storage))
    return out


def monitoring_sites(river: PlanRiver, receptors: list[SiteSpec]) -> list[SiteSpec]:
    c = river.course
    assert c is not None
    lo, hi = jilin_span(c)
    km = pick(c, min(lo + 2.0, lo + 0.1 * (hi - lo)))
    county = county_at(c, km) or ""
    params = ["pH", "化学需氧量", "氨氮", "石油类", "挥发酚", "氰化物",
              "重金属(铅、镉、汞、砷、六价铬)"]
    out = [SiteSpec("monitoring", km, {
        "name_zh": f"{river.name_zh}{county}段上游对照监测点(示例)",
        "parameters_zh": params, "frequency_zh": "应急期间每 2 小时一次,常规每月一次(示例)",
    })]
    drinking = sorted((r for r in receptors if r.data["kind"] in ("intake", "water_source")),
                      key=lambda r: r.km)
    if drinking and hi - lo > 60:
        target = drinking[0]
        km2 = pick(c, target.km - 5.0)
        if abs(km2 - km) > 3:
            place = target.data["serves_zh"].removesuffix("(示例)").removesuffix("城区")
            out.append(SiteSpec("monitoring", km2, {
                "name_zh": f"{place}取水口上游预警监测点(示例)",
                "parameters_zh": params, "frequency_zh": "应急期间每 1 小时一次(示例)",
            }))
    return out


def mouth_section(river: PlanRiver, downstream_name: str | None) -> SiteSpec | None:
    c = river.course
    assert c is not None
    if downstream_name is None or not c.jilin[-1]:
        return None
    km = pick(c, float(c.km[-1]) - 1.0)
    return SiteSpec("receptors", km, {
        "kind": "section", "name_zh": f"{river.name_zh}入{downstream_name}河口断面(示例)",
        "section_level": "provincial", "cross_boundary": False,
    })


def irrigation_site(river: PlanRiver) -> SiteSpec:
    c = river.course
    assert c is not None
    lo, hi = jilin_span(c)
    km = pick(c, lo + 0.6 * (hi - lo))
    county = county_at(c, km) or ""
    return SiteSpec("receptors", km, {
        "kind": "irrigation_intake", "name_zh": f"{river.name_zh}{county}灌区取水口(示例)",
        "serves_zh": f"{county}沿河灌区(示例)",
        "irrigated_area_mu": round_to(20_000 + digits(river.id) % 80_000, 1000),
    })


# ---------------------------------------------------------------------- response cards
def response_cards(river: PlanRiver, sites: list[SiteSpec], border_country: str | None,
                   downstream_province: str | None, main_pref: str) -> dict[str, list[dict]]:
    name = river.name_zh
    facs = sorted((s for s in sites if s.group == "facilities"), key=lambda s: s.km)

    def site_for(technique: str) -> str:
        """The most upstream facility that can apply the technique (else any facility)."""
        fit = [s for s in facs if technique in s.data["techniques"]] or facs
        return fit[0].data["name_zh"] if fit else "事发点下游适宜河段"

    intercept = site_for("吸附/打捞")
    drinking = [s for s in sites if s.group == "receptors"
                and s.data["kind"] in ("intake", "water_source")]
    intake = drinking[0].data["name_zh"] if drinking else "下游取水口"
    dilution = next((s.data["name_zh"] for s in facs
                     if s.data["facility_type"] in ("水电站", "水库", "闸")), None)
    local = "事发地县级人民政府"
    eco = f"{main_pref}生态环境局"
    water = f"{main_pref}水利局、供水企业"

    def m(text: str, who: str, group: str, hours: float | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"text_zh": text, "responsible_zh": who, "group": group}
        if hours is not None:
            out["deadline_h"] = hours
        return out

    def common_tail(extra_monitor: str) -> list[dict]:
        tail = [
            m(f"在事发点上游对照、{intercept}及{intake}设应急监测断面,监测{extra_monitor},"
              "初期加密、浓度回落后逐步减频", eco, "应急监测", 2),
            m(f"通知{intake}运营单位加密进水监测;污染团到达前关闭取水口,启用备用水源", water,
              "现场污染处置", 4),
            m("取水口关闭期间组织瓶装水、桶装水和送水车保障供应,防止哄抬价格",
              f"{main_pref}市场监督管理局、商务局", "市场监管和调控", 12),
            m("统一发布事件、停水和供水信息,及时回应社会关切", f"{main_pref}人民政府新闻办公室",
              "信息发布和舆论引导", 5),
            m(f"在{name}沿岸设置警示标志,禁止取水、捕捞、游泳和放牧饮水",
              "公安机关、沿岸乡镇人民政府", "维护社会稳定", 6),
        ]
        if downstream_province:
            tail.append(m(f"向下游{downstream_province}通报污染团位置、浓度和预计到达时间",
                          "吉林省生态环境厅", "信息发布和舆论引导", 2))
        if border_country:
            tail.append(m(f"经省人民政府报请国家有关部门向{border_country}通报,"
                          "视需要请求或提供援助", "吉林省人民政府外事办公室、吉林省生态环境厅",
                          "国际通报和援助", 24))
        return tail

    cards = {
        "petroleum": [
            m("立即切断泄漏源,封堵雨水排口,防止油品继续入河", "事发单位、" + local,
              "现场污染处置", 1),
            m(f"在事发点下游及{intercept}布设两道以上围油栏,投放吸油毡、吸油棉吸附打捞浮油",
              local, "现场污染处置", 3),
            m("冰封期在冰面开槽凿孔收集油污;回收的油污和吸油材料按危险废物处置", local,
              "现场污染处置", 24),
            *common_tail("石油类、化学需氧量"),
        ],
        "toxic_organic": [
            m("切断污染源,围堵、收集泄漏物,防止继续入河", "事发单位、" + local,
              "现场污染处置", 1),
            m(f"在{site_for('活性炭吸附坝')}构筑多级活性炭吸附坝;必要时闸坝调控,减缓污染团下泄",
              local + "、水利部门", "现场污染处置", 8),
            m("对挥发性强的泄漏物,疏散下风向和沿岸受影响群众", local, "转移安置人员", 2),
            m("组织医疗救护力量,救治中毒和受伤人员", f"{main_pref}卫生健康委员会", "医学救援", 2),
            *common_tail("特征污染物(苯系物、硝基苯等)和挥发性有机物"),
        ],
        "heavy_metal": [
            m("切断污染源(尾矿库、渣场、排口),封堵溢流", "事发单位、" + local, "现场污染处置", 2),
            m(f"在{site_for('投药/中和/沉淀')}投加石灰、絮凝剂,碱性沉淀或混凝沉淀去除重金属;"
              "事后清理受污染底泥",
              local, "现场污染处置", 12),
            m("禁止沿岸受影响区域的水产品、农产品上市销售",
              f"{main_pref}市场监督管理局、农业农村局", "市场监管和调控", 24),
            m("对沿岸饮水人群开展健康筛查", f"{main_pref}卫生健康委员会", "医学救援", 24),
            *common_tail("铅、镉、汞、砷、六价铬、铊等特征重金属"),
        ],
        "acid_base": [
            m("切断泄漏源,围堵泄漏的酸碱液体", "事发单位、" + local, "现场污染处置", 1),
            m(f"在{site_for('投药/中和/沉淀')}投加中和剂(酸性物质用石灰或碳酸钠,"
              "碱性物质用稀酸),控制出水 pH 6–9",
              local, "现场污染处置", 6),
            m("挥发出酸雾、氨气时疏散下风向群众", local, "转移安置人员", 2),
            m("救治灼伤和吸入中毒人员", f"{main_pref}卫生健康委员会", "医学救援", 2),
            *common_tail("pH 及特征离子(每 30 分钟一次)"),
        ],
        "cyanide": [
            m("切断含氰废水或泄漏源,围堵收集", "事发单位、" + local, "现场污染处置", 1),
            m(f"在{site_for('投药/中和/沉淀')}先调 pH ≥ 10,再投加次氯酸钠碱性氯化破氰", local,
              "现场污染处置", 8),
            m("疏散沿岸可能接触污染水体的群众", local, "转移安置人员", 4),
            m("储备并调运氰化物中毒解毒药品,救治中毒人员", f"{main_pref}卫生健康委员会",
              "医学救援", 2),
            *common_tail("氰化物(初期每小时一次)"),
        ],
        "nutrient_other": [
            m("查明并切断超标排放源(污水处理厂、养殖尾水、排口)", local, "现场污染处置", 4),
            m(f"{'利用' + dilution + '调水稀释' if dilution else '导流、分流,减少污染水体下泄'};"
              "打捞死鱼并无害化处置", local + "、水利部门", "现场污染处置", 12),
            m("禁止受影响河段的水产品上市销售", f"{main_pref}市场监督管理局", "市场监管和调控", 24),
            *common_tail("氨氮、总磷、化学需氧量、溶解氧"),
        ],
    }
    return cards


# ---------------------------------------------------------------------- assembly
def assign_places(rivers: Sequence[PlanRiver], places: Sequence[Place]) -> dict[str, str]:
    """Each place to its nearest plan river (within SEAT_REACH_M, on the river's Jilin course)."""
    out: dict[str, str] = {}
    pts = {r.id: shapely.points(r.course.xy[:, 0], r.course.xy[:, 1]) for r in rivers
           if r.course is not None}
    ids = {r.id for r in rivers}
    for place in places:
        if place.key in RESERVOIR_SOURCES:
            continue
        if place.key in SEAT_RIVER_OVERRIDES and SEAT_RIVER_OVERRIDES[place.key] in ids:
            out[place.key] = SEAT_RIVER_OVERRIDES[place.key]
            continue
        best: tuple[float, str] | None = None
        for r in rivers:
            assert r.course is not None
            dist = shapely.distance(pts[r.id], shapely.Point(place.xy))
            dist = np.where(r.course.jilin_near, dist, np.inf)
            value = float(dist.min())
            if value <= SEAT_REACH_M and (best is None or value < best[0]):
                best = (value, r.id)
        if best:
            out[place.key] = best[1]
    return out


def links(net: RiverNetwork, rivers: Sequence[PlanRiver]) -> tuple[dict[str, list[str]],
                                                                   dict[str, str | None]]:
    plan_of: dict[int, str] = {}
    for r in rivers:
        for s in r.seg_ids:
            plan_of[net.index(s)] = r.id
    downstream: dict[str, str | None] = {}
    for r in rivers:
        assert r.course is not None
        i = int(net.data.downstream[r.course.segments[-1]])
        while i >= 0 and plan_of.get(i) in (None, r.id):
            i = int(net.data.downstream[i])
        downstream[r.id] = plan_of.get(i) if i >= 0 else None
    upstream: dict[str, list[str]] = {r.id: [] for r in rivers}
    for rid, down in downstream.items():
        if down:
            upstream[down].append(rid)
    return upstream, downstream


def admin_lists(course: Course) -> tuple[list[str], list[str]]:
    prefectures: list[str] = []
    counties: list[str] = []
    for k in np.flatnonzero(course.jilin).tolist():
        p, c = course.prefecture[k], course.county[k]
        if p and p not in prefectures:
            prefectures.append(p)
        if c and c not in counties:
            counties.append(c)
    return prefectures, counties


PRIORITY = {"intake": 0, "water_source": 0, "section": 1, "dam": 2, "intercept": 3,
            "monitoring": 4, "irrigation_intake": 5}


def _priority(spec: SiteSpec) -> int:
    if spec.group == "facilities":
        return PRIORITY["dam" if spec.data["facility_type"] in ("水电站", "水库") else "intercept"]
    if spec.group == "monitoring":
        return PRIORITY["monitoring"]
    return PRIORITY[spec.data["kind"]]


def trim_and_space(c: Course, receptors: list[SiteSpec], facilities: list[SiteSpec],
                   monitoring: list[SiteSpec], *, most: int = 8, gap_km: float = 0.8
                   ) -> tuple[list[SiteSpec], list[SiteSpec], list[SiteSpec]]:
    """At most ``most`` sites (dropping the least important first), none closer than ``gap_km``
    to another along the river (a later one moves downstream, or upstream at the end)."""
    sites = sorted(receptors + facilities + monitoring, key=_priority)[:most]
    lo, hi = jilin_span(c)
    placed: list[SiteSpec] = []
    for spec in sites:  # most important first keep their places
        km = spec.km
        for _ in range(20):
            if all(abs(km - other.km) >= gap_km for other in placed):
                break
            km = km + gap_km if km + gap_km <= hi else km - gap_km
        spec.km = pick(c, max(lo, min(hi, km)))
        placed.append(spec)
    return ([s for s in placed if s.group == "receptors"],
            [s for s in placed if s.group == "facilities"],
            [s for s in placed if s.group == "monitoring"])


def build_plan(net: RiverNetwork, river: PlanRiver, places: Sequence[Place],
               assignment: dict[str, str], lakes: dict[str, Any],
               upstream: list[str], downstream: str | None, names: dict[str, str]) -> dict:
    c = river.course
    assert c is not None
    border = river.name_zh in ("图们江", "鸭绿江")
    receptors = boundary_sections(river, border)
    receptors += drinking_water_sites(river, places, assignment, lakes)
    facilities = facility_sites(river, receptors, lakes, net)
    monitoring = monitoring_sites(river, receptors)
    sections = [r for r in receptors if r.data["kind"] == "section"]
    if len(sections) < 2:
        mouth = mouth_section(river, names.get(downstream) if downstream else None)
        if mouth and all(abs(mouth.km - s.km) > 3 for s in receptors):
            receptors.append(mouth)
    plains = river.basin.startswith(PLAINS_BASIN_PREFIX) or river.id in PLAINS_RIVERS
    if not any(r.data["kind"] in ("intake", "water_source") for r in receptors) and plains:
        receptors.append(irrigation_site(river))
    if len(receptors) + len(facilities) + len(monitoring) < 3:
        receptors.append(irrigation_site(river))
    receptors, facilities, monitoring = trim_and_space(c, receptors, facilities, monitoring)

    prefectures, counties = admin_lists(c)
    main_pref = prefectures[0] if prefectures else "长春市"
    if any(r.data["kind"] in ("intake", "water_source") for r in receptors):
        main_pref = next(prefecture_at(c, r.km) for r in sorted(receptors, key=lambda r: r.km)
                         if r.data["kind"] in ("intake", "water_source")) or main_pref

    exit_province = None
    if not c.jilin[-1]:
        k = len(c.jilin) - 1 - int(np.argmax(c.jilin[::-1]))
        exit_province = next((p for p in c.province[k + 1:] if p and p != "吉林省"), None)
    border_country = international_neighbour(net, river)

    all_sites = receptors + facilities + monitoring
    cards = response_cards(river, all_sites, border_country, exit_province, main_pref)

    doc: dict[str, Any] = {
        "id": river.id,
        "name_zh": river.name_zh,
        "name_en": river.name_en,
        "basin": river.basin,
        "sample": True,
        "sample_note_zh": SAMPLE_NOTE_ZH,
        "prefectures": prefectures,
        "counties": counties,
        "upstream": sorted(upstream),
        "downstream": [downstream] if downstream else [],
    }
    if river.identified:
        doc["identified"] = identified_section(net, river)

    jilin = next(poly for poly, u in zip(net.admin.polygons["province"],
                                         net.admin.units["province"], strict=True) if u.is_jilin)

    def emit(specs: list[SiteSpec], prefix: str) -> list[dict]:
        out = []
        counters: dict[str, int] = {}
        for spec in sorted(specs, key=lambda s: s.km):
            lon, lat = spec.lonlat(c, jilin)
            data = dict(spec.data)
            kind = data.get("kind")
            local = prefix if kind is None else {"intake": "intake", "water_source": "source",
                                                 "section": "section",
                                                 "irrigation_intake": "irrigation"}[kind]
            counters[local] = counters.get(local, 0) + 1
            item: dict[str, Any] = {"id": f"{local}-{counters[local]}"}
            if kind:
                item["kind"] = kind
            item["name_zh"] = data.pop("name_zh")
            if "name_en" in data:
                item["name_en"] = data.pop("name_en")
            item["lon"], item["lat"] = lon, lat
            data.pop("kind", None)
            item.update(data)
            out.append(item)
        return out

    doc["receptors"] = emit(receptors, "receptor")
    doc["facilities"] = emit(facilities, "intercept")
    doc["monitoring"] = emit(monitoring, "monitoring")
    doc["response_cards"] = cards
    county_pref = {u.name_zh: u.prefecture_zh or "" for u in net.admin.units["county"]
                   if u.is_jilin}
    drinking = sorted((r for r in receptors if r.data["kind"] in ("intake", "water_source")),
                      key=lambda r: r.km)
    main_county = county_at(c, drinking[0].km) if drinking else (counties[0] if counties else None)
    doc["contacts"] = contacts(river, prefectures, main_county, main_pref, county_pref)
    return doc


INTERNATIONAL = {"图们江": "朝鲜、俄罗斯", "鸭绿江": "朝鲜", "绥芬河": "俄罗斯", "松花江": "俄罗斯"}


def international_neighbour(net: RiverNetwork, river: PlanRiver) -> str | None:
    """The country to notify when the river's water reaches an international river."""
    if river.name_zh in INTERNATIONAL:
        return INTERNATIONAL[river.name_zh]
    assert river.course is not None
    i = int(net.data.downstream[river.course.segments[-1]])
    while i >= 0:
        name = net.data.name_zh[i]
        if name in ("图们江", "鸭绿江", "绥芬河"):
            return INTERNATIONAL[name]
        i = int(net.data.downstream[i])
    return None


def identified_section(net: RiverNetwork, river: PlanRiver) -> dict[str, Any]:
    spec = river.identified
    assert spec is not None and river.course is not None
    d = net.data
    mouth = net.index(spec["seg_ids"][-1])
    receiving = int(d.downstream[mouth])
    area = float(d.upstream_area_km2[mouth])
    match: dict[str, Any] = {
        "dem_area_km2": round(area),
        "dem_channel_length_km": round(float(sum(d.length_m[net.index(s)]
                                                 for s in spec["seg_ids"])) / 1000, 1),
        "receiving_seg_id": int(d.seg_id[receiving]) if receiving >= 0 else None,
        "receiving_river_zh": d.name_zh[receiving] if receiving >= 0 else None,
        "confluence_lonlat": [round(float(v), 4) for v in d.coords_lonlat[mouth][-1]],
        "head_lonlat": [round(float(v), 4) for v in
                        d.coords_lonlat[net.index(spec["seg_ids"][0])][0]],
    }
    published_area = spec["published"].get("area_km2")
    if published_area:
        match["area_difference_pct"] = round((area / published_area - 1) * 100, 1)
    _, counties = admin_lists(river.course)
    match["counties_passed"] = counties
    match["seat_distances_km"] = seat_distances(river.course)
    return {
        "seg_ids": list(spec["seg_ids"]),
        "confidence": spec["confidence"],
        "evidence_zh": spec["evidence_zh"],
        "published": spec["published"],
        "network_match": match,
        "sources": spec["sources"],
    }


def seat_distances(course: Course, reach_m: float = 10_000.0) -> dict[str, float]:
    """Distance (km) from the river course to every Jilin seat within ``reach_m``."""
    features = json.loads((DATA_DIR / "places.geojson").read_text("utf-8"))["features"]
    line = shapely.LineString(course.xy)
    out: dict[str, float] = {}
    for f in features:
        p = f["properties"]
        if not p.get("adcode") or p["level"] == "province_capital":
            continue
        x, y = project(*f["geometry"]["coordinates"])
        dist = float(shapely.distance(line, shapely.Point(float(x), float(y))))
        if dist <= reach_m:
            out[p["name_zh"]] = round(dist / 1000, 1)
    return dict(sorted(out.items(), key=lambda kv: kv[1]))


def contacts(river: PlanRiver, prefectures: list[str], county: str | None,
             main_pref: str, county_pref: dict[str, str]) -> list[dict]:
    out = []
    for pref in ([main_pref] + [p for p in prefectures if p != main_pref])[:2]:
        out.append({"unit_zh": f"{pref}生态环境局", "role_zh": "突发环境事件应急值班(24 小时)",
                    "phone": fake_phone(pref, river.id, "eco")})
        out.append({"unit_zh": f"{pref}水利局", "role_zh": "闸坝调度与河长制办公室",
                    "phone": fake_phone(pref, river.id, "water")})
    if county:
        out.append({"unit_zh": f"{county}人民政府", "role_zh": "属地先期处置牵头单位",
                    "phone": fake_phone(county_pref.get(county, main_pref), river.id, county)})
    out.append({"unit_zh": "吉林省生态环境厅", "role_zh": "省级应急指挥(跨市、跨省、跨国界事件)",
                "phone": fake_phone("长春市", "province", river.id)})
    return out


# ---------------------------------------------------------------------- writing
HEADER = """\
# 一河一策一图 —— {name_zh}({name_en})
# 示例数据 / SAMPLE DATA: 除河流、河段、行政区与水库位置外,本文件内容均为虚构示例,不得用于实际处置。
# 数据管理员可直接编辑本文件(键名为英文、取值为中文,可加注释);修改后运行 `python -m plans` 校验。
# 文件格式与字段说明见 plans/README.md。本文件最初由 plans/tools/generate_sample_plans.py 生成。
"""

SECTIONS = [
    (("id", "name_zh", "name_en", "basin", "sample", "sample_note_zh"), "# 河流"),
    (("prefectures", "counties", "upstream", "downstream"),
     "# 责任行政区(须为 rivers/data/admin_*.geojson 中的吉林省地名)与上下游关联预案"),
    (("identified",), "# 河流认定证据(本河在河网中未命名,依已发表河道资料认定)"),
    (("receptors",), "# 敏感目标:取水口 intake / 水源地 water_source / 断面 section / 灌溉取水口 "
                     "irrigation_intake"),
    (("facilities",), "# 环境应急空间与设施(拦截点)"),
    (("monitoring",), "# 监测点"),
    (("response_cards",), "# 应急处置卡(按污染物类别,措施按执行顺序排列)"),
    (("contacts",), "# 责任单位联系方式(示例号码)"),
]


class _Dumper(yaml.SafeDumper):
    """Block style for mappings; short lists of plain values on one line."""


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(isinstance(v, str | int | float) for v in data) and len(str(data)) < 90
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def dump(doc: dict[str, Any]) -> str:
    text = HEADER.format(name_zh=doc["name_zh"], name_en=doc.get("name_en") or "")
    for keys, comment in SECTIONS:
        part = {k: doc[k] for k in keys if k in doc}
        if not part:
            continue
        text += "\n" + comment + "\n"
        text += yaml.dump(part, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                          width=1000, default_flow_style=False)
    return text


def generate(out_dir: Path, *, force: bool = False, listing: bool = False) -> list[str]:
    net = load_network(cache_dir=PLANS_DIR.parent.parent / "instance" / "cache")
    rivers = plan_rivers(net)
    places = served_places(net)
    assignment = assign_places(rivers, places)
    lakes = lake_polygons()
    upstream, downstream = links(net, rivers)
    names = {r.id: r.name_zh for r in rivers}
    written = []
    for river in rivers:
        if listing:
            kind = "identified" if river.identified else "named"
            lo, hi = jilin_span(river.course) if river.course is not None else (0, 0)
            print(f"{river.id}\t{river.name_zh}\t{kind}\t{hi - lo:.1f} km in Jilin")
            continue
        path = out_dir / f"{river.id}.yaml"
        if path.exists() and not force:
            continue
        doc = build_plan(net, river, places, assignment, lakes, upstream[river.id],
                         downstream[river.id], names)
        path.write_text(dump(doc), "utf-8")
        written.append(path.name)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=PLANS_DIR)
    parser.add_argument("--force", action="store_true", help="overwrite existing plan files")
    parser.add_argument("--list", action="store_true", help="list the rivers, write nothing")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    written = generate(args.out, force=args.force, listing=args.list)
    if not args.list:
        print(f"wrote {len(written)} plan file(s) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
