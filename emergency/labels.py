"""The words for response tiers (响应级别 I–IV) and warning levels (预警级别), read once.

Both come from the rule tables — ``rules/grading.yaml`` (``tiers``) and ``rules/warning.yaml``
(``levels``) — so a page, the API, the 初报 draft and the event log all say the same thing.
Pure: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

from typing import Final

from emergency.grading import default_grading_table
from emergency.warning import WarningLevel, default_warning_table

#: Shown where no tier has been determined.
NO_ROMAN: Final = "—"


def roman(level: int | None) -> str:
    """'I'…'IV' for a tier, '—' for none."""
    tiers = default_grading_table().tiers
    return tiers[level].roman if level in tiers else NO_ROMAN


def tier_name(level: int | None) -> tuple[str, str] | None:
    """(特别重大, especially major) for tier 1; None for no tier."""
    tiers = default_grading_table().tiers
    return (tiers[level].zh, tiers[level].en) if level in tiers else None


def tier_label(level: int | None) -> tuple[str, str] | None:
    """(特别重大(I级), I (especially major)) for tier 1; None for no tier."""
    name = tier_name(level)
    if name is None:
        return None
    r = roman(level)
    return f"{name[0]}({r}级)", f"{r} ({name[1]})"


def warning_label(level: str | WarningLevel) -> tuple[str, str]:
    """(红色预警, red warning) for 'red'."""
    return default_warning_table().labels[WarningLevel(level)]


def page_messages() -> dict[str, dict[str, str]]:
    """The tier and warning words as i18n messages (tier_short_N, tier_name_N, warning_X)."""
    out: dict[str, dict[str, str]] = {}
    for level in WarningLevel:
        zh, en = warning_label(level)
        out[f"warning_{level.value}"] = {"zh": zh, "en": en.capitalize()}
    out["warning_none"] = {"zh": "无预警", "en": "No warning"}
    for level, tier in default_grading_table().tiers.items():
        out[f"tier_short_{level}"] = {"zh": f"{tier.roman}级 {tier.zh}", "en": f"Tier {tier.roman}"}
        out[f"tier_name_{level}"] = {"zh": tier.zh, "en": tier.en}
    out["tier_short_0"] = {"zh": "未分级", "en": "Not graded"}
    out["tier_name_0"] = {"zh": "未分级", "en": "not graded"}
    return out
