"""Jilin's nine prefectures (市州) and what a submission may cover (报送范围).

A submission covers one prefecture's slice of one inventory: every record of that inventory in
the prefecture. Experts of provincial units (省直单位) are a tenth scope, 吉林省, for experts only.
The adcodes name files dropped in the inbox (``220100_materials_2026.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_ZH = "吉林省"
PROVINCE_ADCODE = 220000


@dataclass(frozen=True, slots=True)
class Prefecture:
    adcode: int
    name_zh: str
    name_en: str


PREFECTURES: tuple[Prefecture, ...] = (
    Prefecture(220100, "长春市", "Changchun"),
    Prefecture(220200, "吉林市", "Jilin City"),
    Prefecture(220300, "四平市", "Siping"),
    Prefecture(220400, "辽源市", "Liaoyuan"),
    Prefecture(220500, "通化市", "Tonghua"),
    Prefecture(220600, "白山市", "Baishan"),
    Prefecture(220700, "松原市", "Songyuan"),
    Prefecture(220800, "白城市", "Baicheng"),
    Prefecture(222400, "延边朝鲜族自治州", "Yanbian"),
)
PROVINCE = Prefecture(PROVINCE_ADCODE, PROVINCE_ZH, "Jilin Province (provincial units)")

_BY_CODE = {p.adcode: p for p in (*PREFECTURES, PROVINCE)}
_ALIASES: dict[str, Prefecture] = {}
for _p in (*PREFECTURES, PROVINCE):
    for _name in (_p.name_zh, _p.name_en, str(_p.adcode), _p.name_zh.rstrip("市"),
                  _p.name_en.casefold()):
        _ALIASES[_name] = _p
_ALIASES.update({"延边州": _BY_CODE[222400], "延边": _BY_CODE[222400], "吉林": _BY_CODE[220200],
                 "省直": PROVINCE})


def find(text: str | int | None) -> Prefecture | None:
    """The prefecture named or coded by ``text`` (长春市, 长春, Changchun, 220100; 吉林省)."""
    if text is None:
        return None
    key = str(text).strip().replace(" ", "")
    return _ALIASES.get(key) or _ALIASES.get(key.casefold())


def scopes_for(kind: str) -> tuple[Prefecture, ...]:
    """The scopes a submission of ``kind`` may declare: the nine, plus 吉林省 for experts."""
    return (*PREFECTURES, PROVINCE) if kind == "experts" else PREFECTURES


def in_scope(kind: str, scope: str, prefecture_zh: str | None) -> bool:
    """Whether a record of ``kind`` in ``prefecture_zh`` belongs to the slice ``scope``."""
    if kind == "experts" and scope == PROVINCE_ZH:
        return prefecture_zh in (None, PROVINCE_ZH)
    return prefecture_zh == scope


def may_act_for(account_prefecture: str | None, scope: str) -> bool:
    """Whether an account bound to ``account_prefecture`` may submit, apply or restore the
    slice ``scope``: a prefecture's steward answers for that prefecture only; an account bound
    to none (the provincial centre) for every scope."""
    return account_prefecture is None or account_prefecture == scope
