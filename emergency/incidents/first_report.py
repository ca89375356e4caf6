"""The 初报 (first report) draft, filled from the incident and its response package.

Content follows 《突发环境事件信息报告办法》(环境保护部令第17号) 第十条: time, place, source
of information, cause and nature, course, main pollutants and quantities, monitoring data,
casualties, effect on drinking-water sources and other sensitive points, trend, measures taken,
planned measures and next steps; the reporting unit, signer, contact and phone. Gaps the system
cannot know are left as 【待填】 so that nothing invented reaches a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from emergency.labels import roman, tier_name

TBD = "【待填】"


@dataclass(frozen=True)
class DoneItem:
    text_zh: str
    done_at: datetime | None


def _t(dt: datetime | None, tz: tzinfo) -> str:
    return dt.astimezone(tz).strftime("%Y年%m月%d日%H时%M分") if dt else TBD


def first_report_text(pkg, *, title: str, description: str, casualties: dict,
                      done: Sequence[DoneItem] = (), reporting_unit: str = TBD,
                      signer: str = TBD, contact: str = TBD, phone: str = TBD,
                      observations: Sequence[dict] = ()) -> str:
    """A plain-text draft ready to copy into the written report."""
    inc, snap, sub = pkg.incident, pkg.snap, pkg.substance
    drill = "【演练】" if inc.is_drill else ""
    river = snap.river_name_zh or "未命名河道"
    km = f"(河道里程约 {snap.river_km:g} km)" if snap.river_km is not None else ""
    tier = pkg.tier.level
    lines = [
        f"{drill}关于{title}的初报",
        "",
        f"一、事件发生时间:{_t(inc.occurred_at, pkg.tz)};"
        f"发现时间:{_t(inc.discovered_at, pkg.tz)}。",
        f"二、事件发生地点:东经 {snap.query_lon:.5f}°、北纬 {snap.query_lat:.5f}°,"
        f"污染物经{'排放途径' + TBD if snap.distance_m > 200 else '就近'}进入{river}{km}。",
        f"三、信息来源:{TBD}。",
        f"四、事件起因和性质:{description or TBD}。",
        f"五、主要污染物和数量:{sub.name_zh}(CAS {sub.cas or '—'}),约 {inc.mass_kg:g} kg"
        + (f",持续排放约 {inc.release_hours:g} 小时" if inc.release_hours else ",瞬时泄漏")
        + (f";地表水限值 {sub.limit_mg_l:g} mg/L({sub.limit_source})" if sub.limit_mg_l else "")
        + "。",
        "六、监测数据:" + (";".join(
            f"{o['name_zh']}(km {o['km']:g}){o['observed_at']} {o['concentration_mg_l']:g} mg/L"
            for o in observations) if observations else f"{TBD}(应急监测尚无结果)") + "。",
        f"七、人员伤亡情况:死亡 {casualties.get('deaths', 0)} 人,中毒或重伤 "
        f"{casualties.get('injured', 0)} 人,疏散转移 {casualties.get('evacuated', 0)} 人。",
        "八、对饮用水水源地等环境敏感点的影响:" + _receptors(pkg) + "。",
        "九、事件发展趋势(模型预测,须以监测校正):" + _trend(pkg) + "。",
        "十、已采取的处置措施:" + ("；".join(
            f"{d.text_zh[:60]}({_t(d.done_at, pkg.tz)})" for d in done) if done else TBD) + "。",
        "十一、拟采取的措施和下一步工作建议:" + _next(pkg) + "。",
        f"十二、初步判断事件级别:{(tier_name(tier) or (TBD,))[0]}({roman(tier)}级)"
        + (";依据:" + ";".join(r.text_zh for r in pkg.tier.binding_reasons[:3])
           if pkg.tier.binding_reasons else "") + "。",
        "附:环境敏感点分布示意图(见系统“一张图”打印页)。",
        "",
        f"报告单位:{reporting_unit}    签发人:{signer}",
        f"联系人:{contact}    联系电话:{phone}",
        f"报告时间:{_t(pkg.as_of, pkg.tz)}",
    ]
    return "\n".join(lines)


def _receptors(pkg) -> str:
    hit = [i for i in pkg.downstream if i.kind in ("intake", "water_source") and i.worst_exceeds]
    near = [i for i in pkg.downstream if i.kind in ("intake", "water_source")]
    if hit:
        return ";".join(
            f"{i.name_zh}(距事发点 {i.km:g} km)"
            f"预计最早 {_t(i.front_at_earliest, pkg.tz)} 受到影响,"
            f"预测峰值 {i.peak_mg_l:.3g} mg/L,超过限值" for i in hit[:5])
    if near:
        return f"下游 {len(near)} 处取水口预测未超标,需持续监测"
    return "下游路径上未登记集中式饮用水取水口"


def _trend(pkg) -> str:
    crossings = [i for i in pkg.downstream
                 if i.kind == "boundary" and i.attrs.get("level") in ("prefecture", "province",
                                                                      "nation")]
    parts = [f"污染团最早于 {_t(i.front_at_earliest, pkg.tz)} 到达{i.name_zh}(km {i.km:g}),"
             f"预测峰值 {i.peak_mg_l:.3g} mg/L" for i in crossings[:4]]
    return ";".join(parts) if parts else "预计影响限于事发县(市、区)境内"


def _next(pkg) -> str:
    feasible = [o for o in pkg.intercept_options if o.feasible and o.site.kind == "intercept"]
    parts = []
    if feasible:
        first = feasible[0]
        parts.append(f"在{first.site.name_zh}实施拦截"
                     f"(须于 {_t(first.ready_by, pkg.tz)} 前到位)")
    closes = [c for c in pkg.checklist if c.kind == "close_intake"]
    if closes:
        parts.append(f"提前关闭 {len(closes)} 处取水口并启用备用水源")
    parts.append("加密应急监测,按规定续报")
    return ";".join(parts)
