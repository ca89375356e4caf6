"""Scenarios as managed content (演练脚本管理): stored in the database with versions.

No Flask. A scenario written in the editor (as a JSON document) or imported (YAML text) is
checked with the same rules as a library file (:func:`emergency.drills.scenario.parse_scenario`)
and stored only when valid — every problem is reported at once, nothing is stored otherwise.
Each save adds a version (who, when, change note, draft or published); a run plays the latest
published version (or a version named explicitly) and records its number. The library files
stay on disk as the seed and can be copied into a stored scenario.

Who may change what: a provincial organiser (no prefecture) edits every stored scenario; a
prefecture's organiser edits the scenarios of that prefecture. Everyone reads all of them
(shared across the province).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from emergency.drills.scenario import (
    InvalidScenario,
    Scenario,
    load_text,
    parse_scenario,
)
from emergency.incidents.service import NotFound
from emergency.store.drill_models import DrillScenario, DrillScenarioVersion
from plans.problems import Problem

PREFIX = "db-"          # the scenario id of a stored scenario: db-<row id>
MAX_NOTE = 2000


class ScenarioConflict(RuntimeError):
    """A stale save (409) or a change the user may not make (403)."""

    def __init__(self, code: str, message_zh: str, message_en: str, status: int = 409) -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en, self.status = (code, message_zh,
                                                                    message_en, status)


def stored_key(scenario_id: int) -> str:
    return f"{PREFIX}{scenario_id}"


def stored_id(key: Any) -> int | None:
    """The row id of ``key`` (an int, "12" or "db-12"); None for a library key."""
    if isinstance(key, int) and not isinstance(key, bool):
        return key
    text = str(key)
    text = text.removeprefix(PREFIX)
    return int(text) if text.isdigit() else None


# ------------------------------------------------------------------ parsing
def to_yaml(document: dict) -> str:
    """The scenario document (as the editor holds it) as YAML text, keys in their order."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def parse_body(document: Any = None, text: str | None = None, *, name: str = "editor",
               scenario_id: str | None = None) -> tuple[Scenario, str]:
    """A scenario from a JSON document or YAML text, checked; (scenario, YAML to store)."""
    if text is not None:
        return load_text(text, name=name, scenario_id=scenario_id), text
    if not isinstance(document, dict):
        raise InvalidScenario([Problem(name, "", "演练脚本须为对象(JSON)或 YAML 文本",
                                               "the scenario must be an object (JSON) or "
                                               "YAML text")])
    scenario = parse_scenario(document, name=name, scenario_id=scenario_id)
    return scenario, to_yaml(document)


def document_of(text: str) -> dict:
    """The YAML text as the editor's JSON document."""
    data = yaml.safe_load(text)
    return _plain(data) if isinstance(data, dict) else {}


