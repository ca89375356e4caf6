"""The key-river plans of Jilin (重点河流“一河一策一图”): data files, schema, validator, loader.

Pure: PyYAML, numpy and shapely only — no Flask, no SQLAlchemy. The plan files live in
``plans/rivers/<river_id>.yaml`` and are the source of truth a data steward edits;
``plans/tools/generate_sample_plans.py`` only bootstrapped them. Check them with
``python -m plans`` (every problem, with file, field and reason in Chinese and English).

Usage::

    from plans import load_plans
    plan_set = load_plans(network)            # raises PlanValidationError listing every problem
    plan_set.plans["dier-songhua-jiang"].sites
    plan_set.sites_on_segment(network.index(427))
"""

from plans.loader import PLANS_DIR, Plan, PlanSet, Site, load_plans, validation_context
from plans.schema import (
    Contact,
    Identified,
    Measure,
    PlanValidationError,
    Problem,
    ValidationContext,
    validate_document,
)

__all__ = [
    "PLANS_DIR",
    "Contact",
    "Identified",
    "Measure",
    "Plan",
    "PlanSet",
    "PlanValidationError",
    "Problem",
    "Site",
    "ValidationContext",
    "load_plans",
    "validate_document",
    "validation_context",
]
