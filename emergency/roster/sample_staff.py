"""Sample duty staff (示例值班人员): 8 leaders, 20 duty officers (6 also liaisons), 12 liaisons.

Invented people, every one marked 示例 in the name, the unit and the telephone number, so that
nobody mistakes them for the real duty room. Enough for the bundled rules all year round,
flood season and 主汛期 included (two duty officers a day). A few have leave, training or a trip
in the weeks after ``as_of``, and two have preferences, so a first roster shows how those work.
"""

from __future__ import annotations

from datetime import date, timedelta

from emergency.roster.model import Preference, Unavailability
from emergency.roster.staff import StaffRecord

__all__ = ["SAMPLE_MARK", "sample_staff"]

SAMPLE_MARK = "(示例)"

LEADERS = ("王建国", "李振华", "张立新", "刘志刚", "陈国庆", "杨文斌", "赵洪涛", "孙永胜")
OFFICERS = ("周晓明", "吴海峰", "郑丽娟", "冯雪松", "褚红梅", "卫东升", "蒋春雨", "沈思远",
            "韩冬梅", "朱宏伟", "秦晓燕", "许海龙", "何玉洁", "吕长青", "施文静", "张海波",
            "孔繁宇", "曹明辉", "严丽华", "金成哲")
LIAISONS = ("魏佳琪", "陶子涵", "姜雨桐", "戚思琪", "谢俊杰", "邹欣怡", "喻浩然", "柏雪莹",
            "方立伟", "窦晨阳", "章一鸣", "苏婉清")
LEADER_UNITS = ("省生态环境厅", "省环境应急与事故调查中心")
OFFICER_UNITS = ("省生态环境厅应急处", "省环境应急与事故调查中心", "省生态环境监测中心")
LIAISON_UNITS = ("省生态环境厅办公室", "省生态环境厅应急处")
OFFICER_QUALIFICATIONS = ("危险化学品", "应急监测", "水污染处置", "辐射安全")


def _phone(n: int) -> str:
    # Not dialable on purpose (x digits): an invented number must never reach a real person.
    return f"0431-8xxxx{n:03d}{SAMPLE_MARK}"


def sample_staff(as_of: date) -> list[StaffRecord]:
    """The 40 sample people; leave and trips fall in the weeks after ``as_of``."""
    def days(a: int, b: int) -> tuple[date, date]:
        return as_of + timedelta(days=a), as_of + timedelta(days=b)

    away = {
        ("duty_officer", 2): Unavailability(*days(8, 10), "training", "省厅业务培训(示例)"),
        ("duty_officer", 7): Unavailability(*days(15, 21), "leave", "年休假(示例)"),
        ("liaison", 3): Unavailability(*days(4, 6), "trip", "赴延边州调研(示例)"),
        ("liaison", 9): Unavailability(*days(30, 34), "leave", "探亲假(示例)"),
    }
    wishes = {
        ("duty_officer", 4): (Preference("avoid", weekdays=frozenset({5, 6})),),
        ("liaison", 0): (Preference("prefer", weekdays=frozenset({0, 1, 2})),),
    }
    people: list[StaffRecord] = []
    groups = (("leader", LEADERS, LEADER_UNITS), ("duty_officer", OFFICERS, OFFICER_UNITS),
              ("liaison", LIAISONS, LIAISON_UNITS))
    for role, names, units in groups:
        for i, name in enumerate(names):
            roles: tuple[str, ...] = (role,)
            if role == "duty_officer" and i < 6:
                roles = ("duty_officer", "liaison")
            quals: tuple[str, ...] = {
                "leader": ("应急指挥",),
                "duty_officer": (OFFICER_QUALIFICATIONS[i % len(OFFICER_QUALIFICATIONS)],),
                "liaison": ("信息报送",),
            }[role]
            entry = away.get((role, i))
            people.append(StaffRecord(
                name=f"{name}{SAMPLE_MARK}", unit=f"{units[i % len(units)]}{SAMPLE_MARK}",
                phone=_phone(len(people)), roles=roles, qualifications=quals, active=True,
                is_sample=True, note="示例数据,非真实人员",
                unavailable=(entry,) if entry else (), preferences=wishes.get((role, i), ())))
    return people
