"""The published plans as the engine reads them (预案快照), rebuilt only when one changes.

The engine, the river pages and ``/api/plans`` ask for the plan set many times a second; building
it (validating and snapping ~250 sites) takes tens of milliseconds. :class:`PlanSnapshot` keeps the
built :class:`plans.loader.PlanSet` and a fingerprint of the published versions
(:func:`emergency.plan_management.service.fingerprint`: the number of plans and the newest
version row). The fingerprint is checked at most every ``check_every_s`` seconds (another process
may have published); a publish in this process calls :meth:`PlanSnapshot.invalidate`, so the next
read rebuilds at once.

With no plans in the database (a fresh database before ``flask data load``, the unit tests)
the snapshot is the bundled files' plan set (``fallback``), so the file path keeps working.

One class serves every kind of plan: a :class:`PlanKind` says how its documents become the set
the engine reads, where its bundled files are and how a draft is checked — :data:`RIVERS`
(一河一策一图, :class:`plans.loader.PlanSet`) and :func:`park_kind` (一园一策一图,
:class:`plans.parks.ParkPlanSet`, checked against the river plans in force).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from emergency.plan_management import service
from plans.loader import PLANS_DIR, PlanSet, build_plan_set, check_document, read_plan_files
from plans.parks import PARKS_DIR, build_park_set, check_park_document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanKind:
    """What the snapshot needs to know about one kind of plan."""

    kind: str
    #: (network, [(plan id, document)], {plan id: version}, validation cache) → the plan set
    build: Callable[[Any, list[tuple[str, Any]], Mapping[str, int], dict], Any]
    #: the bundled files' folder (the documents shown while the database holds none)
    files: Any
    #: (network, document, plan id, the set in force) → every problem of a draft
    check: Callable[[Any, Any, str, Any], list]


RIVERS = PlanKind(
    "river",
    build=lambda network, docs, versions, validated: build_plan_set(
        network, docs, versions=versions, validated=validated),
    files=PLANS_DIR,
    check=lambda network, doc, plan_id, current: check_document(
        network, doc, plan_id, others=current)[1])


def park_kind(river_plans: Callable[[], PlanSet]) -> PlanKind:
    """Park plans: published versions are built against the network only (their validation is
    kept per version); a draft is also checked against the river plans in force (linked plans
    and intercept sites exist)."""
    return PlanKind(
        "park",
        build=lambda network, docs, versions, validated: build_park_set(
            network, docs, versions=versions, validated=validated),
        files=PARKS_DIR,
        check=lambda network, doc, plan_id, _current: check_park_document(
            network, doc, plan_id, river_plans()))


class PlanSnapshot:
    def __init__(self, database: Any, network: Callable[[], Any],
                 fallback: Callable[[], Any], *, kind: PlanKind = RIVERS,
                 check_every_s: float = 1.0) -> None:
        self._database = database
        self._network = network
        self._fallback = fallback
        self._kind = kind
        self.kind = kind.kind
        self.check_every_s = check_every_s
        self._lock = threading.Lock()
        self._value: PlanSet | None = None
        self._documents: list[tuple[str, int | None, Any]] = []
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self._pinned: dict = {}  # (fingerprint, pins) → plan set, for drills
        self._validated: dict = {}  # (plan id, version) → validation (versions never change)
        self.builds = 0  # how many times the set was built from the database (for tests/bench)

    def invalidate(self) -> None:
        """Re-read the fingerprint on the next :meth:`get` (after a publish)."""
        self._checked = 0.0

    def get(self) -> Any:
        """The plan set in force (a :class:`PlanSet` of rivers, a ``ParkPlanSet`` of parks)."""
        now = time.monotonic()
        value = self._value
        if value is not None and now - self._checked < self.check_every_s:
            return value
        with self._lock:
            if self._value is not None and time.monotonic() - self._checked < self.check_every_s:
                return self._value
            try:
                with self._database.session() as session:
                    stamp = service.fingerprint(session, self.kind)
                    if stamp == self._stamp and self._value is not None:
                        self._checked = time.monotonic()
                        return self._value
                    rows = service.published(session, self.kind) if stamp[0] else []
            except SQLAlchemyError:  # no plan tables yet (before `flask db upgrade`)
                log.warning("plans table not readable: using the bundled plan files")
                stamp, rows = (0, 0), []
            if rows:
                value = self._kind.build(self._network(), [(pid, doc) for pid, _v, doc in rows],
                                         {pid: v for pid, v, _doc in rows}, self._validated)
                documents: list[tuple[str, int | None, Any]] = list(rows)
                self.builds += 1
            else:
                value = self._fallback()
                documents = [(name.removesuffix(".yaml"), None, raw)
                             for name, raw, _ in read_plan_files(self._kind.files)
                             if raw is not None]
            self._value, self._documents = value, documents
            self._stamp, self._checked = stamp, time.monotonic()
            return value

    def pinned(self, pins: Mapping[str, int]) -> Any:
        """The plan set with the plans of ``pins`` at those published versions (a drill keeps
        the versions in force at its start); the plans in force when nothing differs."""
        current = self.get()
        differ = {pid: v for pid, v in pins.items()
                  if getattr(current.plans.get(pid), "version", None) not in (None, v)}
        if not differ:
            return current
        key = (self._stamp, frozenset(differ.items()))
        found = self._pinned.get(key)
        if found is not None:
            return found
        with self._database.session() as session:
            rows = service.published(session, self.kind)
            older = {}
            for pid, v in differ.items():
                try:
                    older[pid] = service.version(session, self.kind, pid, v).document
                except service.PlanNotFound:
                    continue
        versions = {pid: (differ[pid] if pid in older else v) for pid, v, _doc in rows}
        value = self._kind.build(self._network(),
                                 [(pid, older.get(pid, doc)) for pid, _v, doc in rows],
                                 versions, self._validated)
        if len(self._pinned) >= 16:
            self._pinned.clear()
        self._pinned[key] = value
        return value

    def documents(self) -> list[tuple[str, int | None, Any]]:
        """The documents of the plan set in force: (plan id, version or None, document)."""
        self.get()
        return self._documents

    def check(self, document: Any, plan_id: str) -> list:
        """Every problem of ``document`` as plan ``plan_id`` (the file validator's rules; a river
        plan's sites snapped onto their own river, links and segments against the other plans;
        a park plan's facilities, outfalls and linked river plans)."""
        return self._kind.check(self._network(), document, plan_id, self.get())
