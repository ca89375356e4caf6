"""Check plan files: ``python -m plans [plans_dir | FILE.yaml …]`` (exit code 1 when one is wrong).

Without an argument every file of ``plans/rivers`` is checked together (links, shared segments);
a folder is checked the same way; one or more files are each checked on their own against the
network and the bundled plans (the rules the web editor and the import use).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from plans.loader import check_document, load_plans
from plans.schema import PlanValidationError, Problem
from rivers.loader import load_network


def _check_files(network, files: list[Path]) -> int:  # noqa: ANN001 - a RiverNetwork
    try:
        others = load_plans(network)
    except PlanValidationError:
        others = None
    failed = 0
    for path in files:
        try:
            raw = yaml.safe_load(path.read_text("utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            problems = [Problem(path.name, "", f"无法读取:{exc}", f"cannot be read: {exc}")]
        else:
            _plan, problems = check_document(network, raw, path.name, others=others)
        for problem in problems:
            print(problem)
        if problems:
            failed += 1
        else:
            print(f"{path.name}: 通过校验 / valid")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    network = load_network(cache_dir=Path(__file__).resolve().parent.parent / "instance" / "cache")
    paths = [Path(a) for a in argv]
    if paths and all(p.is_file() for p in paths):
        return _check_files(network, paths)
    plans_dir = paths[0] if paths else None
    try:
        plan_set = load_plans(network, plans_dir)
    except PlanValidationError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"\n{exc.message_zh} / {exc.message_en}")
        return 1
    print(f"{len(plan_set.plans)} 个预案、{len(plan_set.sites)} 个点位全部通过校验 / "
          f"{len(plan_set.plans)} plans and {len(plan_set.sites)} sites are valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
