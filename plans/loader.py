"""Load the key-river plans and attach every site to the river network (预案加载与河网挂接).

``load_plans(network)`` reads ``plans/rivers/*.yaml``, validates every file
(:mod:`plans.schema`), and snaps each site onto **its own river**: the nearest point on the plan
river's segments (the named river's segments, or the ``identified`` segments), never on whatever
other river happens to be nearer. A site at a confluence may name ``segment_id``; it must be one
of the river's segments or a segment touching one (the receiving river just below the mouth, a
tributary just above a confluence). A site farther than ``max_site_distance_m`` from its river is
refused. All problems of all files are collected and raised together as
:class:`plans.schema.PlanValidationError`.

Distances are metres in the network's projected CRS (:mod:`rivers.geo`); ``river_km`` is km from
the head of the plan river (the same km marks as :meth:`rivers.network.RiverNetwork.river_km` for
named rivers), measured along the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import yaml

from plans.schema import (
    Contact,
    Identified,
    Measure,
    PlanDoc,
    PlanValidationError,
    Problem,
    ValidationContext,
    validate_document,
)
from rivers.geo import project
from rivers.network import named_rivers

if TYPE_CHECKING:
    from rivers.network import RiverNetwork

PLANS_DIR = Path(__file__).resolve().parent / "rivers"
DEFAULT_MAX_SITE_DISTANCE_M = 3000.0

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Site:
    """A receptor, intercept facility or monitoring point of a plan, snapped onto its river."""

    id: str            # globally unique: f"{plan_id}/{local_id}"
    plan_id: str
    kind: str          # 'intake' | 'water_source' | 'section' | 'irrigation_intake'
    #                    | 'intercept' | 'monitoring'
    name_zh: str
    name_en: str | None
    lon: float         # as given in the plan
    lat: float
    segment: int       # internal segment INDEX in the RiverNetwork (network.index(seg_id))
    seg_id: int
    offset_m: float    # from the segment's upstream end
    river_km: float | None
    snap_distance_m: float
    # kind-specific fields (place_level, storage_m3, techniques, …); not part of eq/hash, so a
    # Site can be a dict key (its id is unique)
    attrs: Mapping[str, object] = field(compare=False)

    @property
    def local_id(self) -> str:
        return self.id.split("/", 1)[1]


@dataclass(frozen=True)
class Plan:
    """One key river's plan (一河一策一图), with its sites attached to the network."""

    id: str
    river_name_zh: str
    river_name_en: str | None
    basin: str
    prefectures: tuple[str, ...]
    counties: tuple[str, ...]
    upstream: tuple[str, ...]
    downstream: tuple[str, ...]
    sites: tuple[Site, ...]
    response_cards: Mapping[str, tuple[Measure, ...]] = field(compare=False)
    contacts: tuple[Contact, ...]
    sample: bool
    source_file: str
    sample_note_zh: str | None = None
    identified: Identified | None = field(default=None, compare=False)
    seg_ids: tuple[int, ...] = ()
    segments: tuple[int, ...] = ()  # internal indices of seg_ids
    version: int | None = field(default=None, compare=False)  # published version (database)

    def sites_of_kind(self, *kinds: str) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.kind in kinds)


@dataclass
class PlanSet:
    """All plans, with lookups by segment and by site id."""

    plans: dict[str, Plan]
    sites: tuple[Site, ...] = ()
    _by_segment: dict[int, tuple[Site, ...]] = field(default_factory=dict, repr=False)
    _plan_of_segment: dict[int, str] = field(default_factory=dict, repr=False)
    _by_id: dict[str, Site] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.sites = tuple(s for p in self.plans.values() for s in p.sites)
        grouped: dict[int, list[Site]] = {}
        for s in self.sites:
            grouped.setdefault(s.segment, []).append(s)
        self._by_segment = {k: tuple(sorted(v, key=lambda s: s.offset_m))
                            for k, v in grouped.items()}
        self._plan_of_segment = {i: p.id for p in self.plans.values() for i in p.segments}
        self._by_id = {s.id: s for s in self.sites}

    def __len__(self) -> int:
        return len(self.plans)

    def sites_on_segment(self, segment_index: int) -> tuple[Site, ...]:
        """Sites snapped onto the segment, upstream first."""
        return self._by_segment.get(int(segment_index), ())

    def plan_for_segment(self, segment_index: int) -> Plan | None:
        """The plan whose river the segment belongs to, if any."""
        plan_id = self._plan_of_segment.get(int(segment_index))
        return self.plans[plan_id] if plan_id else None

    def site(self, site_id: str) -> Site:
        try:
            return self._by_id[site_id]
        except KeyError:
            raise KeyError(f"unknown site {site_id!r} (ids are 'plan_id/local_id')") from None


