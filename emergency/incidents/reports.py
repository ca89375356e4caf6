"""The written reports of an incident (信息报告): 初报, 续报 (numbered) and 处理结果报告, drafted
from the incident, its response package, monitoring, checklist, dispatches and decisions.

Contents follow 《突发环境事件信息报告办法》(环境保护部令第17号): the 初报 gives the time, place,
information source, cause and nature, course, main pollutants and quantities, monitoring data,
casualties, the effect on drinking-water sources and other sensitive points, the trend, the
measures taken and planned; the 续报 adds exact data, the cause, the course, progress and measures
as facts firm up; the 处理结果报告 adds the measures, process and results, potential or indirect
harm, social impact, remaining problems, the departments involved and what each did, and the
losses. Each names the reporting unit, signer, contact and phone.

What the system knows is written in full sentences (never cut mid-word); only what it cannot
know is left as 【待填】. Pure: no Flask, no SQLAlchemy, no python-docx (see report_docx.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from emergency.labels import roman, tier_name

TBD = "【待填】"
KINDS = {"first": ("初报", "first report"), "follow_up": ("续报", "follow-up report"),
         "final": ("处理结果报告", "final report")}
CAVEAT = ("以上趋势为 Jobson(1996)经验公式的模型预测,存在较大不确定性,"
          "须以应急监测结果校正")


@dataclass(frozen=True)
class Place:
    """Where the release is: prefecture (市) and county (县/区/市) names, if known."""

    prefecture_zh: str | None = None
    county_zh: str | None = None
    province_zh: str | None = None


@dataclass(frozen=True)
class Measure:
    """A measure taken: a done checklist item or a dispatch, with its time."""

    at: datetime | None
    text_zh: str
    responsible_zh: str = ""


@dataclass(frozen=True)
class Facts:
    """What the reports are drafted from, besides the response package."""

    title: str
    description: str = ""
    info_source: str = ""
    deaths: int = 0
    injured: int = 0
    evacuated: int = 0
    economic_loss_cny: float = 0.0
    place: Place = field(default_factory=Place)
    observations: Sequence[dict] = ()     # {name_zh, km, observed_at (datetime), concentration}
    measures: Sequence[Measure] = ()
    response_level: int | None = None
    response_started_at: datetime | None = None
    terminated_at: datetime | None = None
    departments: Sequence[str] = ()


@dataclass(frozen=True)
class ReportDraft:
    kind: str
    number: int
    title: str
    paragraphs: tuple[str, ...]
    monitoring_header: tuple[str, ...]
    monitoring_rows: tuple[tuple[str, ...], ...]
    is_drill: bool


def _t(dt: datetime | None, tz: tzinfo) -> str:
    return dt.astimezone(tz).strftime("%Y年%m月%d日%H时%M分") if dt else TBD


def place_text(pkg, place: Place) -> str:
    """e.g. 吉林省吉林市丰满区境内(东经 …°、北纬 …°),污染物就近进入第二松花江(河道里程约 … km)."""
    snap = pkg.snap
    admin = "".join(x for x in (place.province_zh, place.prefecture_zh, place.county_zh) if x)
    where = (f"{admin}境内" if admin else "") + \
        f"(东经 {snap.query_lon:.5f}°、北纬 {snap.query_lat:.5f}°)"
    river = snap.river_name_zh or "未命名河道"
    km = f"(河道里程约 {snap.river_km:.1f} km)" if snap.river_km is not None else ""
    # the pathway (drain, ditch, outfall) is a fact only the site knows; the distance is known
    how = (f"经排放途径({TBD};事发点距河道约 {snap.distance_m:.0f} m)"
           if snap.distance_m > 200 else "就近")
    return f"{where},污染物{how}进入{river}{km}"


def _measure_sentence(m: Measure, tz: tzinfo) -> str:
    text = m.text_zh.strip()
    while text and text[-1] in "。;;":
        text = text[:-1]
    who = f"(责任单位:{m.responsible_zh})" if m.responsible_zh else ""
    when = m.at.astimezone(tz).strftime("%m月%d日%H时%M分") if m.at else ""
    return f"{when}{',' if when else ''}{text}{who}。"


def _receptors(pkg) -> str:
    tz = pkg.tz
    hit = [i for i in pkg.downstream if i.kind in ("intake", "water_source") and i.worst_exceeds]
    near = [i for i in pkg.downstream if i.kind in ("intake", "water_source")]
    if hit:
        return ";".join(
            f"{i.name_zh}(距事发点 {i.km:g} km)预计最早 {_t(i.front_at_earliest, tz)} 受到影响,"
            f"预测峰值 {i.peak_mg_l:.3g} mg/L,超过限值" for i in hit[:5]) + "。"
    if near:
        return f"下游 {len(near)} 处取水口预测未超标,需持续监测。"
    return "下游路径上未登记集中式饮用水取水口。"


def _trend(pkg) -> str:
    tz = pkg.tz
    crossings = [i for i in pkg.downstream if i.kind == "boundary"
                 and i.attrs.get("level") in ("prefecture", "province", "nation")]
    parts = [f"污染团最早于 {_t(i.front_at_earliest, tz)} 到达{i.name_zh}(km {i.km:g}),"
             f"预测峰值 {i.peak_mg_l:.3g} mg/L" for i in crossings[:4]]
    body = ";".join(parts) if parts else "预计影响限于事发县(市、区)境内"
    return f"{body}。{CAVEAT}。"


def _next(pkg) -> str:
    tz = pkg.tz
    feasible = [o for o in pkg.intercept_options if o.feasible and o.site.kind == "intercept"]
    parts = []
    if feasible:
        first = feasible[0]
        parts.append(f"在{first.site.name_zh}实施拦截(须于 {_t(first.ready_by, tz)} 前到位)")
    closes = [c for c in pkg.checklist if c.kind == "close_intake"]
    if closes:
        parts.append(f"提前关闭 {len(closes)} 处取水口并启用备用水源")
    parts.append("加密应急监测,按规定续报")
    return ";".join(parts) + "。"


def _grading(pkg, facts: Facts) -> str:
    tier = pkg.tier.level
    name = (tier_name(tier) or (TBD,))[0]
    reasons = ";".join(r.text_zh for r in pkg.tier.binding_reasons[:3])
    text = f"初步判断为{name}({roman(tier)}级)突发环境事件" + (f",依据:{reasons}" if reasons
                                                            else "")
    if facts.response_level:
        text += (f";已于 {_t(facts.response_started_at, pkg.tz)} 启动 "
                 f"{roman(facts.response_level)} 级应急响应")
    return text + "。"


def monitoring_table(facts: Facts, limit: float | None, tz: tzinfo
                     ) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    header = ("采样时间", "点位", "距事发点(km)", "浓度(mg/L)", "是否超标")
    rows = []
    for o in sorted(facts.observations, key=lambda o: o["observed_at"]):
        c = float(o["concentration_mg_l"])
        verdict = "—" if limit is None else (f"超标 {c / limit:.1f} 倍" if c > limit else "达标")
        rows.append((o["observed_at"].astimezone(tz).strftime("%m-%d %H:%M"), o["name_zh"],
                     f"{o['km']:g}", f"{c:g}", verdict))
    return header, tuple(rows)


def draft_report(pkg, facts: Facts, *, kind: str, number: int = 1, as_of: datetime,
                 reporting_unit: str = TBD, signer: str = TBD, contact: str = TBD,
                 phone: str = TBD) -> ReportDraft:
    """A report of ``kind`` ('first', 'follow_up', 'final'); ``number`` counts 续报."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}")
    inc, sub, tz = pkg.incident, pkg.substance, pkg.tz
    drill = "【演练】" if inc.is_drill else ""
    label = KINDS[kind][0] + (f"(第{number}次)" if kind == "follow_up" else "")
    title = f"{drill}关于{facts.title}的{label}"
    limit = sub.limit_mg_l
    header, rows = monitoring_table(facts, limit, tz)
    if rows:
        worst = max(float(o["concentration_mg_l"]) for o in facts.observations)
        monitoring = (f"已取得 {len(rows)} 个监测结果(见下表),最高 {worst:g} mg/L"
                      + (f",为限值的 {worst / limit:.1f} 倍" if limit else "") + "。")
    else:
        monitoring = f"{TBD}(应急监测尚无结果)。"
    measures = "".join(_measure_sentence(m, tz) for m in facts.measures) or f"{TBD}。"
    paras = [
        f"一、事件发生时间:{_t(inc.occurred_at, tz)};发现时间:{_t(inc.discovered_at, tz)}。",
        f"二、事件发生地点:{place_text(pkg, facts.place)}。",
        f"三、信息来源:{facts.info_source or TBD}。",
        f"四、事件起因和性质:{facts.description.strip().rstrip('。') or TBD}。",
        f"五、主要污染物和数量:{sub.name_zh}(CAS {sub.cas or '—'}),约 {inc.mass_kg:g} kg"
        + (f",持续排放约 {inc.release_hours:g} 小时" if inc.release_hours else ",瞬时泄漏")
        + (f";地表水限值 {limit:g} mg/L({sub.limit_source})" if limit else "") + "。",
        f"六、监测数据:{monitoring}",
        f"七、人员伤亡情况:死亡 {facts.deaths} 人,中毒或重伤 {facts.injured} 人,"
        f"疏散转移 {facts.evacuated} 人。",
        f"八、对饮用水水源地等环境敏感点的影响:{_receptors(pkg)}",
        f"九、事件发展趋势:{_trend(pkg)}",
        f"十、已采取的处置措施:{measures}",
    ]
    if kind == "first":
        paras.append(f"十一、拟采取的措施和下一步工作建议:{_next(pkg)}")
        paras.append(f"十二、事件级别:{_grading(pkg, facts)}")
        paras.append("附:环境敏感点分布示意图(见系统打印页)。")
    elif kind == "follow_up":
        paras.append(f"十一、事件进展和下一步工作:{_next(pkg)}")
        paras.append(f"十二、事件级别:{_grading(pkg, facts)}")
    else:
        loss = (f"直接经济损失约 {facts.economic_loss_cny / 1e4:g} 万元"
                if facts.economic_loss_cny else f"直接经济损失{TBD}")
        ended = (f"应急响应已于 {_t(facts.terminated_at, tz)} 终止。" if facts.terminated_at
                 else "")
        depts = "、".join(dict.fromkeys(d for d in facts.departments if d)) or TBD
        paras += [
            f"十一、处理结果:{ended}事件级别:{_grading(pkg, facts)}",
            f"十二、潜在或间接危害、社会影响:{TBD}。",
            f"十三、遗留问题:{TBD}。",
            f"十四、参加处置的部门和工作内容:{depts}(各单位工作内容见上述处置措施)。",
            f"十五、危害与损失:{loss};有关证明文件{TBD}。",
        ]
    paras += ["", f"报告单位:{reporting_unit or TBD}    签发人:{signer or TBD}",
              f"联系人:{contact or TBD}    联系电话:{phone or TBD}",
              f"报告时间:{_t(as_of, tz)}"]
    return ReportDraft(kind, number, title, tuple(paras), header, rows, inc.is_drill)


def draft_text(draft: ReportDraft) -> str:
    """The draft as plain text (the copy button, the print view)."""
    lines = [draft.title, ""]
    for p in draft.paragraphs:
        lines.append(p)
        if p.startswith("六、") and draft.monitoring_rows:
            lines += ["    " + " | ".join(r) for r in (draft.monitoring_header,
                                                          *draft.monitoring_rows)]
    return "\n".join(lines)
