"""The one translation of structural errors into bilingual problems (plans/problems.py)."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from plans.problems import Problem, at, bilingual, pydantic_problems


class _Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    volume_m3: Annotated[float, Field(ge=0)]
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]


class _Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    items: list[_Inner]
    by: str | None = None

    @field_validator("by")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value not in (None, "a"):
            raise bilingual(f"{value} 不是参演单位", f"{value} is not a participant")
        return value


def _problems(raw: dict) -> dict[str, Problem]:
    with pytest.raises(ValidationError) as caught:
        _Outer.model_validate(raw)
    found = pydantic_problems(caught.value, "x.yaml", "doc", model=_Outer)
    return {p.path: p for p in found}


def test_every_error_becomes_a_bilingual_problem_with_its_path():
    found = _problems({"items": [{"volume_m3": -1, "id": "A b", "colour": 1}], "by": "z"})
    assert set(found) == {"doc.name", "doc.items[0].volume_m3", "doc.items[0].id",
                          "doc.items[0].colour", "doc.by"}
    assert all(p.file == "x.yaml" and p.message_zh and p.message_en for p in found.values())
    assert found["doc.name"].message_zh == "缺少必填项"
    assert found["doc.items[0].volume_m3"].message_zh == "不能小于 0"
    assert found["doc.items[0].id"].message_zh == "只能由小写字母、数字和连字符组成(收到 'A b')"
    assert found["doc.items[0].id"].message_en == (
        "may contain only lower-case letters, digits and hyphens (got 'A b')")
    assert (found["doc.by"].message_zh, found["doc.by"].message_en) == (
        "z 不是参演单位", "z is not a participant")


def test_a_required_value_written_as_null_is_missing():
    found = _problems({"name": None, "items": []})
    assert (found["doc.name"].message_zh, found["doc.name"].message_en) == (
        "缺少必填项", "required field is missing")


def test_an_unknown_field_is_told_with_the_fields_allowed_there():
    colour = _problems({"name": "n", "items": [{"volume_m3": 1, "id": "a", "colour": 1}]})[
        "doc.items[0].colour"]
    assert "未知字段" in colour.message_zh and "allowed: volume_m3, id" in colour.message_en


def test_paths_join_keys_and_indexes():
    assert at("", "id") == "id"
    assert at(at("receptors", 2), "kind") == "receptors[2].kind"
    assert str(Problem("a.yaml", "id", "错", "wrong")) == "a.yaml: id: 错 / wrong"
    assert str(Problem("a.yaml", "", "错", "wrong")) == "a.yaml: 错 / wrong"