def validation_context(network: RiverNetwork) -> ValidationContext:
    """What the schema needs to know about the network and the administrative data."""
    d = network.data
    seg_ids = [int(s) for s in d.seg_id.tolist()]
    downstream_of = {
        s: (int(d.seg_id[dn]) if dn >= 0 else None)
        for s, dn in zip(seg_ids, d.downstream.tolist(), strict=True)
    }
    return ValidationContext(
        river_ids=frozenset(r.id for r in named_rivers(d)),
        seg_ids=frozenset(seg_ids),
        unnamed_seg_ids=frozenset(s for s, n in zip(seg_ids, d.name_zh, strict=True) if not n),
        prefectures=frozenset(u.name_zh for u in network.admin.units["prefecture"] if u.is_jilin),
        counties=frozenset(u.name_zh for u in network.admin.units["county"] if u.is_jilin),
        downstream_of=downstream_of,
    )


# Parsed documents by file, reused while the file is unchanged (size and mtime): building the
# Python objects is most of the load time, and the application reloads plans on request.
_PARSED: dict[Path, tuple[tuple[int, int], Any]] = {}


def read_plan_files(plans_dir: Path) -> list[tuple[str, Any, list[Problem]]]:
    """Parse every ``*.yaml`` in ``plans_dir``: (file name, document or None, YAML problems).

    Documents are shared between calls while their file is unchanged; treat them as read-only.
    """
    out: list[tuple[str, Any, list[Problem]]] = []
    for path in sorted(plans_dir.glob("*.yaml")):
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = _PARSED.get(path)
        if cached is not None and cached[0] == stamp:
            out.append((path.name, cached[1], []))
            continue
        try:
            raw = yaml.load(path.read_text("utf-8"), Loader=_Loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else ""
            out.append((path.name, None, [Problem(
                path.name, where, f"YAML 格式错误:{exc}", f"YAML syntax error: {exc}")]))
            continue
        _PARSED[path] = (stamp, raw)
        out.append((path.name, raw, []))
    return out


def load_plans(network: RiverNetwork, plans_dir: Path | str | None = None, *,
               max_site_distance_m: float = DEFAULT_MAX_SITE_DISTANCE_M) -> PlanSet:
    """Read, validate and snap every plan; raise :class:`PlanValidationError` listing all
    problems if any file is wrong.

    Parameters
    ----------
    network : RiverNetwork
        The river network the sites are attached to.
    plans_dir : Path, optional
        Folder of ``<river_id>.yaml`` files; default ``plans/rivers``.
    max_site_distance_m : float
        A site farther than this from its own river (m) is refused.
    """
    plans_dir = Path(plans_dir) if plans_dir is not None else PLANS_DIR
    if not plans_dir.is_dir():
        raise PlanValidationError([Problem(str(plans_dir), "", "预案目录不存在",
                                           "the plans folder does not exist")])
    problems: list[Problem] = []
    documents: list[tuple[str, Any]] = []
    for name, raw, parse_problems in read_plan_files(plans_dir):
        problems.extend(parse_problems)
        if raw is not None:
            documents.append((name, raw))
    if not documents and not problems:
        problems.append(Problem(str(plans_dir), "", "预案目录中没有预案文件(*.yaml)",
                                "the plans folder holds no plan files (*.yaml)"))
    return build_plan_set(network, documents, problems=problems,
                          max_site_distance_m=max_site_distance_m)


def build_plan_set(network: RiverNetwork, documents: Iterable[tuple[str, Any]], *,
                   versions: Mapping[str, int] | None = None, problems: list[Problem] | None = None,
                   max_site_distance_m: float = DEFAULT_MAX_SITE_DISTANCE_M,
                   validated: dict[tuple[str, int], tuple[PlanDoc | None, list[Problem]]]
                   | None = None) -> PlanSet:
    """Validate and snap parsed plan documents — ``(name, document)``, the name being the file
    name or the plan id — into a :class:`PlanSet`; raise :class:`PlanValidationError` listing
    every problem. ``versions`` gives each plan's published version (plans kept in a database);
    plans read from files have none. ``validated`` keeps each versioned document's validation
    between calls (a published version never changes): a rebuild after one plan was published
    validates that plan only."""
    problems = list(problems or [])
    context = validation_context(network)
    versions = versions or {}
    docs: list[PlanDoc] = []
    for name, raw in documents:
        key = (name, versions[name]) if validated is not None and name in versions else None
        if key is not None and key in validated:
            doc, doc_problems = validated[key]
        else:
            doc, doc_problems = validate_document(raw, name, context)
            if key is not None:
                validated[key] = (doc, doc_problems)
        problems.extend(doc_problems)
        if doc is not None:
            docs.append(doc)
    plans, more = _assemble(network, docs, known_ids={doc.id for doc in docs},
                            max_site_distance_m=max_site_distance_m, versions=versions)
    problems.extend(more)
    if problems:
        raise PlanValidationError(problems)
    return PlanSet(plans)


def check_document(network: RiverNetwork, raw: Any, plan_id: str, *, others: PlanSet | None,
                   max_site_distance_m: float = DEFAULT_MAX_SITE_DISTANCE_M
                   ) -> tuple[Plan | None, list[Problem]]:
    """Check one plan document against the network and the other plans (an editor's draft, an
    import): the same rules as the file validator. Returns the snapped plan (None when the
    document has problems) and every problem; ``plan_id`` is the plan the document must be."""
    context = validation_context(network)
    doc, problems = validate_document(raw, plan_id, context)
    if doc is None:
        return None, problems
    other_plans = {} if others is None else {k: v for k, v in others.plans.items()
                                             if k != doc.id}
    claimed = {network.data.seg_id[i].item(): p.id for p in other_plans.values()
               for i in p.segments}
    plans, more = _assemble(network, [doc], known_ids=set(other_plans) | {doc.id},
                            max_site_distance_m=max_site_distance_m, versions={},
                            claimed=claimed)
    problems.extend(more)
    if problems:
        return None, problems
    return plans[doc.id], problems


def _assemble(network: RiverNetwork, docs: list[PlanDoc], *, known_ids: set[str],
              max_site_distance_m: float, versions: Mapping[str, int],
              claimed: Mapping[int, str] | None = None) -> tuple[dict[str, Plan], list[Problem]]:
    """Attach validated documents to the network: segments, links, snapped sites."""
    problems: list[Problem] = []
    rivers = {r.id: r for r in named_rivers(network.data)}
    # A plan whose river is unknown (problem already reported) has nothing to snap onto.
    docs = [doc for doc in docs if doc.identified is not None or doc.id in rivers]
    segs_of: dict[str, tuple[int, ...]] = {}
    taken: dict[int, str] = dict(claimed or {})
    for doc in docs:
        seg_ids = doc.identified.seg_ids if doc.identified else rivers[doc.id].seg_ids
        segs_of[doc.id] = seg_ids
        for s in seg_ids:
            if s in taken:
                problems.append(Problem(doc.source_file, "identified.seg_ids",
                                        f"河段 {s} 已被预案 {taken[s]} 使用",
                                        f"segment {s} is already used by plan {taken[s]}"))
            taken[s] = doc.id
    for doc in docs:
        for key, links in (("upstream", doc.upstream), ("downstream", doc.downstream)):
            for k, link in enumerate(links):
                if link not in known_ids:
                    problems.append(Problem(doc.source_file, f"{key}[{k}]",
                                            f"关联预案 {link!r} 不存在",
                                            f"linked plan {link!r} does not exist"))

    snapped, snap_problems = _snap_all(network, docs, segs_of, max_site_distance_m)
    problems.extend(snap_problems)
    plans: dict[str, Plan] = {}
    for doc in docs:
        segments = tuple(network.index(s) for s in segs_of[doc.id])
        plans[doc.id] = Plan(
            id=doc.id, river_name_zh=doc.name_zh, river_name_en=doc.name_en, basin=doc.basin,
            prefectures=doc.prefectures, counties=doc.counties, upstream=doc.upstream,
            downstream=doc.downstream, sites=snapped[doc.id],
            response_cards=dict(doc.response_cards), contacts=doc.contacts,
            sample=doc.sample, source_file=doc.source_file, sample_note_zh=doc.sample_note_zh,
            identified=doc.identified, seg_ids=tuple(segs_of[doc.id]), segments=segments,
            version=versions.get(doc.id),
        )
    return plans, problems


def _snap_all(network: RiverNetwork, docs: list[PlanDoc], segs_of: Mapping[str, tuple[int, ...]],
              max_distance_m: float) -> tuple[dict[str, tuple[Site, ...]], list[Problem]]:
    """Snap all sites at once: one projection call, one distance matrix per plan."""
    d = network.data
    problems: list[Problem] = []
    entries = [(doc, site) for doc in docs for site in doc.sites]
    out: dict[str, list[Site]] = {doc.id: [] for doc in docs}
    if not entries:
        return {k: tuple(v) for k, v in out.items()}, problems
    lon = np.array([s.lon for _, s in entries])
    lat = np.array([s.lat for _, s in entries])
    if len(entries) == 1:  # pyproj treats a one-element array as a scalar (and warns)
        x, y = (np.atleast_1d(v) for v in project(float(lon[0]), float(lat[0])))
    else:
        x, y = project(lon, lat)
    points = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    by_plan: dict[str, list[int]] = {}
    for k, (doc, _) in enumerate(entries):
        by_plan.setdefault(doc.id, []).append(k)
    chosen = np.full(len(entries), -1)
    dist = np.full(len(entries), np.inf)
    for doc in docs:
        rows = by_plan.get(doc.id, [])
        if not rows:
            continue
        own = np.array([network.index(s) for s in segs_of[doc.id]])
        allowed = set(own.tolist())
        allowed |= {int(d.downstream[i]) for i in own if d.downstream[i] >= 0}
        allowed |= {u for i in own for u in network.upstream[i]}
        free = [k for k in rows if entries[k][1].segment_id is None]
        if free:
            matrix = shapely.distance(network.lines[own][None, :], points[free][:, None])
            best = np.argmin(matrix, axis=1)
            chosen[free] = own[best]
            dist[free] = matrix[np.arange(len(free)), best]
        for k in rows:
            site = entries[k][1]
            if site.segment_id is None:
                continue
            i = network.index(site.segment_id)
            if i not in allowed:
                problems.append(Problem(
                    doc.source_file, f"{site.path}.segment_id",
                    f"河段 {site.segment_id} 既不属于本河流,也不与本河流相接",
                    f"segment {site.segment_id} neither belongs to this river nor touches it"))
                continue
            chosen[k] = i
            dist[k] = float(shapely.distance(network.lines[i], points[k]))

    ok = chosen >= 0
    offsets = np.zeros(len(entries))
    if ok.any():
        offsets[ok] = shapely.line_locate_point(network.lines[chosen[ok]], points[ok])
    head_m = {doc.id: max(float(d.to_outlet_m[network.index(s)] + d.length_m[network.index(s)])
                          for s in segs_of[doc.id]) for doc in docs}
    for k, (doc, site) in enumerate(entries):
        if chosen[k] < 0:
            continue
        if dist[k] > max_distance_m:
            problems.append(Problem(
                doc.source_file, site.path,
                f"“{site.name_zh}”距本河流({doc.name_zh})最近河段 {dist[k] / 1000:.1f} km,"
                f"超过允许的 {max_distance_m / 1000:.1f} km:请核对坐标或河流",
                f"“{site.name_zh}” is {dist[k] / 1000:.1f} km from its river "
                f"({doc.name_en or doc.name_zh}), beyond the allowed "
                f"{max_distance_m / 1000:.1f} km: check the coordinates or the river"))
            continue
        i = int(chosen[k])
        offset = float(offsets[k])
        to_outlet = float(d.to_outlet_m[i] + d.length_m[i] - offset)
        out[doc.id].append(Site(
            id=f"{doc.id}/{site.local_id}", plan_id=doc.id, kind=site.kind,
            name_zh=site.name_zh, name_en=site.name_en, lon=site.lon, lat=site.lat,
            segment=i, seg_id=int(d.seg_id[i]), offset_m=round(offset, 1),
            river_km=round((head_m[doc.id] - to_outlet) / 1000, 3),
            snap_distance_m=round(float(dist[k]), 1),
            attrs=dict(site.attrs),
        ))
    return {k: tuple(sorted(v, key=lambda s: (s.river_km or 0.0, s.id)))
            for k, v in out.items()}, problems


def snap_to_plan(network: RiverNetwork, plan: Plan, lon: float, lat: float
                 ) -> tuple[int, float, float, tuple[float, float]]:
    """Where (lon, lat) lands on ``plan``'s own river: (segment id, km from the river's head,
    distance in m, the snapped point's lon/lat) — the loader's rule for one point."""
    from rivers.network import RiverPosition

    x, y = project(float(lon), float(lat))
    point = shapely.Point(float(x), float(y))
    own = np.array(plan.segments)
    distances = shapely.distance(network.lines[own], point)
    k = int(np.argmin(distances))
    i = int(own[k])
    d = network.data
    offset = float(shapely.line_locate_point(network.lines[i], point))
    head_m = max(float(d.to_outlet_m[s] + d.length_m[s]) for s in plan.segments)
    km = (head_m - float(d.to_outlet_m[i] + d.length_m[i] - offset)) / 1000
    return (int(d.seg_id[i]), round(km, 3), float(distances[k]),
            network.lonlat_at(RiverPosition(i, offset)))
