"""Check every plan file: ``python -m plans [plans_dir]`` (exit code 1 when a file is wrong)."""

from __future__ import annotations

import sys
from pathlib import Path

from plans.loader import load_plans
from plans.schema import PlanValidationError
from rivers.loader import load_network


def main(argv: list[str]) -> int:
    plans_dir = Path(argv[0]) if argv else None
    network = load_network(cache_dir=Path(__file__).resolve().parent.parent / "instance" / "cache")
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
