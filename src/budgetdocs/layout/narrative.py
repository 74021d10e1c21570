"""Take the computed tables, the prior-year figures and the unit's forms; give the modern narrative.

This is the stage that turns numbers into sentences for the modern edition
(FORMS.md §5.3 and §5.4): the 编制说明 and the five parts of 其他相关情况说明.
It returns plain paragraphs (no HTML) and the warnings it found, so it is
tested without templates; the template only prints what it gets.

One rounding rule for every figure: 元 → 万元 is ``元 / 10,000`` rounded half-up
to two decimals, printed with thousands separators and a trailing ``.00``
dropped (``9,101.68``, ``4,614``, ``867.50``).  Figures typed in 万元 (“三公”,
机关运行经费, 政府采购) are printed by the same rule.  A change is the
difference of the two *printed* figures, so ``current − prior = change`` holds
for what a reader sees; 增加/减少/持平 follows from its sign, never from words
in the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Optional, Sequence

from ..errors import Problem
from ..records.budget import BudgetView, Row, chinese_number
from ..records.loader import Source
from ..records.prior import PriorFigures

ZERO = Decimal(0)
CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)

# --------------------------------------------------------------------------- numbers


def to_wan(yuan: Decimal) -> Decimal:
    """元 → 万元, rounded half-up to two decimals: 91,016,775.35 → 9101.68."""
    return (Decimal(yuan) / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)


def wan_text(wan: Decimal) -> str:
    """A 万元 figure as printed: separators, two decimals, ``.00`` dropped (4614.00 → 4,614)."""
    text = f"{Decimal(wan).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"
    return text[:-3] if text.endswith(".00") else text


@dataclass(frozen=True)
class Change:
    """A figure against the prior year's, both as printed (万元)."""

    current: Decimal
    prior: Decimal

    @property
    def delta(self) -> Decimal:
        """current − prior (万元)."""
        return self.current - self.prior

    @property
    def word(self) -> str:
        """增加, 减少 or 持平, from the sign."""
        return "增加" if self.delta > 0 else ("减少" if self.delta < 0 else "持平")

    @property
    def percent(self) -> Optional[Decimal]:
        """|delta| / prior in per cent, two decimals; None when the prior is zero."""
        if self.prior == 0:
            return None
        return (abs(self.delta) * 100 / self.prior).quantize(CENT, rounding=ROUND_HALF_UP)


def compare(current: Decimal, prior: Optional[Decimal]) -> Optional[Change]:
    """The change of a printed 万元 figure, or None when the prior is unknown."""
    return None if prior is None else Change(current, prior)


def against(change: Optional[Change], basis: str, lead: str = "比") -> str:
    """``比2024年预算减少2,389.52万元`` / ``比2024年预算持平`` ('' when unknown).

    ``basis`` is e.g. ``2024年预算``; ``lead`` is 比 (编制说明) or 与 for 持平
    in the “三公” part, as the published documents write them.
    """
    if change is None:
        return ""
    if change.word == "持平":
        return f"{lead}{basis}持平"
    return f"比{basis}{change.word}{wan_text(abs(change.delta))}万元"


# --------------------------------------------------------------------------- result


@dataclass
class Part:
    """One numbered part of 其他相关情况说明: its heading and paragraphs."""

    heading: str
    paragraphs: list[str]


@dataclass
class Narrative:
    """The generated text of a modern disclosure, and what was missing to write it."""

    notes: list[str] = field(default_factory=list)  # 编制说明 paragraphs
    items: list[str] = field(default_factory=list)  # the numbered 财政拨款支出 items
    other: list[Part] = field(default_factory=list)  # 其他相关情况说明
    figures: dict[str, Decimal] = field(default_factory=dict)  # every printed figure, by name (for checks)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class FormMoney:
    """What 绩效目标设置情况 needs of one project form: its money (元)."""

    name: str
    amount: Decimal


# --------------------------------------------------------------------------- 编制说明


def item_name(row: Row, view: BudgetView, naming: str) -> str:
    """``一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行`` or the （类）（款）（项） form."""
    names = [view.functions.name(row.code[:n]) or "" for n in (3, 5, 7)]
    if naming == "（类）（款）（项）":
        return "".join(f"{n}（{level}）" for n, level in zip(names, ("类", "款", "项")))
    return "-".join(names)


