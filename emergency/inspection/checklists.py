"""Checklists (隐患排查表) as data: one per risk-source type, loaded from YAML and validated.

The file is ``emergency/rules/inspection_checklists.yaml`` (sources and their use are cited at
its top). Each item carries its basis (依据). A task copies its checklist's items when it is
created, so a later edit of the file never rewrites a finished inspection.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CHECKLIST_PATH = Path(__file__).resolve().parent.parent / "rules" / "inspection_checklists.yaml"
SOURCE_KINDS = ("enterprise", "tailings_pond", "chemical_park")


class ChecklistError(ValueError):
    """The checklist file is malformed (raised at load, never during an inspection)."""


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    category: str
    text_zh: str
    text_en: str
    basis: str

    def as_dict(self) -> dict:
        return {"id": self.id, "category": self.category, "text_zh": self.text_zh,
                "text_en": self.text_en, "basis": self.basis}


@dataclass(frozen=True, slots=True)
class Grade:
    code: str
    label_zh: str
    label_en: str
    definition_zh: str
    definition_en: str
    default_days: int
    max_days: int | None


@dataclass(frozen=True, slots=True)
class Checklist:
    kind: str
    label_zh: str
    label_en: str
    items: tuple[ChecklistItem, ...]

    def item(self, item_id: str) -> ChecklistItem | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True, slots=True)
class Checklists:
    version: str
    grades: dict[str, Grade]
    categories: dict[str, tuple[str, str]]
    by_kind: dict[str, Checklist]

    def for_kind(self, kind: str) -> Checklist:
        return self.by_kind[kind]


def parse_checklists(doc: dict) -> Checklists:
    """Validate and build the checklists from the parsed YAML document."""
    if not isinstance(doc, dict) or not doc.get("version"):
        raise ChecklistError("the checklist file needs a version")
    categories = {k: (v["label_zh"], v["label_en"]) for k, v in doc["categories"].items()}
    grades = {}
    for code in ("major", "minor"):
        g = doc["grades"][code]
        grades[code] = Grade(code, g["label_zh"], g["label_en"], g["definition_zh"].strip(),
                             g["definition_en"].strip(), int(g["default_days"]),
                             int(g["max_days"]) if g.get("max_days") else None)
    seen: set[str] = set()
    by_kind = {}
    for kind in SOURCE_KINDS:
        raw = doc["checklists"].get(kind)
        if not raw or not raw.get("items"):
            raise ChecklistError(f"no checklist for {kind}")
        items = []
        for it in raw["items"]:
            item = ChecklistItem(str(it["id"]), str(it["category"]), str(it["text_zh"]).strip(),
                                 str(it["text_en"]).strip(), str(it.get("basis", "")).strip())
            if item.id in seen:
                raise ChecklistError(f"duplicate item id {item.id}")
            if item.category not in categories:
                raise ChecklistError(f"item {item.id}: unknown category {item.category}")
            if not item.basis:
                raise ChecklistError(f"item {item.id} has no basis")
            seen.add(item.id)
            items.append(item)
        by_kind[kind] = Checklist(kind, raw["label_zh"], raw["label_en"], tuple(items))
    return Checklists(str(doc["version"]), grades, categories, by_kind)


@lru_cache(maxsize=4)
def load_checklists(path: Path = CHECKLIST_PATH) -> Checklists:
    return parse_checklists(yaml.safe_load(path.read_text("utf-8")))
