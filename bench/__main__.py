"""``python -m bench [NAME ...] [--quick] [--strict] [--json PATH]``: run the benchmarks.

Each benchmark is a ``(name, callable)`` in :data:`BENCHMARKS`; the callable returns a dict

    {"title": str,                                   # optional
     "figures": {"name": number | str, ...},         # the measurements
     "units": {"name": "ms", ...},                   # optional; else from the name's suffix
     "targets": [{"figure": "name", "op": "<=", "limit": 2.0, "label": "..."}, ...],
     "notes": ["how it was measured", ...]}          # optional

A flat dict (no "figures") is shown as figures, and its booleans named ``*meets_targets`` or
``*_ok`` as targets. The report prints every figure, then every target with PASS or MISS; the
whole run is written as JSON to ``instance/bench/latest.json``. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import math
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = Path(os.environ.get("EEC_INSTANCE_DIR", ROOT / "instance")) / "bench" / "latest.json"
SUFFIX_UNITS = {"_ms": "ms", "_s": "s", "_mb": "MB", "_x": "×", "_pct": "%", "_m": "m",
                "_km": "km"}
OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda v, lim: v <= lim, "<": lambda v, lim: v < lim,
    ">=": lambda v, lim: v >= lim, ">": lambda v, lim: v > lim,
    "==": lambda v, lim: v == lim,
}


class NotPresent(ImportError):
    """The benchmark's module does not exist (yet)."""


def module_run(module: str) -> Callable[..., dict]:
    """A callable that imports ``module`` when called and runs its ``run()``."""

    def call(**kwargs) -> dict:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name == module:
                raise NotPresent("not present") from None
            raise
        run = mod.run
        accepted = inspect.signature(run).parameters
        return run(**{k: v for k, v in kwargs.items() if k in accepted})

    return call


BENCHMARKS: list[tuple[str, Callable[..., dict]]] = [
    ("rivers", module_run("bench.rivers_bench")),
    ("incidents", module_run("bench.incidents_bench")),
    ("roster", module_run("bench.roster_bench")),
    ("pages", module_run("bench.pages_bench")),
    ("refresh", module_run("bench.refresh_bench")),
    ("serve", module_run("bench.serve_bench")),
    ("uploads", module_run("bench.uploads_bench")),
    ("plans", module_run("bench.plans_bench")),
]


def main(argv: list[str] | None = None) -> int:
    names = [name for name, _ in BENCHMARKS]
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(names)}")
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes, for a smoke run (figures not comparable)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write JSON")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(names)}")

    results: dict[str, dict] = {}
    missed = failed = 0
    load_start = _load()
    for name, call in BENCHMARKS:
        if args.names and name not in args.names:
            continue
        _rule(name)
        start = time.perf_counter()
        try:
            result = call(quick=args.quick)
        except ImportError as err:
            reason = "not present" if isinstance(err, NotPresent) else f"not importable ({err})"
            print(f"skipped: {reason}")
            results[name] = {"skipped": reason}
            continue
        except Exception:  # a broken benchmark must not hide the others' figures
            failed += 1
            print(f"FAILED:\n{traceback.format_exc()}")
            results[name] = {"error": traceback.format_exc(limit=5)}
            continue
        shown = normalise(result)
        shown["elapsed_s"] = round(time.perf_counter() - start, 1)
        missed += report(shown)
        results[name] = shown

    machine = {"python": platform.python_version(), "platform": platform.platform(),
               "cpus": os.cpu_count(), "load_average_start": load_start,
               "load_average_end": _load()}
    _summary(results, machine)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
               "machine": machine, "quick": args.quick, "benchmarks": results}
    args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=_jsonable)
                         + "\n", "utf-8")
    print(f"\nJSON written to {_shown(args.json)}")
    return 1 if failed or (args.strict and missed) else 0


def normalise(result: object) -> dict:
    """Any benchmark's answer → {title, figures, units, targets (evaluated), notes}."""
    if not isinstance(result, dict):
        result = {"figures": {"result": result}}
    if "figures" in result:
        figures = dict(result["figures"])
        targets = [_target(t) for t in result.get("targets", [])]
    else:  # a flat dict of figures; its pass/fail flags are its targets
        figures, targets = {}, []
        for key, value in result.items():
            if key in ("title", "units", "notes", "targets"):
                continue
            if isinstance(value, bool) and (key.endswith("meets_targets") or key.endswith("_ok")):
                targets.append({"label": key, "ok": value})
            else:
                figures[key] = value
        targets += [_target(t) for t in result.get("targets", [])]
    units = {k: result.get("units", {}).get(k, _unit(k)) for k in figures}
    for t in targets:
        if "ok" not in t:
            value = figures.get(t["figure"])
            t["value"] = value
            t["ok"] = (isinstance(value, int | float) and not isinstance(value, bool)
                       and not math.isnan(float(value))
                       and OPS[t["op"]](float(value), float(t["limit"])))
    return {"title": result.get("title"), "figures": figures, "units": units,
            "targets": targets, "notes": list(result.get("notes", []))}


def report(shown: dict) -> int:
    """Print figures, targets and notes; return the number of missed targets."""
    figures, units = shown["figures"], shown["units"]
    if shown.get("title"):
        print(shown["title"])
    width = max((len(k) for k in figures), default=10)
    for key, value in figures.items():
        print(f"  {key:<{width}}  {_fmt(value):>12} {units.get(key, '')}".rstrip())
    if shown["targets"]:
        print("targets:")
    missed = 0
    for t in shown["targets"]:
        missed += not t["ok"]
        verdict = "PASS" if t["ok"] else "MISS"
        label = t.get("label") or t.get("figure")
        if "op" in t:
            unit = units.get(t["figure"], "")
            goal = f"{t['op']} {_fmt(t['limit'])} {unit}".rstrip()
            print(f"  {verdict}  {label:<36} {_fmt(t.get('value')):>10} {unit:<3} "
                  f"(target {goal})")
        else:
            print(f"  {verdict}  {label}")
    for note in shown["notes"]:
        print(f"  note: {note}")
    print(f"  ({shown.get('elapsed_s', 0.0):.0f} s)")
    return missed


def _summary(results: dict[str, dict], machine: dict) -> None:
    _rule("summary")
    for name, shown in results.items():
        if "targets" in shown:
            ok = sum(t["ok"] for t in shown["targets"])
            print(f"  {name:<12} {ok}/{len(shown['targets'])} targets met")
        else:
            print(f"  {name:<12} {shown.get('skipped') or 'FAILED'}")
    print(f"  machine: {machine['cpus']} CPUs, load average {machine['load_average_start']} "
          f"at start, {machine['load_average_end']} at end (other work shares the machine)")


def _load() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _target(t: dict | tuple | list) -> dict:
    if isinstance(t, dict):
        return dict(t)
    figure, op, limit, *label = t
    return {"figure": figure, "op": op, "limit": limit, "label": label[0] if label else None}


def _unit(key: str) -> str:
    return next((u for s, u in SUFFIX_UNITS.items() if key.endswith(s)), "")


def _fmt(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, dict | list | tuple):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= 60 else text[:57] + "..."
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3f}" if abs(value) < 1 else f"{value:.2f}"
    return str(value)


def _rule(name: str) -> None:
    print(f"\n== {name} " + "=" * max(0, 70 - len(name)))


def _jsonable(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