def budget_notes(view: BudgetView, prior: PriorFigures, name: str, source: Source) -> Narrative:
    """The 编制说明 of §5.3: 收入, 支出, the reason, and one item per 项."""
    budget = view.budget
    settings = budget.settings
    out = Narrative()
    py, y = prior.year, view.year
    basis = f"{py}年预算执行数" if settings.basis == "上年预算执行数" else f"{py}年预算"
    w = {s: to_wan(view.income[s]) for s in view.income}
    total, fiscal = to_wan(view.total), to_wan(view.fiscal_total)
    prior_w = {s: (None if v is None else to_wan(v)) for s, v in prior.income.items()}
    prior_fiscal = None if prior.fiscal is None else to_wan(prior.fiscal)
    out.figures.update({"收入预算": total, "支出预算": total, "财政拨款": fiscal})
    out.figures.update({f"财政拨款.{s}": w[s] for s in ("一般公共预算", "政府性基金", "国有资本经营")})
    fiscal_change = compare(fiscal, prior_fiscal)

    def clause(label: str, value: Decimal, change: Optional[Change]) -> str:
        text = against(change, basis)
        return f"{label}{wan_text(value)}万元" + (f"，{text}" if text else "")

    out.notes.append(
        f"{y}年，{name}收入预算{wan_text(total)}万元，其中："
        + "；".join(
            [clause("财政拨款收入", fiscal, fiscal_change)]
            + [f"{s}{wan_text(w[s])}万元" for s in ("事业收入", "事业单位经营收入", "其他收入")]
        )
        + "。"
    )
    non_fiscal = total - fiscal
    out.notes.append(
        f"支出预算{wan_text(total)}万元，其中：{clause('财政拨款支出预算', fiscal, fiscal_change)}"
        + (f"；非财政拨款支出预算{wan_text(non_fiscal)}万元" if non_fiscal else "")
        + "。财政拨款支出预算中，"
        + "；".join(
            clause(label, w[s], compare(w[s], prior_w.get(s)))
            for label, s in (
                ("一般公共预算拨款支出预算", "一般公共预算"),
                ("政府性基金拨款支出预算", "政府性基金"),
                ("国有资本经营预算拨款支出预算", "国有资本经营"),
            )
        )
        + "。"
    )
    if fiscal_change is not None and fiscal_change.word != "持平":
        if budget.reason.strip():
            out.notes.append(f"财政拨款收入支出{fiscal_change.word}的主要原因是{budget.reason.strip().rstrip('。')}。")
        else:
            out.problems.append(
                source.problem(
                    (),
                    "W202",
                    f"财政拨款收入支出比{basis}{fiscal_change.word}{wan_text(abs(fiscal_change.delta))}万元，"
                    "但没有填写原因（变动原因）",
                    "warning",
                )
            )
    out.notes.append("财政拨款支出主要内容如下：")
    rows = [r for r in view.fiscal_table.rows if r.level == 2 and r.values[0]]
    for index, row in enumerate(rows, 1):
        amount = to_wan(row.values[0])
        out.figures[f"项.{row.code}"] = amount
        label = item_name(row, view, settings.item_naming)
        quoted = f"“{label}”科目" if settings.item_naming == "类-款-项" else f"“{label}”"
        purpose = budget.item_purposes.get(row.code, "").strip().rstrip("。")
        text = f"{index}. {quoted}{wan_text(amount)}万元，主要用于{purpose}。"
        if settings.per_item:
            reason = budget.item_reasons.get(row.code, "").strip().rstrip("。")
            text += _per_item(row, amount, reason, prior, settings.basis, y, source, out)
        out.items.append(text)
    return out


