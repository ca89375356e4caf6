"""The inbox folder's naming convention (收件目录命名规则). Pure.

A prefecture (or the provincial centre on its behalf) may drop files into ``INBOX_DIR``
(default ``instance/inbox``) instead of uploading them; the ``inbox_pickup`` job stages each one
exactly as an upload. A file name says whose data it is and which inventory::

    <adcode>_<inventory>[_<anything>].csv | .xlsx

    220100_materials_2026-05.xlsx       长春市, 应急物资
    222400_risk_sources.csv             延边州, 风险源
    220200_应急队伍_第二次报送.xlsx        吉林市, 应急队伍
    220000_experts.csv                  省直单位专家 (experts only)

``<adcode>`` is the prefecture's 6-digit code (220100 长春市 … 222400 延边州; 220000 = 吉林省 for
provincial experts); ``<inventory>`` is ``risk_sources`` (or ``risk-sources`` / 风险源),
``materials`` (应急物资), ``teams`` (应急队伍) or ``experts`` (专家). Files starting with ``.`` or
``~$`` and names ending ``.tmp`` / ``.part`` are still being written and are left alone, as is any
file modified in the last ``settle_seconds``. A picked-up file moves to ``done/``; a file whose
name does not follow the rule moves to ``rejected/`` with a ``.reason.txt`` beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emergency.refresh.prefectures import Prefecture, find, scopes_for

KIND_NAMES = {
    "risk_sources": "risk_sources", "risk-sources": "risk_sources", "风险源": "risk_sources",
    "materials": "materials", "应急物资": "materials", "物资": "materials",
    "teams": "teams", "应急队伍": "teams", "队伍": "teams",
    "experts": "experts", "专家": "experts",
}
_NAME = re.compile(
    r"^(?P<code>\d{6})_(?P<kind>" + "|".join(sorted(map(re.escape, KIND_NAMES), key=len,
                                                    reverse=True))
    + r")(?:[_\-.](?P<rest>.*))?\.(?P<ext>csv|xlsx)$", re.IGNORECASE)
RULE_ZH = ("文件名须为 <市州代码>_<清单>_<任意>.csv 或 .xlsx,如 220100_materials_2026.xlsx;"
           "清单为 risk_sources(风险源)、materials(应急物资)、teams(应急队伍)或 experts(专家)")
RULE_EN = ("name the file <prefecture code>_<inventory>_<anything>.csv or .xlsx, e.g. "
           "220100_materials_2026.xlsx; inventory: risk_sources, materials, teams or experts")


@dataclass(frozen=True, slots=True)
class InboxName:
    prefecture: Prefecture
    kind: str
    ext: str


class BadInboxName(ValueError):
    def __init__(self, filename: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.filename, self.message_zh, self.message_en = filename, zh, en


def is_in_progress(filename: str) -> bool:
    """A temporary or partial file another program is still writing."""
    lower = filename.lower()
    return filename.startswith((".", "~$")) or lower.endswith((".tmp", ".part", ".crdownload"))


def parse_name(filename: str) -> InboxName:
    """Whose file it is and which inventory, from its name; :class:`BadInboxName` if neither."""
    m = _NAME.match(filename.strip())
    if m is None:
        raise BadInboxName(filename, f"文件名「{filename}」不符合命名规则:{RULE_ZH}",
                           f"the file name {filename!r} does not follow the rule: {RULE_EN}")
    kind = KIND_NAMES[m.group("kind").lower()] if m.group("kind").lower() in KIND_NAMES \
        else KIND_NAMES[m.group("kind")]
    prefecture = find(int(m.group("code")))
    if prefecture is None or prefecture not in scopes_for(kind):
        raise BadInboxName(filename, f"「{m.group('code')}」不是吉林省市州代码(如 220100 长春市)"
                           + (",220000 仅用于省直专家" if m.group("code") == "220000" else ""),
                           f"{m.group('code')} is not the code of a prefecture of Jilin "
                           "(e.g. 220100 Changchun)"
                           + ("; 220000 is for provincial experts only"
                              if m.group("code") == "220000" else ""))
    return InboxName(prefecture, kind, m.group("ext").lower())
