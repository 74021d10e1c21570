"""Take the computed tables, the prior-year figures and the unit's forms; give the modern narrative.

This is the stage that turns numbers into sentences for the modern edition
(FORMS.md §5.3 and §5.4): the 编制说明 and the five parts of 其他相关情况说明.
It returns plain paragraphs (no HTML) and the warnings it found, so it is
tested without templates; the template only prints what it gets.

One rounding rule for every figure: 元 → 万元 is ``元 / 10,000`` rounded half-up
to two decimals.  How a figure is *printed* is the record's ``设置.万元格式``
(per part: ``分部万元格式``), one of four styles named after how they print
4614: ``4,614`` (thousands separators, a trailing ``.00`` dropped: the default),
``4,614.00`` (kept), ``4614`` and ``4614.00`` (no separators).  Figures typed in
万元 (“三公”, 机关运行经费, 政府采购) are rounded and printed the same way.  A
change is the difference of the two *rounded* figures, so ``current − prior =
change`` holds for what a reader sees; 增加/减少/持平 follows from its sign, never
from words in the record.

A reason typed in the record is never dropped silently: it is printed after
the comparison it explains (also after 持平), or, when there is no comparison
to print it after, a warning names the record key that holds it (W206 变动原因,
W207 项变动原因, W208 “三公”经费 and 机关运行经费 原因).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Optional, Sequence

from ..errors import Problem
from ..records.budget import BudgetView, Row, chinese_number
from ..records.budget_model import FISCAL_SOURCES, WAN_STYLES, Settings
from ..records.checks import date_text, read_date
from ..records.loader import Source
from ..records.prior import THREE_PUBLIC, PriorFigures

ZERO = Decimal(0)
CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
HUNDRED = Decimal("100.00")
DEFAULT_WAN = WAN_STYLES[0]  # 4,614

# --------------------------------------------------------------------------- numbers


def to_wan(yuan: Decimal) -> Decimal:
    """元 → 万元, rounded half-up to two decimals: 91,016,775.35 → 9101.68."""
    return (Decimal(yuan) / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)


def wan_text(wan: Decimal, style: str = DEFAULT_WAN) -> str:
    """A 万元 figure as printed in a ``万元格式`` style, rounded half-up to 0.01 first.

    ``4,614`` (default): separators, ``.00`` dropped (4614.00 → 4,614; 867.5 → 867.50);
    ``4,614.00``: separators, ``.00`` kept (30 → 30.00); ``4614``: no separators,
    ``.00`` dropped (9101.68 → 9101.68; 6626.00 → 6626); ``4614.00``: no separators,
    ``.00`` kept (0 → 0.00).
    """
    if style not in WAN_STYLES:
        raise ValueError(f"万元格式应为 {'、'.join(WAN_STYLES)} 之一：{style}")
    rounded = Decimal(wan).quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.2f}" if "," in style else f"{rounded:.2f}"
    return text[:-3] if text.endswith(".00") and not style.endswith(".00") else text


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


def against(change: Optional[Change], basis: str, lead: str = "比", style: str = DEFAULT_WAN) -> str:
    """``比2024年预算减少2,389.52万元`` / ``比2024年预算持平`` ('' when unknown).

    ``basis`` is e.g. ``2024年预算``; ``lead`` is 比 (编制说明) or 与 for 持平
    in the “三公” part, as the published documents write them; ``style`` is
    the 万元格式 of the amount.
    """
    if change is None:
        return ""
    if change.word == "持平":
        return f"{lead}{basis}持平"
    return f"比{basis}{change.word}{wan_text(abs(change.delta), style)}万元"


def basis_text(basis: str, prior_year: int) -> str:
    """What a comparison is made with: ``2024年预算`` or ``2024年预算执行数`` (``比较基数`` value in)."""
    return f"{prior_year}年预算执行数" if basis == "上年预算执行数" else f"{prior_year}年预算"


def joined(parts: Sequence[str]) -> str:
    """Parts named as a sentence names them: ``甲``, ``甲和乙``, ``甲、乙和丙``."""
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return "、".join(parts[:-1]) + "和" + parts[-1]


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
    """A 项's name as its 编制说明 item quotes it (``科目名称`` value in), without the quotes.

    ``类-款-项``: ``一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行``;
    ``（类）（款）（项）`` and ``（类）（款）（项）科目``: ``一般公共服务支出（类）统计信息事务（款）专项普查活动（项）``
    (the two differ only in the ``科目`` after the closing quote: :func:`quoted_item`).
    """
    names = [view.functions.name(row.code[:n]) or "" for n in (3, 5, 7)]
    if naming.startswith("（类）"):
        return "".join(f"{n}（{level}）" for n, level in zip(names, ("类", "款", "项")))
    return "-".join(names)


def quoted_item(row: Row, view: BudgetView, naming: str) -> str:
    """The quoted name an item starts with: ``“…-行政运行”科目``, ``“…（项）”`` or ``“…（项）”科目``."""
    return f"“{item_name(row, view, naming)}”" + ("" if naming == "（类）（款）（项）" else "科目")


def budget_notes(view: BudgetView, prior: PriorFigures, name: str, source: Source) -> Narrative:
    """The 编制说明 of §5.3: 收入, 支出, the reason, and one item per 项.

    In: the year's computed view (its record's ``设置`` chooses the wording), the
    prior-year figures, the unit's full name and the record's source (to locate
    warnings).  Out: the paragraphs, the items, every printed figure and the
    warnings (W202 a change without a reason; W206/W207 a typed reason that
    cannot be printed).
    """
    budget = view.budget
    settings = budget.settings
    style = settings.wan_style("编制说明")
    out = Narrative()
    py, y = prior.year, view.year
    basis = basis_text(settings.basis, py)
    w = {s: to_wan(view.income[s]) for s in view.income}
    total, fiscal = to_wan(view.total), to_wan(view.fiscal_total)
    prior_w = {s: (None if v is None else to_wan(v)) for s, v in prior.income.items()}
    prior_fiscal = None if prior.fiscal is None else to_wan(prior.fiscal)
    out.figures.update({"收入预算": total, "支出预算": total, "财政拨款": fiscal})
    out.figures.update({f"财政拨款.{s}": w[s] for s in ("一般公共预算", "政府性基金", "国有资本经营")})
    fiscal_change = compare(fiscal, prior_fiscal)

    def clause(label: str, value: Decimal, change: Optional[Change]) -> str:
        text = against(change, basis, style=style)
        return f"{label}{wan_text(value, style)}万元" + (f"，{text}" if text else "")

    out.notes.append(
        f"{y}年，{name}收入预算{wan_text(total, style)}万元，其中："
        + "；".join(
            [clause("财政拨款收入", fiscal, fiscal_change)]
            + [f"{s}{wan_text(w[s], style)}万元" for s in ("事业收入", "事业单位经营收入", "其他收入")]
        )
        + "。"
    )
    non_fiscal = total - fiscal
    out.notes.append(
        f"支出预算{wan_text(total, style)}万元，其中：{clause('财政拨款支出预算', fiscal, fiscal_change)}"
        + (f"；非财政拨款支出预算{wan_text(non_fiscal, style)}万元" if non_fiscal else "")
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
    reason = budget.reason.strip().rstrip("。")
    if fiscal_change is not None and fiscal_change.word != "持平":
        if reason:
            out.notes.append(f"财政拨款收入支出{fiscal_change.word}的主要原因是{reason}。")
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
    elif reason:
        why = (
            f"财政拨款收入支出与{basis}持平，编制说明不写变动原因"
            if fiscal_change is not None
            else f"{_income_gap(prior, settings.basis)}，财政拨款收入支出不作比较"
        )
        out.problems.append(source.problem(("变动原因",), "W206", f"填写了变动原因，但不会印出：{why}", "warning"))
    dropped = (["财政拨款收入", "财政拨款支出预算"] if fiscal_change is None else []) + [
        label for label, s in (("一般公共预算拨款支出预算", "一般公共预算"), ("政府性基金拨款支出预算", "政府性基金"),
                               ("国有资本经营预算拨款支出预算", "国有资本经营")) if prior_w.get(s) is None
    ]
    if dropped and prior.anything:  # with nothing known at all, W203 says so once
        where = ("上年", "收入") if budget.prior is not None else ("设置", "比较基数") if settings.basis == "上年预算执行数" else ()
        out.problems.append(
            source.problem(where, "W234", f"编制说明中{joined(dropped)}不与{basis}比较：{_income_gap(prior, settings.basis)}", "warning")
        )
    out.notes.append("财政拨款支出主要内容如下：")
    rows = [r for r in view.fiscal_table.rows if r.level == 2 and r.values[0]]
    compared: set[str] = set()
    for index, row in enumerate(rows, 1):
        amount = to_wan(row.values[0])
        out.figures[f"项.{row.code}"] = amount
        purpose = budget.item_purposes.get(row.code, "").strip().rstrip("。")
        text = f"{index}. {quoted_item(row, view, settings.item_naming)}{wan_text(amount, style)}万元，主要用于{purpose}。"
        if settings.per_item and prior.items is not None:
            item_reason = budget.item_reasons.get(row.code, "").strip().rstrip("。")
            text += _per_item(row, amount, item_reason, prior, settings, y, source, out)
            compared.add(row.code)
        out.items.append(text)
    listed = {r.code for r in rows}
    for code, typed_reason in budget.item_reasons.items():
        if not typed_reason.strip() or code in compared:
            continue
        if not settings.per_item:
            why = "设置中没有开启逐项比较（逐项比较: true）"
        elif code not in listed:
            why = f"{code} 不是本年有财政拨款的功能分类项，编制说明中没有这一项"
        else:
            why = f"没有{py}年每个项的金额（上年.项），不作逐项比较"
        out.problems.append(
            source.problem(("项变动原因", code), "W207", f"填写了项变动原因.\"{code}\"，但不会印出：{why}", "warning")
        )
    return out


def _income_gap(prior: PriorFigures, basis: str) -> str:
    """Why a prior 财政拨款 figure by source is unknown, naming the sources."""
    missing = "、".join(s for s in FISCAL_SOURCES if prior.income.get(s) is None)
    if basis == "上年预算执行数":
        return f"比较基数是上年预算执行数，执行数只能写在“上年.收入”中，其中没有{prior.year}年的{missing}"
    return f"没有{prior.year}年的预算记录，“上年.收入”中也没有{missing}"


def _per_item(
    row: Row, amount: Decimal, reason: str, prior: PriorFigures, settings: Settings, year: int, source: Source, out: Narrative
) -> str:
    """The per-item comparison of the 2024 万里街道 variant, with a percentage and the reason.

    In: the 项's row and printed amount (万元), its typed reason, the prior
    figures (``prior.items`` known), the record's settings and the year.  Out:
    the sentences added after the item, e.g. ``2023年当年预算执行数为60.13万元，
    2024年预算安排25.77万元，比2023年预算执行数减少57.14%。主要原因是：项目调整。``
    (the reason also after 持平); a change without a reason adds W202 to ``out``.
    The basis is ``逐项比较基数`` (default: ``比较基数``); from a prior 0,
    ``上年为零`` chooses the amount (``金额``, default) or ``增加100.00%`` (``百分比``).
    """
    style = settings.wan_style("编制说明")
    py = prior.year
    before = to_wan(prior.items.get(row.code, ZERO)) if prior.items is not None else ZERO
    change = Change(amount, before)
    what = basis_text(settings.items_basis, py)
    stated = f"{py}年当年预算执行数" if settings.items_basis == "上年预算执行数" else what
    text = f"{stated}为{wan_text(before, style)}万元，{year}年预算安排{wan_text(amount, style)}万元，"
    percent = change.percent
    if percent is None and change.word == "增加" and settings.zero_prior == "百分比":
        percent = HUNDRED
    if change.word == "持平":
        text += f"比{what}持平。"
    elif percent is None:  # from nothing: the amount, unless 上年为零 asks for 100.00%
        text += f"比{what}{change.word}{wan_text(abs(change.delta), style)}万元。"
    else:
        text += f"比{what}{change.word}{percent}%。"
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
    """The five parts of §5.4: “三公”, 机关运行经费, 政府采购, 绩效目标, 国有资产.

    In: the year's computed view (its record's ``设置`` chooses the wording:
    ``万元格式`` per part, ``句式``, ``机关运行经费比较``), the prior-year figures,
    the unit's full name, its project forms' money and the record's source.
    Out: the parts, every printed figure and the problems (W201 a “三公” change
    without a reason, W208 a typed 原因 with no comparison to print it after,
    E208/E209 missing figures).
    """
    budget = view.budget
    settings = budget.settings
    who = budget.kind
    phrasing = settings.phrasing or who
    y, py = view.year, prior.year
    basis = basis_text("上年预算", py)
    out = Narrative()
    tp = budget.three_public
    cur = tp.current.figures()
    tp_style = settings.wan_style("三公经费")
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
        text = f"{label}{wan_text(value, tp_style)}万元"
        said = against(change, basis, lead=settings.three_public_even, style=tp_style)
        if said:
            text += f"，{said}"
        note, key_name, needed = notes[key]
        reason = note.reason.strip().rstrip("。")
        if change is not None and reason:  # after 持平 too, as published documents do
            text += f"，主要原因是{reason}"
        elif change is not None and change.word != "持平" and needed:
            out.problems.append(
                source.problem(
                    ("三公经费",),
                    "W201",
                    f"{key_name}比{basis}{change.word}{wan_text(abs(change.delta))}万元"
                    f"（{wan_text(change.prior)} → {wan_text(change.current)}），但没有填写原因（三公经费.{key_name}.原因）",
                    "warning",
                )
            )
        elif change is None and reason:
            out.problems.append(
                source.problem(
                    ("三公经费", key_name, "原因"),
                    "W208",
                    f"填写了三公经费.{key_name}.原因，但不会印出：没有{py}年的这项“三公”经费（三公经费.上年，或上年的预算记录），不作比较",
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

    if prior.anything:  # with nothing known at all, W203 says so once
        unknown = [key for key, _, _ in THREE_PUBLIC if prior.three_public.get(key) is None]
        if len(unknown) == len(THREE_PUBLIC):
            out.problems.append(
                source.problem(
                    ("三公经费", "上年"), "W234",
                    f"“三公”经费不与{basis}比较：没有{py}年的“三公”经费（三公经费.上年，或上年的预算记录）", "warning",
                )
            )
        elif unknown:
            labels = joined([label for key, _, label in THREE_PUBLIC if key in unknown])
            out.problems.append(
                source.problem(
                    ("三公经费", "上年"), "W234",
                    f"{labels}不与{basis}比较：三公经费.上年只写了公务用车购置及运行费，没有分写公务用车购置费和公务用车运行费", "warning",
                )
            )
        if settings.running_compare and prior.running_cost is None:
            out.problems.append(
                source.problem(
                    ("机关运行经费",), "W234",
                    f"机关运行经费不与{basis}比较：没有{py}年的机关运行经费（机关运行经费.上年，或上年的预算记录）；"
                    "不作比较的请在设置中写“机关运行经费比较: false”", "warning",
                )
            )

    rc = budget.running_cost
    rc_style = settings.wan_style("机关运行经费")
    running = Decimal(rc.current).quantize(CENT)
    out.figures["机关运行经费"] = running
    counts = joined([f"{n}家{kind}" for n, kind in rc.covered() if n])
    named = name + settings.name_suffix  # 设置.名称后缀: …办事处（部门）下属1家机关…
    whose = f"{named}下属{counts}" if counts else named
    sentence = f"{y}年{whose}财政拨款的机关运行经费预算为{wan_text(running, rc_style)}万元"
    change = compare(running, prior.running_cost) if settings.running_compare else None
    reason = rc.reason.strip().rstrip("。")
    if change is not None:
        sentence += f"，{against(change, basis, lead='与', style=rc_style)}"
        if reason:  # after 持平 too
            sentence += f"，主要原因是{reason}"
    elif reason:
        why = (
            "设置了“机关运行经费比较: false”，不作比较"
            if not settings.running_compare
            else f"没有{py}年的机关运行经费（机关运行经费.上年，或上年的预算记录），不作比较"
        )
        out.problems.append(
            source.problem(("机关运行经费", "原因"), "W208", f"填写了机关运行经费.原因，但不会印出：{why}", "warning")
        )
    out.other.append(Part("二、机关运行经费预算", [sentence + "。"]))

    pr = budget.procurement
    pr_style = settings.wan_style("政府采购")
    out.figures["政府采购"] = pr.total
    when = f"{y}年度" if phrasing == "单位" else f"{y}年"
    bought = [
        f"{when}本{who}政府采购预算{wan_text(pr.total, pr_style)}万元，其中：政府采购货物预算{wan_text(pr.goods, pr_style)}万元、"
        f"政府采购工程预算{wan_text(pr.works, pr_style)}万元、政府采购服务预算{wan_text(pr.services, pr_style)}万元。"
    ]
    if pr.sme is not None:  # only when the record declares it
        bought.append(
            f"{y}年本{who}面向中小企业预留政府采购项目预算金额{wan_text(pr.sme, pr_style)}万元，其中，"
            f"预留给小型和微型企业的政府采购项目预算为{wan_text(pr.small_micro or ZERO, pr_style)}万元。"
        )
    out.other.append(Part("三、政府采购预算情况", bought))

    count, amount = performance(budget, forms, source, out.problems)
    out.figures["绩效目标.项目数"] = Decimal(count)
    out.figures["绩效目标.金额"] = amount
    money = wan_text(amount, settings.wan_style("绩效目标"))
    if phrasing == "单位":
        goals = f"{y}年度，本{who}编报绩效目标的项目共{count}个，涉及项目预算资金{money}万元。"
    else:
        level = "本区" if settings.level == "区级" else "本市"
        units = f"{budget.performance.units}个预算单位" if who == "部门" else ""
        goals = (
            f"按照{level}预算绩效管理工作的总体要求，本{who}{units}开展了{y}年项目预算绩效目标编报工作，"
            f"编报绩效目标的项目{count}个，涉及项目预算资金{money}万元。"
        )
    out.other.append(Part("四、绩效目标设置情况", [goals]))

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
                    f"截至{_as_of(assets.as_of)}，{name}{settings.name_suffix}共有车辆{assets.vehicles.total}辆，其中：{held}；"
                    f"单价100万元（含）以上设备（不含车辆）{assets.equipment}台（套）。",
                    f"{y}年{who}预算安排购置车辆{assets.planned_vehicles.total}辆，其中：{planned}；"
                    f"{who}预算安排购置单价100万元（含）以上设备（不含车辆）{assets.planned_equipment}台（套）。",
                ],
            )
        )
    return out


def _as_of(text: str) -> str:
    """截至日期 in the document's one style (2024-08-31 → 2024年8月31日); as typed when not a
    date (an error the publish check reports, so never printed)."""
    day = read_date(text, day_needed=True)[0]
    return date_text(day) if day else text


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
    """Number list items (``职能编号`` style in) as ``（一）甲``, ``一、甲``, ``1.甲`` or ``1、甲``."""
    result = []
    for index, item in enumerate(items, 1):
        if style == "1.":
            result.append(f"{index}.{item}")
        elif style == "1、":
            result.append(f"{index}、{item}")
        elif style == "一、":
            result.append(f"{chinese_number(index)}、{item}")
        else:
            result.append(f"（{chinese_number(index)}）{item}")
    return result
