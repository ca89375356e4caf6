"""The sample inventory (示例数据): plausible, consistent with the seed figures, all marked sample.

Seed figures (DOMAIN.md §4): 52 major risk-source enterprises, 99 tailings ponds, 22 chemical
parks; two provincial standing teams and at least one per prefecture; an expert pool. Materials:
a depot in every prefecture and two provincial depots in 长春, with items in all seven
categories, some expired or expiring soon.

Everything is generated deterministically (seeded ``random.Random``) from the river network:
each site lies inside its declared county (at least 300 m from its boundary), enterprises and
parks near their county seat and within 8 km of a named river where the county has one, tailings
ponds in the mining counties within 3 km of a channel. The discharge route is computed with the
same function the importer uses (:func:`rules.discharge_entry`), so an export of the sample reads
back as the same records.

Only one place is real: 吉林化学工业循环经济示范园区 (吉林市龙潭区), named as itself; its
attributes are sample values like all others. Every other name is invented and says so
("示例化工企业01(吉林市)"). Contacts and telephone numbers are invented.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import shapely

from emergency.inventory.places import County, Places, places_for
from emergency.inventory.records import (
    DepotRecord,
    ExpertRecord,
    MaterialItemRecord,
    Record,
    RiskSourceRecord,
    SubstanceHeld,
    TeamRecord,
)
from emergency.inventory.rules import discharge_entry
from emergency.substances import SubstanceCatalogue
from rivers.exceptions import RiverError
from rivers.geo import project, unproject
from rivers.loader import DATA_DIR
from rivers.network import UNNAMED_ZH, RiverNetwork

#: The date the sample is "as of" unless told otherwise (``data load`` passes today).
SAMPLE_AS_OF = date(2026, 5, 20)
MARGIN_M = 300.0

AREA_CODES = {"长春市": "0431", "吉林市": "0432", "延边朝鲜族自治州": "0433", "四平市": "0434",
              "通化市": "0435", "白城市": "0436", "辽源市": "0437", "松原市": "0438",
              "白山市": "0439"}
SHORT = {"延边朝鲜族自治州": "延边州"}

# ----------------------------------------------------------------------------- risk sources
# industry → (name word, [(substance id, min t, max t)])
INDUSTRIES: dict[str, tuple[str, list[tuple[str, float, float]]]] = {
    "石油化工": ("石化", [("benzene", 200, 3000), ("toluene", 100, 1500), ("xylene", 100, 1500),
                       ("styrene", 100, 2000), ("butadiene_1_3", 50, 800)]),
    "有机化工原料制造": ("化工", [("nitrobenzene", 100, 1500), ("aniline", 100, 1500),
                          ("benzene", 100, 1000), ("nitric_acid", 50, 500)]),
    "合成纤维单体制造": ("化工", [("acrylonitrile", 200, 2000), ("ammonia", 20, 300),
                          ("sulfuric_acid", 100, 1000)]),
    "氮肥及甲醇制造": ("化工", [("methanol", 500, 5000), ("ammonia", 100, 1500),
                         ("formaldehyde", 20, 300)]),
    "氯碱化工": ("化工", [("chlorine", 20, 200), ("sodium_hydroxide", 200, 3000),
                       ("hydrochloric_acid", 100, 1000), ("dichloroethane_1_2", 50, 800)]),
    "原油开采": ("石油", [("crude_oil", 500, 8000), ("diesel", 20, 300),
                       ("hydrochloric_acid", 10, 100)]),
    "原油加工及石油制品制造": ("石化", [("crude_oil", 1000, 20000), ("gasoline", 500, 8000),
                              ("diesel", 500, 8000), ("benzene", 50, 500)]),
    "化学药品原料药制造": ("制药", [("dichloromethane", 20, 300), ("methanol", 50, 500),
                           ("acetone", 20, 300), ("chloroform", 5, 80)]),
    "燃料乙醇生产": ("化工", [("ethanol", 1000, 10000), ("sulfuric_acid", 50, 500),
                        ("sodium_hydroxide", 50, 500)]),
    "金属表面处理及电镀": ("电镀", [("chromium_vi", 1, 20), ("nickel", 1, 20), ("zinc", 2, 40),
                            ("hydrochloric_acid", 10, 100)]),
    "农药制造": ("化工", [("atrazine", 10, 200), ("formaldehyde", 10, 200), ("methanol", 20, 300)]),
    "有色金属冶炼": ("冶炼", [("nickel", 50, 800), ("copper", 50, 500), ("cobalt", 5, 50),
                        ("sulfuric_acid", 500, 5000), ("arsenic", 1, 20)]),
    "危险化学品仓储": ("仓储", [("gasoline", 500, 5000), ("diesel", 500, 5000),
                         ("methanol", 200, 2000), ("toluene", 100, 1000)]),
    "炼焦及煤化工": ("化工", [("benzene", 100, 1000), ("phenol", 20, 300), ("ammonia", 20, 300)]),
    "制浆造纸": ("造纸", [("sodium_hydroxide", 100, 1500), ("sodium_hypochlorite", 20, 200)]),
    "食品加工(液氨制冷)": ("食品", [("ammonia", 10, 150)]),
}

# (county, industry); 52 major risk-source enterprises, by prefecture
ENTERPRISES: list[tuple[str, str]] = [
    # 吉林市 12: the petrochemical centre on the 第二松花江
    ("龙潭区", "石油化工"), ("龙潭区", "有机化工原料制造"), ("龙潭区", "合成纤维单体制造"),
    ("龙潭区", "氮肥及甲醇制造"), ("龙潭区", "燃料乙醇生产"), ("龙潭区", "危险化学品仓储"),
    ("昌邑区", "炼焦及煤化工"), ("昌邑区", "氯碱化工"), ("船营区", "化学药品原料药制造"),
    ("丰满区", "危险化学品仓储"), ("永吉县", "农药制造"), ("磐石市", "有色金属冶炼"),
    # 长春市 10
    ("绿园区", "金属表面处理及电镀"), ("绿园区", "金属表面处理及电镀"),
    ("宽城区", "危险化学品仓储"),
    ("朝阳区", "化学药品原料药制造"), ("二道区", "化学药品原料药制造"), ("九台区", "炼焦及煤化工"),
    ("九台区", "氮肥及甲醇制造"), ("德惠市", "食品加工(液氨制冷)"), ("公主岭市", "农药制造"),
    ("农安县", "燃料乙醇生产"),
    # 松原市 9: oil
    ("宁江区", "原油加工及石油制品制造"), ("宁江区", "危险化学品仓储"), ("宁江区", "原油开采"),
    ("前郭尔罗斯蒙古族自治县", "原油加工及石油制品制造"), ("前郭尔罗斯蒙古族自治县", "原油开采"),
    ("前郭尔罗斯蒙古族自治县", "氮肥及甲醇制造"), ("扶余市", "原油开采"), ("扶余市", "原油开采"),
    ("扶余市", "危险化学品仓储"),
    # 四平市 6
    ("铁西区", "氯碱化工"), ("铁东区", "化学药品原料药制造"), ("铁东区", "危险化学品仓储"),
    ("梨树县", "农药制造"), ("双辽市", "有机化工原料制造"), ("伊通满族自治县", "燃料乙醇生产"),
    # 辽源市 4
    ("龙山区", "金属表面处理及电镀"), ("西安区", "炼焦及煤化工"), ("东辽县", "有色金属冶炼"),
    ("东丰县", "化学药品原料药制造"),
    # 通化市 4
    ("东昌区", "化学药品原料药制造"), ("二道江区", "炼焦及煤化工"),
    ("梅河口市", "化学药品原料药制造"),
    ("通化县", "危险化学品仓储"),
    # 白城市 3
    ("洮北区", "化学药品原料药制造"), ("大安市", "有机化工原料制造"), ("洮南市", "燃料乙醇生产"),
    # 延边朝鲜族自治州 2
    ("延吉市", "化学药品原料药制造"), ("图们市", "制浆造纸"),
    # 白山市 2
    ("浑江区", "化学药品原料药制造"), ("浑江区", "炼焦及煤化工"),
]

# 22 chemical parks: (county, name or None for a sample name, industries mixed in)
REAL_PARK = "吉林化学工业循环经济示范园区"
REAL_PARK_NEAR = (126.50, 43.94)  # 吉林市龙潭区, north bank of the 第二松花江
CHEMICAL_PARKS: list[tuple[str, str | None, tuple[str, ...]]] = [
    ("龙潭区", REAL_PARK, ("石油化工", "有机化工原料制造", "合成纤维单体制造")),
    ("昌邑区", None, ("炼焦及煤化工", "氯碱化工")), ("永吉县", None, ("农药制造",)),
    ("磐石市", None, ("有色金属冶炼",)),
    ("九台区", None, ("炼焦及煤化工", "氮肥及甲醇制造")), ("德惠市", None, ("氮肥及甲醇制造",)),
    ("公主岭市", None, ("农药制造", "危险化学品仓储")), ("农安县", None, ("燃料乙醇生产",)),
    ("宁江区", None, ("原油加工及石油制品制造", "危险化学品仓储")),
    ("前郭尔罗斯蒙古族自治县", None, ("原油加工及石油制品制造", "氮肥及甲醇制造")),
    ("扶余市", None, ("原油开采", "危险化学品仓储")), ("宁江区", None, ("石油化工",)),
    ("铁东区", None, ("化学药品原料药制造", "氯碱化工")), ("双辽市", None, ("有机化工原料制造",)),
    ("梨树县", None, ("农药制造",)),
    ("西安区", None, ("炼焦及煤化工",)), ("东辽县", None, ("有色金属冶炼",)),
    ("洮北区", None, ("化学药品原料药制造", "危险化学品仓储")),
    ("大安市", None, ("有机化工原料制造",)),
    ("梅河口市", None, ("化学药品原料药制造",)),
    ("延吉市", None, ("化学药品原料药制造",)), ("图们市", None, ("制浆造纸", "危险化学品仓储")),
]

# tailings: mine type → [(substance id, min t, max t)]
MINES: dict[str, list[tuple[str, float, float]]] = {
    "金矿采选": [("sodium_cyanide", 5, 60), ("potassium_butyl_xanthate", 1, 10),
             ("arsenic", 1, 50), ("lead", 1, 30)],
    "金铜矿采选": [("sodium_cyanide", 5, 60), ("copper", 10, 300), ("arsenic", 1, 30),
              ("potassium_butyl_xanthate", 2, 20)],
    "铜镍矿采选": [("nickel", 20, 500), ("copper", 10, 300), ("cobalt", 1, 20),
              ("potassium_butyl_xanthate", 2, 20)],
    "钼矿采选": [("molybdenum", 10, 300), ("sodium_ethyl_xanthate", 1, 15), ("diesel", 5, 50)],
    "铜矿采选": [("copper", 10, 300), ("potassium_butyl_xanthate", 2, 20), ("arsenic", 1, 10)],
    "铅锌矿采选": [("lead", 10, 200), ("zinc", 10, 300), ("cadmium", 0.5, 5),
              ("sodium_ethyl_xanthate", 1, 10)],
    "铁矿采选": [("iron", 100, 2000), ("manganese", 5, 50)],
}

# (county, number of ponds, mine types cycled) — 99 ponds in the mining counties
TAILINGS: list[tuple[str, int, tuple[str, ...]]] = [
    ("桦甸市", 10, ("金矿采选",)), ("磐石市", 8, ("铜镍矿采选",)), ("永吉县", 3, ("钼矿采选",)),
    ("舒兰市", 2, ("钼矿采选",)),
    ("和龙市", 8, ("金矿采选", "铁矿采选")), ("汪清县", 7, ("钼矿采选",)),
    ("珲春市", 8, ("金铜矿采选",)), ("敦化市", 6, ("钼矿采选", "金矿采选")),
    ("安图县", 5, ("金矿采选",)), ("龙井市", 3, ("铅锌矿采选",)),
    ("浑江区", 4, ("铁矿采选",)), ("江源区", 4, ("铁矿采选",)),
    ("临江市", 6, ("铁矿采选", "铜矿采选")),
    ("抚松县", 5, ("金矿采选",)), ("靖宇县", 2, ("铁矿采选",)),
    ("长白朝鲜族自治县", 3, ("铜矿采选",)),
    ("通化县", 5, ("铜镍矿采选", "铁矿采选")), ("集安市", 5, ("金矿采选", "铅锌矿采选")),
    ("二道江区", 3, ("铁矿采选",)), ("柳河县", 2, ("铁矿采选",)),
]

# ----------------------------------------------------------------------------- materials
# item → (category, spec, unit, (min, max) for a municipal depot, purpose, shelf life in days)
ITEMS: dict[str, tuple[str, str, str, tuple[float, float], str, int | None]] = {
    "防化服": ("安全防护", "二级 非气密型", "套", (20, 100), "人员防护", 1825),
    "正压式空气呼吸器": ("安全防护", "6.8 L 碳纤维气瓶", "套", (4, 20), "人员呼吸防护", None),
    "防毒面具": ("安全防护", "全面罩 配综合滤毒罐", "个", (20, 100), "人员呼吸防护", 1095),
    "救生衣": ("安全防护", "成人 浮力≥75 N", "件", (20, 80), "水上作业防护", None),
    "沙袋": ("污染源切断", "编织袋 50×80 cm", "个", (2000, 20000), "筑坝拦截、封堵排口", None),
    "堵漏器材": ("污染源切断", "木楔、堵漏胶、管道堵漏夹", "套", (2, 10), "管道和容器堵漏", None),
    "管道封堵气囊": ("污染源切断", "DN300–DN800", "个", (4, 20), "封堵雨水管网和排污口", None),
    "围油栏": ("污染物控制", "WGJ600 固体浮子式", "m", (500, 3000), "拦截水面油污", None),
    "拦污网": ("污染物控制", "尼龙 网孔 2 cm", "m", (200, 1000), "拦截漂浮物", None),
    "吸油毡": ("污染物收集", "PP-2 聚丙烯 50×50 cm", "t", (1, 10), "吸附水面浮油", 1825),
    "活性炭": ("污染物收集", "颗粒 4–8 目 碘值≥900 mg/g", "t", (10, 200),
            "吸附有机污染物(活性炭吸附坝)", 1095),
    "收油机": ("污染物收集", "转盘式 20 m³/h", "台", (1, 4), "回收水面油污", None),
    "吸污车": ("污染物收集", "10 m³", "辆", (1, 3), "抽吸收集污染物", None),
    "储油囊": ("污染物收集", "10 m³ 可折叠", "个", (2, 10), "临时储存回收的油和废液", None),
    "聚合氯化铝": ("污染物降解", "PAC 氧化铝≥28%", "t", (10, 100), "混凝沉淀", 730),
    "聚丙烯酰胺": ("污染物降解", "PAM 阴离子 分子量≥1200 万", "t", (1, 10), "助凝沉淀", 730),
    "石灰": ("污染物降解", "生石灰 CaO≥85%", "t", (20, 200), "酸性废水中和、重金属碱性沉淀", 365),
    "氢氧化钠": ("污染物降解", "片碱 ≥96%", "t", (5, 30), "酸碱中和、碱性沉淀", 1095),
    "次氯酸钠": ("污染物降解", "有效氯≥10%", "t", (5, 30), "碱性氯化法破氰", 180),
    "硫化钠": ("污染物降解", "片状 ≥60%", "t", (1, 10), "重金属硫化物沉淀", 730),
    "硫酸亚铁": ("污染物降解", "七水 ≥90%", "t", (5, 30), "六价铬还原、砷铁盐共沉淀", 730),
    "卫星电话": ("应急通信和指挥", "天通卫星终端", "部", (2, 6), "无公网区域通信", None),
    "对讲机": ("应急通信和指挥", "数字 防爆", "部", (10, 40), "现场通信", None),
    "应急指挥车": ("应急通信和指挥", "含视频会商系统", "辆", (1, 1), "现场指挥", None),
    "无人机": ("应急通信和指挥", "多旋翼 航时≥40 min 含热成像", "架", (1, 4), "现场侦察、航拍",
            None),
    "应急监测车": ("环境监测", "水质与大气监测", "辆", (1, 2), "现场应急监测", None),
    "便携式多参数水质分析仪": ("环境监测", "pH/溶解氧/电导率/浊度", "台", (2, 6),
                    "现场水质快速测定", None),
    "便携式气相色谱-质谱联用仪": ("环境监测", "GC-MS", "台", (1, 1), "挥发性有机物定性定量", None),
    "重金属快速检测仪": ("环境监测", "阳极溶出伏安法", "台", (1, 3), "水中重金属快速测定", None),
    "水质检测试剂盒": ("环境监测", "氰化物/六价铬/氨氮", "盒", (20, 100), "现场比色快速检测", 365),
}

BASE_KIT = ("防化服", "防毒面具", "救生衣", "沙袋", "堵漏器材", "围油栏", "吸油毡", "活性炭",
            "聚合氯化铝", "聚丙烯酰胺", "石灰", "对讲机", "卫星电话", "应急监测车",
            "便携式多参数水质分析仪", "水质检测试剂盒")
EXTRA_KIT = {
    "长春市": ("无人机", "便携式气相色谱-质谱联用仪", "吸污车"),
    "吉林市": ("正压式空气呼吸器", "便携式气相色谱-质谱联用仪", "管道封堵气囊", "氢氧化钠"),
    "四平市": ("吸污车", "氢氧化钠"),
    "辽源市": ("硫化钠", "重金属快速检测仪"),
    "通化市": ("次氯酸钠", "硫化钠", "重金属快速检测仪"),
    "白山市": ("次氯酸钠", "硫酸亚铁", "重金属快速检测仪"),
    "松原市": ("收油机", "储油囊", "吸污车", "拦污网"),
    "白城市": ("吸污车",),
    "延边朝鲜族自治州": ("次氯酸钠", "硫化钠", "重金属快速检测仪", "无人机"),
}

# (depot name, holder, holder type, storage mode, county, items, scale)
OTHER_DEPOTS: list[tuple[str, str, str, str, str, tuple[str, ...], float]] = [
    ("示例尾矿库应急物资代储点(桦甸市)", "示例矿业有限公司(代储)", "企业", "代储", "桦甸市",
     ("次氯酸钠", "石灰", "沙袋", "活性炭", "防化服", "水质检测试剂盒"), 0.5),
    ("示例尾矿库应急物资代储点(珲春市)", "示例金铜矿业有限公司(代储)", "企业", "代储", "珲春市",
     ("次氯酸钠", "硫化钠", "石灰", "沙袋", "重金属快速检测仪"), 0.5),
    ("示例油田应急物资库(前郭尔罗斯蒙古族自治县)", "示例油田企业", "企业", "自储",
     "前郭尔罗斯蒙古族自治县", ("围油栏", "吸油毡", "收油机", "储油囊", "吸污车", "沙袋"), 1.5),
    ("示例化工园区应急物资库(龙潭区)", "示例化工园区管理机构", "其他政府部门", "自储", "龙潭区",
     ("活性炭", "围油栏", "吸油毡", "防化服", "正压式空气呼吸器", "应急监测车",
      "便携式气相色谱-质谱联用仪"), 1.5),
    ("示例协议储备点(临江市)", "示例建材有限公司(协议)", "企业", "协议储备", "临江市",
     ("石灰", "沙袋", "硫化钠"), 1.0),
    ("示例县级环境应急物资库(梅河口市)", "示例梅河口市生态环境分局", "生态环境部门", "自储",
     "梅河口市", ("沙袋", "围油栏", "吸油毡", "活性炭", "对讲机"), 0.4),
    ("示例县级环境应急物资库(敦化市)", "示例敦化市生态环境分局", "生态环境部门", "自储", "敦化市",
     ("沙袋", "石灰", "聚合氯化铝", "防化服", "便携式多参数水质分析仪"), 0.4),
    ("示例协议储备点(双辽市)", "示例物流有限公司(协议)", "企业", "协议储备", "双辽市",
     ("沙袋", "石灰", "活性炭", "聚合氯化铝"), 1.0),
    ("示例化工企业代储点(九台区)", "示例化工企业(代储)", "企业", "代储", "九台区",
     ("活性炭", "聚合氯化铝", "聚丙烯酰胺", "吸油毡"), 0.8),
]

SPECIALTIES = ("危险化学品处置", "应急监测", "水上拦截与围控", "筑坝拦截", "投药处置",
               "无人机侦察", "重金属污染处置", "溢油处置", "尾矿库险情处置", "现场采样")
EXPERT_FIELDS = ("环境化学", "水文与水资源", "环境监测", "危险化学品安全", "重金属污染治理",
                 "石油污染处置", "给水排水与饮用水处理", "环境毒理与健康", "尾矿库安全",
                 "应急管理", "环境影响评价", "生态修复", "化工工艺", "河流水力学", "环境法律")
EXPERT_TITLES = ("教授", "研究员", "正高级工程师", "高级工程师", "副教授")
EXPERT_UNITS = (("示例高校环境学院", "长春市"), ("示例省环境科学研究院", "长春市"),
                ("示例省环境监测中心", "长春市"), ("示例石化企业技术中心", "吉林市"),
                ("示例设计研究院", "长春市"), ("示例高校化学学院", "吉林市"),
                ("示例州环境监测站", "延边朝鲜族自治州"))


@dataclass(frozen=True)
class SampleInventory:
    risk_sources: tuple[RiskSourceRecord, ...]
    depots: tuple[DepotRecord, ...]
    teams: tuple[TeamRecord, ...]
    experts: tuple[ExpertRecord, ...]

    def records(self, kind: str) -> tuple[Record, ...]:
        return {"risk_sources": self.risk_sources, "materials": self.depots,
                "teams": self.teams, "experts": self.experts}[kind]


def generate_sample(network: RiverNetwork, catalogue: SubstanceCatalogue, *,
                    as_of: date = SAMPLE_AS_OF) -> SampleInventory:
    """The whole sample inventory; the same inputs give the same records."""
    gen = _Generator(network, catalogue, as_of)
    return SampleInventory(gen.risk_sources(), gen.depots(), gen.teams(), gen.experts())


class _Generator:
    def __init__(self, network: RiverNetwork, catalogue: SubstanceCatalogue, as_of: date) -> None:
        self.network = network
        self.catalogue = catalogue
        self.as_of = as_of
        self.places: Places = places_for(network)
        self._inner: dict[int, object] = {}

    # -------------------------------------------------------------- geography
    @cached_property
    def seats(self) -> dict[str, tuple[float, float]]:
        """County and prefecture seats (治所) from the bundled places, by name."""
        features = json.loads((DATA_DIR / "places.geojson").read_text("utf-8"))["features"]
        out: dict[str, tuple[float, float]] = {}
        for f in features:
            p = f["properties"]
            if p.get("province_zh") == "吉林省" and p["level"] in (
                    "county_seat", "prefecture_seat", "province_capital"):
                key = p["name_zh"] if p["level"] == "county_seat" else f"@{p['name_zh']}"
                out[key] = (float(p["lon"]), float(p["lat"]))
        return out

    def county(self, name: str) -> County:
        found = self.places.county(name)
        if found is None:
            raise KeyError(name)
        return found

    def _inner_polygon(self, county: County):
        if county.adcode not in self._inner:
            inner = self.places.polygon(county).buffer(-MARGIN_M)
            shapely.prepare(inner)
            self._inner[county.adcode] = inner
        return self._inner[county.adcode]

    def points(self, rng: random.Random, county: County, near: tuple[float, float] | None,
               radius_m: float) -> Iterator[tuple[float, float]]:
        """Random points inside ``county`` (≥ 300 m from its boundary), near ``near`` first."""
        inner = self._inner_polygon(county)
        minx, miny, maxx, maxy = inner.bounds
        radii = [radius_m, radius_m * 2, radius_m * 4, math.inf] if near else [math.inf]
        for radius in radii:
            lo_x, lo_y, hi_x, hi_y = minx, miny, maxx, maxy
            if near is not None and math.isfinite(radius):
                cx, cy = project(*near)
                lo_x, lo_y = max(minx, cx - radius), max(miny, cy - radius)
                hi_x, hi_y = min(maxx, cx + radius), min(maxy, cy + radius)
                if lo_x >= hi_x or lo_y >= hi_y:
                    continue
            for _ in range(150):
                x, y = rng.uniform(lo_x, hi_x), rng.uniform(lo_y, hi_y)
                lon, lat = (round(float(v), 6) for v in unproject(x, y))
                if inner.contains(shapely.Point(*project(lon, lat))):
                    yield lon, lat

    def place(self, rng: random.Random, county: County, near: tuple[float, float] | None,
              radius_m: float, accept: Callable[[float, float], object]
              ) -> tuple[float, float, object]:
        for lon, lat in self.points(rng, county, near, radius_m):
            found = accept(lon, lat)
            if found is not None:
                return lon, lat, found
        raise RuntimeError(f"no sample site found in {county.name_zh}")

    def near_named_river(self, max_m: float) -> Callable[[float, float], object]:
        def accept(lon: float, lat: float) -> object:
            try:
                snap = self.network.snap(lon, lat, max_distance_m=max_m)
            except RiverError:
                return None
            return next((c for c in snap.candidates if c.river_name_zh
                         and c.distance_m <= max_m), None)
        return accept

    def near_channel(self, max_m: float) -> Callable[[float, float], object]:
        def accept(lon: float, lat: float) -> object:
            try:
                return self.network.snap(lon, lat, max_distance_m=max_m)
            except RiverError:
                return None
        return accept

    # -------------------------------------------------------------- helpers
    def phone(self, rng: random.Random, prefecture: str) -> str:
        # Not dialable on purpose (x digits): an invented number must never reach a real person.
        return f"{AREA_CODES[prefecture]}-8xxxx{rng.randint(0, 999):03d}(示例)"

    def confirmed(self, rng: random.Random, k: int) -> date | None:
        """The last refresh before the flood season (May); a few older, a few never."""
        year = self.as_of.year if self.as_of >= date(self.as_of.year, 5, 31) \
            else self.as_of.year - 1
        if k % 17 == 5:
            return None
        if k % 11 == 3:
            year -= 1
        return date(year, 5, rng.randint(6, 28))

    def substances(self, rng: random.Random, spec: list[tuple[str, float, float]],
                   pick: int | None = None) -> tuple[SubstanceHeld, ...]:
        chosen = spec if pick is None or pick >= len(spec) else rng.sample(spec, pick)
        held = []
        for substance_id, lo, hi in chosen:
            assert substance_id in self.catalogue, substance_id
            value = rng.uniform(lo, hi)
            held.append(SubstanceHeld(substance_id, _nice(value)))
        return tuple(held)

    def route(self, lon: float, lat: float, outfall: tuple[float, float] | None,
              segment_id: int) -> dict:
        """The discharge route fields, computed exactly as the importer computes them."""
        snapped, joins = discharge_entry(self.network, lon, lat, outfall=outfall,
                                         segment_id=segment_id)
        return {"outfall_lon": outfall[0] if outfall else None,
                "outfall_lat": outfall[1] if outfall else None,
                "receiving_river_zh": snapped.river_name_zh or UNNAMED_ZH,
                "joins_river_zh": joins, "entry_seg_id": snapped.seg_id,
                "entry_lon": snapped.lon, "entry_lat": snapped.lat,
                "entry_distance_m": snapped.distance_m}

    def outfall_towards(self, lon: float, lat: float, candidate) -> tuple[float, float]:
        """An outfall on the bank: 60 m from the river, on the way from the site."""
        snapped = self.network.snap(lon, lat, segment_id=candidate.seg_id)
        sx, sy = project(lon, lat)
        ex, ey = project(snapped.lon, snapped.lat)
        d = math.hypot(sx - ex, sy - ey)
        f = min(1.0, 60.0 / d) if d > 0 else 0.0
        olon, olat = unproject(ex + (sx - ex) * f, ey + (sy - ey) * f)
        return round(float(olon), 6), round(float(olat), 6)

    # -------------------------------------------------------------- risk sources
    def risk_sources(self) -> tuple[RiskSourceRecord, ...]:
        rng = random.Random("jilin-eec-sample-risk-sources-v1")
        out: list[RiskSourceRecord] = []
        k = 0
        for n, (county_name, industry) in enumerate(ENTERPRISES, start=1):
            county = self.county(county_name)
            word, spec = INDUSTRIES[industry]
            base = f"示例{word}企业{n:02d}"
            name = f"{base}({SHORT.get(county.prefecture_zh, county.prefecture_zh)})"
            out.append(self._industrial(rng, "enterprise", name, f"{base}有限公司", industry,
                                        county, self.substances(rng, spec), "重大", k))
            k += 1
        for n, (county_name, real, industries) in enumerate(CHEMICAL_PARKS, start=1):
            county = self.county(county_name)
            mixed: dict[str, tuple[str, float, float]] = {}
            for ind in industries:
                for s in INDUSTRIES[ind][1]:
                    mixed.setdefault(s[0], (s[0], s[1] * 2, s[2] * 3))
            spec = list(mixed.values())
            name = real or \
                f"示例化工园区{n:02d}({SHORT.get(county.prefecture_zh, county.prefecture_zh)})"
            operator = f"{real}管理委员会(示例)" if real else f"示例化工园区{n:02d}管理机构"
            level = "重大" if real or len(industries) > 1 else "较大"
            out.append(self._industrial(rng, "chemical_park", name, operator,
                                        "化工园区:" + "、".join(industries), county,
                                        self.substances(rng, spec, pick=min(6, len(spec))),
                                        level, k, near=REAL_PARK_NEAR if real else None))
            k += 1
        n = 0
        for county_name, count, mine_types in TAILINGS:
            county = self.county(county_name)
            for j in range(count):
                n += 1
                mine = mine_types[j % len(mine_types)]
                lon, lat, snap = self.place(rng, county, None, math.inf, self.near_channel(3000))
                level = ("重大", "较大", "一般")[(0, 1, 1, 2, 2)[n % 5]]
                out.append(RiskSourceRecord(
                    kind="tailings_pond", name=f"示例尾矿库{n:02d}({county.name_zh})",
                    operator=f"示例矿业有限公司{n:02d}", industry=mine,
                    county_adcode=county.adcode, county_zh=county.name_zh,
                    prefecture_zh=county.prefecture_zh, lon=lon, lat=lat,
                    substances=self.substances(rng, MINES[mine]),
                    **self.route(lon, lat, None, snap.seg_id),  # type: ignore[attr-defined]
                    risk_level=level, contact=f"示例联系人{k + 1:03d}",
                    phone=self.phone(rng, county.prefecture_zh),
                    confirmed_at=self.confirmed(rng, k),
                    sample=True))
                k += 1
        return tuple(out)

    def _industrial(self, rng: random.Random, kind: str, name: str, operator: str, industry: str,
                    county: County, held: tuple[SubstanceHeld, ...], level: str, k: int,
                    near: tuple[float, float] | None = None) -> RiskSourceRecord:
        seat = near or self.seats.get(county.name_zh)
        try:
            lon, lat, cand = self.place(rng, county, seat, 6000, self.near_named_river(8000))
            outfall = self.outfall_towards(lon, lat, cand)
            seg = cand.seg_id  # type: ignore[attr-defined]
        except RuntimeError:  # no named river within reach: the nearest channel, no outfall
            lon, lat, snap = self.place(rng, county, seat, 6000, self.near_channel(12000))
            outfall, seg = None, snap.seg_id  # type: ignore[attr-defined]
        return RiskSourceRecord(
            kind=kind, name=name, operator=operator, industry=industry,
            county_adcode=county.adcode, county_zh=county.name_zh,
            prefecture_zh=county.prefecture_zh, lon=lon, lat=lat, substances=held,
            **self.route(lon, lat, outfall, seg), risk_level=level,
            contact=f"示例联系人{k + 1:03d}", phone=self.phone(rng, county.prefecture_zh),
            confirmed_at=self.confirmed(rng, k), sample=True)

    # -------------------------------------------------------------- materials
    def depots(self) -> tuple[DepotRecord, ...]:
        rng = random.Random("jilin-eec-sample-materials-v1")
        plan: list[tuple[str, str, str, str, County, tuple[str, ...], float,
                         tuple[float, float] | None]] = []
        changchun = self.seat_county("长春市")
        kit_all = tuple(ITEMS)
        plan.append(("示例省级环境应急物资储备库01(长春市)", "示例省级环境应急管理机构",
                     "生态环境部门", "自储", changchun, kit_all, 2.0, self.seats["@长春市"]))
        plan.append(("示例省级环境应急物资储备库02(长春市)", "示例物流有限公司(省级协议储备)",
                     "企业", "协议储备", self.county("绿园区"),
                     ("沙袋", "围油栏", "吸油毡", "活性炭", "聚合氯化铝", "聚丙烯酰胺", "石灰",
                      "氢氧化钠"), 2.0, self.seats.get("绿园区")))
        for prefecture in self.places.prefectures:
            short = SHORT.get(prefecture, prefecture)
            plan.append((f"示例市级环境应急物资储备库({short})", f"示例{short}生态环境局",
                         "生态环境部门", "自储", self.seat_county(prefecture),
                         BASE_KIT + EXTRA_KIT.get(prefecture, ()), 1.0,
                         self.seats[f"@{prefecture}"]))
        for name, holder, htype, mode, county_name, kit, scale in OTHER_DEPOTS:
            county = self.county(county_name)
            plan.append((name, holder, htype, mode, county, kit, scale,
                         self.seats.get(county.name_zh)))
        out = []
        n_item = 0
        for k, (name, holder, htype, mode, county, kit, scale, near) in enumerate(plan):
            lon, lat, _ = self.place(rng, county, near, 4000, lambda lon, lat: True)
            items = []
            for item in kit:
                category, spec, unit, (lo, hi), purpose, shelf = ITEMS[item]
                qty = _nice(rng.uniform(lo, hi) * scale)
                if unit not in ("t", "m"):
                    qty = float(max(1, round(qty)))
                items.append(MaterialItemRecord(item, category, spec, qty, unit, purpose,
                                                self.expiry(rng, shelf, n_item)))
                n_item += 1
            out.append(DepotRecord(
                name=name, holder=holder, holder_type=htype, storage_mode=mode,
                county_adcode=county.adcode, county_zh=county.name_zh,
                prefecture_zh=county.prefecture_zh,
                address=f"{county.prefecture_zh}{county.name_zh}示例路{k + 1}号", lon=lon,
                lat=lat, contact=f"示例保管员{k + 1:02d}",
                phone=self.phone(rng, county.prefecture_zh), items=tuple(items),
                confirmed_at=self.confirmed(rng, k), sample=True))
        return tuple(out)

    def expiry(self, rng: random.Random, shelf_days: int | None, k: int) -> date | None:
        """About one dated item in five expired, one in five expiring within 90 days."""
        if shelf_days is None:
            return None
        slot = k % 5
        if slot == 1:
            return self.as_of - timedelta(days=rng.randint(10, 300))
        if slot == 3:
            return self.as_of + timedelta(days=rng.randint(5, 80))
        return self.as_of + timedelta(days=rng.randint(120, max(121, shelf_days)))

    def seat_county(self, prefecture: str) -> County:
        """The county (district) the prefecture's seat lies in."""
        lon, lat = self.seats[f"@{prefecture}"]
        found = self.places.locate_many([lon], [lat])[0].county
        assert found is not None and found.prefecture_zh == prefecture, prefecture
        return found

    # -------------------------------------------------------------- teams and experts
    def teams(self) -> tuple[TeamRecord, ...]:
        rng = random.Random("jilin-eec-sample-teams-v1")
        plan: list[tuple[str, str, str, County, tuple[float, float] | None, int]] = [
            ("示例省级环境应急救援队01(长春市)", "省级", "示例省级环境应急管理机构",
             self.seat_county("长春市"), self.seats["@长春市"], 40),
            ("示例省级环境应急救援队02(吉林市)", "省级", "示例石化企业专职救援队(依托)",
             self.county("龙潭区"), REAL_PARK_NEAR, 36),
        ]
        for prefecture in self.places.prefectures:
            short = SHORT.get(prefecture, prefecture)
            plan.append((f"示例市级环境应急队({short})", "市级", f"示例{short}生态环境局",
                         self.seat_county(prefecture), self.seats[f"@{prefecture}"], 20))
        for county_name in ("桦甸市", "磐石市", "珲春市", "和龙市", "临江市",
                            "前郭尔罗斯蒙古族自治县"):
            county = self.county(county_name)
            plan.append((f"示例县级环境应急队({county.name_zh})", "县级",
                         f"示例{county.name_zh}生态环境分局", county,
                         self.seats.get(county.name_zh), 12))
        out = []
        for k, (name, level, unit, county, near, members) in enumerate(plan):
            lon, lat, _ = self.place(rng, county, near, 4000, lambda lon, lat: True)
            picked = tuple(sorted(rng.sample(SPECIALTIES, 4), key=SPECIALTIES.index))
            out.append(TeamRecord(
                name=name, level=level, unit=unit, county_adcode=county.adcode,
                county_zh=county.name_zh, prefecture_zh=county.prefecture_zh, lon=lon, lat=lat,
                members=members + rng.randint(0, 8), specialties=picked,
                leader=f"示例队长{k + 1:02d}", phone=self.phone(rng, county.prefecture_zh),
                sample=True))
        return tuple(out)

    def experts(self) -> tuple[ExpertRecord, ...]:
        rng = random.Random("jilin-eec-sample-experts-v1")
        out = []
        for k in range(20):
            unit, prefecture = EXPERT_UNITS[k % len(EXPERT_UNITS)]
            out.append(ExpertRecord(
                name=f"示例专家{k + 1:02d}", field=EXPERT_FIELDS[k % len(EXPERT_FIELDS)],
                title=EXPERT_TITLES[k % len(EXPERT_TITLES)], unit=unit, prefecture_zh=prefecture,
                phone=f"139{rng.randint(0, 99_999_999):08d}", sample=True))
        return tuple(out)


def _nice(value: float) -> float:
    """Round a generated quantity the way a steward would write it."""
    if value >= 100:
        return float(round(value))
    if value >= 10:
        return round(value, 1)
    return round(value, 2)
