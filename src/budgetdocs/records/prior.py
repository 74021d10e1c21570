"""Take a year's budget record and, if there is one, the prior year's; give the prior-year figures.

The modern 编制说明 compares this year's figures with last year's.  Those
figures are never typed twice: when ``data/<year-1>/<unit>/budget.yaml``
exists they are computed from it, exactly as that year's tables computed
them.  A ``上年`` block in the record (and ``三公经费.上年``,
``机关运行经费.上年``) is the fallback for a unit's first year in the
records, and the only source of 上年预算执行数, which no budget record holds.
A figure present in both places and different is an error naming both;
no prior-year figure at all is a warning (the sentences then compare nothing).

Money here is in 元 for budget amounts and in 万元 for “三公” and
机关运行经费, as the records hold them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from ..errors import Problem
from .budget import BudgetView
from .budget_model import FISCAL_SOURCES, Budget
from .loader import Source

ZERO = Decimal(0)
# “三公” items, their record keys in 三公经费.上年, and how they read in messages.
THREE_PUBLIC = (
    ("total", "合计", "“三公”经费合计"),
    ("abroad", "因公出国境费", "因公出国（境）费"),
    ("reception", "公务接待费", "公务接待费"),
    ("cars", "公务用车购置及运行费", "公务用车购置及运行费"),
    ("car_purchase", "公务用车购置费", "公务用车购置费"),
    ("car_running", "公务用车运行费", "公务用车运行费"),
)


@dataclass
class PriorFigures:
    """Last year's figures, each ``None`` where unknown.

    ``income`` is 元 by fiscal source; ``items`` is 元 of 财政拨款 per 功能分类 项
    (``None`` when unknown as a whole: a 项 missing from a known mapping had no
    money); ``three_public`` and ``running_cost`` are 万元.
    """

    year: int
    basis: str  # 比较基数 of 收入 and 支出: 上年预算 or 上年预算执行数 (items follow 设置.逐项比较基数)
    income: dict[str, Optional[Decimal]] = field(default_factory=dict)
    items: Optional[dict[str, Decimal]] = None
    three_public: dict[str, Optional[Decimal]] = field(default_factory=dict)
    running_cost: Optional[Decimal] = None
    origin: str = ""  # the prior-year record's path, when there was one

    @property
    def fiscal(self) -> Optional[Decimal]:
        """财政拨款 = 一般公共预算 + 政府性基金 + 国有资本经营, if every part is known."""
        parts = [self.income.get(s) for s in FISCAL_SOURCES]
        return None if any(p is None for p in parts) else sum(parts, ZERO)  # type: ignore[arg-type]

    @property
    def anything(self) -> bool:
        """True when at least one figure is known."""
        return (
            any(v is not None for v in self.income.values())
            or self.items is not None
            or any(v is not None for v in self.three_public.values())
            or self.running_cost is not None
        )


def from_view(view: BudgetView) -> PriorFigures:
    """The figures a prior year's own tables print (its budget, never its execution)."""
    items = {row.code: row.values[0] for row in view.fiscal_table.rows if row.level == 2}
    return PriorFigures(
        year=view.year,
        basis="上年预算",
        income={s: view.income[s] for s in FISCAL_SOURCES},
        items=items,
        three_public=view.budget.three_public.current.figures(),
        running_cost=view.budget.running_cost.current,
    )


def typed(budget: Budget, year: int) -> PriorFigures:
    """The prior-year figures typed in this year's record."""
    prior = PriorFigures(year=year - 1, basis=budget.settings.basis)
    block = budget.prior
    if block is not None and block.income is not None:
        prior.income = {s: block.income.get(s) for s in FISCAL_SOURCES}  # type: ignore[call-overload]
    if block is not None and block.items is not None:
        prior.items = dict(block.items)
    tp = budget.three_public.prior
    if tp is not None:
        prior.three_public = {
            "total": tp.total,
            "abroad": tp.abroad,
            "reception": tp.reception,
            "cars": tp.cars,
            "car_purchase": tp.car_purchase,
            "car_running": tp.car_running,
        }
    prior.running_cost = budget.running_cost.prior
    return prior


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _compare(
    problems: list[Problem], source: Source, origin: str, loc: tuple, ours: Optional[Decimal], theirs: Optional[Decimal], unit: str
) -> None:
    """E220 when a typed prior-year figure differs from the one computed from the prior record."""
    if ours is None or theirs is None or ours == theirs:
        return
    shown = (_money(ours), _money(theirs)) if unit == "元" else (f"{ours}", f"{theirs}")
    problems.append(
        source.problem(
            loc,
            "E220",
            f"{'.'.join(str(k) for k in loc)} 为 {shown[0]} {unit}，与 {origin} 算出的 {shown[1]} {unit}不一致"
            "（有上年记录时请删去此项）",
        )
    )


def resolve(
    budget: Budget,
    year: int,
    source: Source,
    record: Optional[PriorFigures],
) -> tuple[PriorFigures, list[Problem]]:
    """Merge the figures of a prior-year record (if any) with the typed ones.

    A budget-basis figure comes from the record when there is one; a typed
    figure that disagrees with it is an error naming both places.  收入 follow
    ``比较基数`` and 项 follow ``逐项比较基数`` (default: ``比较基数``), so the totals
    may compare with the prior budget while the items compare with its
    execution: with the 上年预算执行数 basis, the figures can only be typed
    (收入 in ``上年.收入``, 项 in ``上年.项``).
    """
    mine = typed(budget, year)
    problems: list[Problem] = []
    if record is None:
        result = mine
    else:
        result = PriorFigures(year=year - 1, basis=budget.settings.basis, origin=record.origin)
        execution = budget.settings.basis == "上年预算执行数"
        items_execution = budget.settings.items_basis == "上年预算执行数"
        origin = record.origin
        # 收入 by source (比较基数) and 项 (逐项比较基数), 元: execution figures only ever typed
        for s in FISCAL_SOURCES:
            if not execution:
                _compare(problems, source, origin, ("上年", "收入", s), mine.income.get(s), record.income.get(s), "元")
            result.income[s] = mine.income.get(s) if execution else record.income.get(s)
        result.items = mine.items if items_execution else record.items
        if not items_execution and mine.items is not None and record.items is not None:
            for code, ours in mine.items.items():
                _compare(problems, source, origin, ("上年", "项", code), ours, record.items.get(code, ZERO), "元")
        # “三公” and 机关运行经费 (万元), always against the prior budget
        for key, record_key, _label in THREE_PUBLIC:
            if key != "total":
                _compare(
                    problems, source, origin, ("三公经费", "上年", record_key), mine.three_public.get(key), record.three_public.get(key), "万元"
                )
            result.three_public[key] = record.three_public.get(key)
        _compare(problems, source, origin, ("机关运行经费", "上年"), mine.running_cost, record.running_cost, "万元")
        result.running_cost = record.running_cost
    if not result.anything:
        problems.append(
            source.problem(
                (),
                "W203",
                f"没有{year - 1}年的数据（data/{year - 1}/<单位>/budget.yaml 不存在，记录中也没有“上年”），"
                "编制说明和其他相关情况说明不作与上年的比较",
                "warning",
            )
        )
    return result, problems