def _per_item(
    row: Row, amount: Decimal, reason: str, prior: PriorFigures, basis: str, year: int, source: Source, out: Narrative
) -> str:
    """The per-item comparison of the 2024 万里街道 variant, with a percentage and the reason."""
    if prior.items is None:
        return ""
    py = prior.year
    before = to_wan(prior.items.get(row.code, ZERO))
    change = Change(amount, before)
    what = f"{py}年当年预算执行数" if basis == "上年预算执行数" else f"{py}年预算"
    text = f"{what}为{wan_text(before)}万元，{year}年预算安排{wan_text(amount)}万元，"
    if change.word == "持平":
        text += f"比{what}持平。"
    elif change.percent is None:  # from nothing: a percentage would be meaningless
        text += f"比{what}{change.word}{wan_text(abs(change.delta))}万元。"
    else:
        text += f"比{what}{change.word}{change.percent}%。"
    if reason:
        text += f"主要原因是：{reason}。"
    elif change.word != "持平":
        out.problems.append(
            source.problem(
                ("项变动原因",),
                "W202",
                f"“{row.name}”（{row.code}）比{what}{change.word}{wan_text(abs(change.delta))}万元，但没有填写原因（项变动原因.\"{row.code}\"）",
                "warning",
            )
        )
    return text


# --------------------------------------------------------------------------- 其他相关情况说明


def other_notes(
    view: BudgetView,
    prior: PriorFigures,
    name: str,
    forms: Sequence[FormMoney],
    source: Source,
) -> Narrative:
    """The five parts of §5.4: “三公”, 机关运行经费, 政府采购, 绩效目标, 国有资产."""
    budget = view.budget
    who = budget.kind
    y, py = view.year, prior.year
    basis = f"{py}年预算"
    out = Narrative()
    tp = budget.three_public
    cur = tp.current.figures()
    # record note, its key, and whether a change without a reason is worth a
    # warning (the three items are; their 合计 and the 公务用车 split follow them)
    notes = {
        "total": (tp.total, "合计", False),
        "abroad": (tp.abroad, "因公出国境费", True),
        "reception": (tp.reception, "公务接待费", True),
        "cars": (tp.cars, "公务用车", True),
        "car_purchase": (tp.car_purchase, "公务用车购置费", False),
        "car_running": (tp.car_running, "公务用车运行费", False),
    }

    def three(key: str, label: str) -> str:
        value = Decimal(cur[key]).quantize(CENT)
        out.figures[f"三公.{key}"] = value
        change = compare(value, prior.three_public.get(key))
        text = f"{label}{wan_text(value)}万元"
        said = against(change, basis, lead="与")
        if said:
            text += f"，{said}"
        if change is not None and change.word != "持平":
            note, key_name, needed = notes[key]
            if note.reason.strip():
                text += f"，主要原因是{note.reason.strip().rstrip('。')}"
            elif needed:
                out.problems.append(
                    source.problem(
                        ("三公经费",),
                        "W201",
                        f"{key_name}比{basis}{change.word}{wan_text(abs(change.delta))}万元"
                        f"（{wan_text(change.prior)} → {wan_text(change.current)}），但没有填写原因（三公经费.{key_name}.原因）",
                        "warning",
                    )
                )
        return text

    out.other.append(
        Part(
            f"一、{y}年“三公”经费预算情况说明",
            [
                f"{three('total', f'{y}年“三公”经费预算数为')}。其中：",
                f"（一）{three('abroad', '因公出国（境）费')}。",
                f"（二）{three('cars', '公务用车购置及运行费')}。其中：{three('car_purchase', '公务用车购置费')}；"
                f"{three('car_running', '公务用车运行费')}。",
                f"（三）{three('reception', '公务接待费')}。",
            ],
        )
    )

    rc = budget.running_cost
    running = Decimal(rc.current).quantize(CENT)
    out.figures["机关运行经费"] = running
    whose = name
    if rc.offices or rc.institutions:
        counts = "和".join(
            t for t in (f"{rc.offices}家机关" if rc.offices else "", f"{rc.institutions}家事业单位" if rc.institutions else "") if t
        )
        whose = f"{name}下属{counts}"
    sentence = f"{y}年{whose}财政拨款的机关运行经费预算为{wan_text(running)}万元"
    change = compare(running, prior.running_cost)
    if change is not None:
        sentence += f"，{against(change, basis, lead='与')}"
        if change.word != "持平" and rc.reason.strip():
            sentence += f"，主要原因是{rc.reason.strip().rstrip('。')}"
    out.other.append(Part("二、机关运行经费预算", [sentence + "。"]))

    pr = budget.procurement
    out.figures["政府采购"] = pr.total
    out.other.append(
        Part(
            "三、政府采购预算情况",
            [
                f"{y}年本{who}政府采购预算{wan_text(pr.total)}万元，其中：政府采购货物预算{wan_text(pr.goods)}万元、"
                f"政府采购工程预算{wan_text(pr.works)}万元、政府采购服务预算{wan_text(pr.services)}万元。",
                f"{y}年本{who}面向中小企业预留政府采购项目预算金额{wan_text(pr.sme)}万元，其中，"
                f"预留给小型和微型企业的政府采购项目预算为{wan_text(pr.small_micro)}万元。",
            ],
        )
    )

    count, amount = performance(budget, forms, source, out.problems)
    out.figures["绩效目标.项目数"] = Decimal(count)
    out.figures["绩效目标.金额"] = amount
    level = "本区" if budget.settings.level == "区级" else "本市"
    units = f"{budget.performance.units}个预算单位" if who == "部门" else ""
    out.other.append(
        Part(
            "四、绩效目标设置情况",
            [
                f"按照{level}预算绩效管理工作的总体要求，本{who}{units}开展了{y}年项目预算绩效目标编报工作，"
                f"编报绩效目标的项目{count}个，涉及项目预算资金{wan_text(amount)}万元。"
            ],
        )
    )

    assets = budget.assets
    if assets is None:
        out.problems.append(source.problem((), "E209", "缺少“国有资产”（其他相关情况说明第五部分：车辆和大型设备）"))
    else:
        held = "、".join(f"{kind}{n}辆" for kind, n in assets.vehicles.by_kind())
        planned = "、".join(f"{kind}{n}辆" for kind, n in assets.planned_vehicles.by_kind())
        out.other.append(
            Part(
                "五、国有资产占有使用情况",
                [
                    f"截至{assets.as_of}，{name}共有车辆{assets.vehicles.total}辆，其中：{held}；"
                    f"单价100万元（含）以上设备（不含车辆）{assets.equipment}台（套）。",
                    f"{y}年{who}预算安排购置车辆{assets.planned_vehicles.total}辆，其中：{planned}；"
                    f"{who}预算安排购置单价100万元（含）以上设备（不含车辆）{assets.planned_equipment}台（套）。",
                ],
            )
        )
    return out