def _plain(value: Any) -> Any:
    """YAML's dates and times as ISO text (JSON has none)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# ------------------------------------------------------------------ reading
@dataclass(frozen=True)
class Stored:
    row: DrillScenario
    version: DrillScenarioVersion          # the current version
    scenario: Scenario


def get(session: Session, scenario_id: int) -> DrillScenario:
    row = session.get(DrillScenario, scenario_id)
    if row is None:
        raise NotFound(f"演练脚本 {scenario_id}", f"scenario {scenario_id}")
    return row


def version_of(row: DrillScenario, number: int | None = None, *,
               published: bool = False) -> DrillScenarioVersion:
    """Version ``number`` (default: the current one; ``published``: the latest not a draft)."""
    versions = row.versions
    if number is not None:
        found = next((v for v in versions if v.number == number), None)
        if found is None:
            raise NotFound(f"演练脚本 {row.id} 第 {number} 版",
                           f"version {number} of scenario {row.id}")
        return found
    if published:
        found = next((v for v in reversed(versions) if not v.draft), None)
        if found is None:
            raise ScenarioConflict("not_published",
                                   f"演练脚本 {row.id} 只有草稿,请先发布再开始演练",
                                   f"scenario {row.id} has drafts only: publish it first")
        return found
    return next(v for v in versions if v.number == row.current_version)


def load(session: Session, scenario_id: int, number: int | None = None, *,
         published: bool = False) -> Stored:
    row = get(session, scenario_id)
    version = version_of(row, number, published=published)
    scenario = load_text(version.yaml, name=f"{stored_key(row.id)}.yaml",
                         scenario_id=stored_key(row.id))
    return Stored(row, version, scenario)


def list_stored(session: Session) -> list[Stored]:
    out = []
    for row in session.scalars(select(DrillScenario).order_by(DrillScenario.id.desc())):
        version = version_of(row)
        try:
            scenario = load_text(version.yaml, name=f"{stored_key(row.id)}.yaml",
                                 scenario_id=stored_key(row.id))
        except InvalidScenario:   # stored texts were valid when saved; a rule may have changed
            continue
        out.append(Stored(row, version, scenario))
    return out


# ------------------------------------------------------------------ writing
def _check_note(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InvalidScenario([Problem("editor", "note", "修改说明须为不超过 2000 字的文本",
                                               "note must be text of at most 2000 characters")])
    return note.strip()


def may_edit(row: DrillScenario, prefecture: str | None) -> bool:
    return prefecture is None or row.prefecture == prefecture


def create(session: Session, *, document: Any = None, text: str | None = None, actor: str,
           wall: datetime, prefecture: str | None = None, note: Any = None,
           draft: bool = False, copied_from: str = "") -> DrillScenario:
    """Store a new scenario (version 1) if it is valid; else InvalidScenario, nothing stored."""
    note_text = _check_note(note)
    scenario, yaml_text = parse_body(document, text)
    row = DrillScenario(title=scenario.title[:200], prefecture=prefecture,
                        copied_from=str(copied_from or "")[:100], current_version=1,
                        created_by=actor[:64], created_at=wall, updated_at=wall)
    row.versions.append(DrillScenarioVersion(number=1, yaml=yaml_text, title=row.title,
                                             note=note_text or "新建", draft=bool(draft),
                                             created_by=actor[:64], created_at=wall))
    session.add(row)
    session.flush()
    return row


def update(session: Session, scenario_id: int, *, revision: Any, document: Any = None,
           text: str | None = None, actor: str, wall: datetime,
           prefecture: str | None = None, note: Any = None, draft: bool = False
           ) -> DrillScenario:
    """A new version of a stored scenario. ``revision`` must be the scenario's current one
    (else 409: someone saved in between); the user must be allowed to edit it (403)."""
    row = get(session, scenario_id)
    if not may_edit(row, prefecture):
        raise ScenarioConflict("not_yours",
                               f"只能修改本市(州)的演练脚本({row.prefecture or '省级'})",
                               "you may change your own prefecture's scenarios only", 403)
    if isinstance(revision, bool) or not isinstance(revision, int):
        raise InvalidScenario([Problem("editor", "revision", "缺少版本号 revision",
                                               "revision (the version you edited) is required")])
    if revision != row.revision:
        raise ScenarioConflict("stale", f"演练脚本已被他人修改(当前第 {row.current_version} 版),"
                               "请刷新后再保存", "the scenario was changed by someone else "
                               f"(now version {row.current_version}); reload and save again")
    note_text = _check_note(note)
    scenario, yaml_text = parse_body(document, text, scenario_id=stored_key(row.id))
    number = max(v.number for v in row.versions) + 1
    row.versions.append(DrillScenarioVersion(number=number, yaml=yaml_text,
                                             title=scenario.title[:200], note=note_text,
                                             draft=bool(draft), created_by=actor[:64],
                                             created_at=wall))
    row.title, row.current_version, row.updated_at = scenario.title[:200], number, wall
    session.flush()
    return row


def blank(day: str = "2026-07-23") -> dict:
    """A new scenario's starting document: the skeleton of every required section, to be filled
    in the editor (the release point and the texts are still missing: the live validation says
    so)."""
    return {
        "format": 1, "title": "", "type": "桌面", "sample": False, "duration": "24:00",
        "description": "",
        "objectives": [{"id": "O1", "text": "", "weight": 1}],
        "participants": [{"id": "city-eeb", "name": "", "level": "city", "roles": []}],
        "incidents": [{"id": "main", "report": {
            "title": "", "lon": None, "lat": None, "substance": "", "mass_kg": 1000,
            "release_hours": 1, "occurred_at": f"{day}T09:00+08:00",
            "discovered_at": f"{day}T09:30+08:00", "flow_condition": "normal"}}],
        "phases": [{"id": "occurrence", "name": "发生", "trigger": "T+00:00"},
                   {"id": "termination", "name": "终止", "trigger": "T+24:00"}],
        "injects": [{"id": "I1", "trigger": "T+00:30", "mode": "phone", "from": "simcell",
                     "to": "city-eeb", "message": "", "objective": "O1",
                     "expected_actions": []}],
        "contingency": [],
    }


def copy_source(session: Session, source: str, library: dict) -> tuple[dict, str]:
    """The document to start a copy from: a stored scenario (``db-12`` / ``12``) or a library
    key; (document, what it was copied from). ``library``: key → (scenario, text)."""
    sid = stored_id(source)
    if sid is not None:
        found = load(session, sid)
        return document_of(found.version.yaml), stored_key(sid)
    if source not in library:
        raise NotFound(f"演练脚本 {source}", f"scenario {source}")
    return document_of(library[source][1]), source