def performance(budget, forms: Sequence[FormMoney], source: Source, problems: list[Problem]) -> tuple[int, Decimal]:
    """(project count, 万元) of 绩效目标设置情况: the unit's forms; typed only where it has none.

    Typed figures that disagree with the forms are an error: the forms are
    what the unit submitted.
    """
    typed = budget.performance
    if forms:
        count = len(forms)
        amount = to_wan(sum((f.amount for f in forms), ZERO))
        if typed.count is not None and typed.count != count:
            problems.append(
                source.problem(("绩效目标管理", "项目数"), "E208", f"绩效目标管理.项目数 {typed.count} 与本单位申报表的项目数 {count} 不一致")
            )
        if typed.amount is not None and typed.amount != amount:
            problems.append(
                source.problem(
                    ("绩效目标管理", "金额"),
                    "E208",
                    f"绩效目标管理.金额 {wan_text(typed.amount)} 万元与本单位申报表的金额合计 {wan_text(amount)} 万元不一致",
                )
            )
        return count, amount
    if typed.count is None or typed.amount is None:
        problems.append(
            source.problem(
                ("绩效目标管理",), "E208", "本单位没有绩效目标申报表记录：请在“绩效目标管理”中填写项目数和金额（万元）"
            )
        )
        return typed.count or 0, typed.amount or ZERO
    return typed.count, Decimal(typed.amount)


def numbered(items: Iterable[str], style: str) -> list[str]:
    """Number list items as ``（一）``, ``一、`` or ``1.``."""
    result = []
    for index, item in enumerate(items, 1):
        if style == "1.":
            result.append(f"{index}.{item}")
        elif style == "一、":
            result.append(f"{chinese_number(index)}、{item}")
        else:
            result.append(f"（{chinese_number(index)}）{item}")
    return result
