"""Take a budget record and the year's classifications; give every table's rows and totals.

Only leaves come from the record.  Each 类 and 款 row is the sum of its
children and each 合计 the sum of its rows, so the identities of FORMS.md §2.2
hold by construction; what can still be wrong (an unknown code, a code typed
twice, 基本支出 that disagrees between the function and economic tables) is
reported by :func:`check_budget` as located problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..errors import DataError, Problem
from .budget_model import FISCAL_SOURCES, SOURCES, Budget, BySource, FunctionLeaf
from .loader import Damage, Source, read_mapping

ZERO = Decimal(0)


# --------------------------------------------------------------------------- classifications


@dataclass(frozen=True)
class Classification:
    """Code → name for one classification (功能分类 or 经济分类) of one year."""

    kind: str
    year: int
    names: dict[str, str]
    source: Source

    def name(self, code: str) -> Optional[str]:
        """The name of ``code`` this year, or None when the code does not exist."""
        return self.names.get(code)


def classification_year(folder: Path, year: int) -> int:
    """The latest classification year on disk not newer than ``year``."""
    years = sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit()) if folder.is_dir() else []
    usable = [y for y in years if y <= year]
    if not usable:
        raise DataError([Problem(str(folder), 0, 0, "E302", f"没有{year}年或更早的科目分类数据（应在 {folder}/<年度>/）")])
    return usable[-1]


def load_classification(folder: Path, year: int, kind: str, root: Optional[Path] = None) -> Classification:
    """Load ``<folder>/<year>/<kind>.yaml`` (the latest year not newer than ``year``)."""
    chosen = classification_year(folder, year)
    path = folder / str(chosen) / f"{kind}.yaml"
    data, source = read_mapping(path, root)
    names = {str(k): str(v) for k, v in data.items()}
    return Classification(kind, chosen, names, source)


# --------------------------------------------------------------------------- rows


@dataclass
class Row:
    """One row of a classification table: code parts, name, amounts."""

    parts: tuple[str, ...]
    name: str
    values: list[Decimal]
    level: int  # 0 类, 1 款, 2 项

    @property
    def code(self) -> str:
        """The full code, e.g. 2011001."""
        return "".join(self.parts)


@dataclass
class Rows:
    """Rows of a table and their 合计."""

    rows: list[Row]
    total: list[Decimal]

    @property
    def empty(self) -> bool:
        """True when the table has no row (it still prints its 合计 row)."""
        return not self.rows


def _split(code: str) -> tuple[str, ...]:
    return tuple(p for p in (code[:3], code[3:5], code[5:7]) if p)


def tree_rows(
    leaves: Sequence[tuple[str, list[Decimal]]], names: Classification, depth: int
) -> Rows:
    """Aggregate leaf vectors into 类/款(/项) rows in code order; drop all-zero leaves."""
    width = len(leaves[0][1]) if leaves else 0
    sums: dict[str, list[Decimal]] = {}
    for code, values in leaves:
        if not any(values):
            continue
        for cut in (3, 5, 7)[:depth]:
            key = code[:cut]
            acc = sums.setdefault(key, [ZERO] * width)
            for i, v in enumerate(values):
                acc[i] += v
    rows = [
        Row(_split(code), names.name(code) or "", sums[code], len(_split(code)) - 1)
        for code in sorted(sums)
    ]
    total = [ZERO] * width
    for row in rows:
        if row.level == 0:
            total = [a + b for a, b in zip(total, row.values)]
    return Rows(rows, total)


def _function_table(budget: Budget, names: Classification, columns: Callable[[FunctionLeaf], list[Decimal]]) -> Rows:
    return tree_rows([(leaf.code, columns(leaf)) for leaf in budget.spending], names, 3)


def _fiscal(by) -> Decimal:
    return sum((by.amount(s) for s in FISCAL_SOURCES), ZERO)


def _all(by) -> Decimal:
    return sum((by.amount(s) for s in SOURCES), ZERO)


MODERN = "2019"  # the disclosure edition Shanghai units publish since 2019 (FORMS.md §5)


def disclosure_edition(year: int, pinned: Optional[str] = None) -> str:
    """Layout edition of the disclosure: ``2019`` (modern) from 2019 on, else the
    2017 edition in its year's variant (``2017``, ``2018``; ``2023`` adds the
    国有资本经营 table when a record pins the 2017 edition for a later year)."""
    if pinned == MODERN or (pinned is None and year >= 2019):
        return MODERN
    return "2017" if year <= 2017 else ("2018" if year < 2023 else "2023")


# --------------------------------------------------------------------------- the view


@dataclass
class BudgetView:
    """Everything the disclosure template prints, computed from the record."""

    budget: Budget
    year: int
    functions: Classification
    economics: Classification
    income: dict[str, Decimal] = field(default_factory=dict)
    income_table: Rows = None  # type: ignore[assignment]
    spending_table: Rows = None  # type: ignore[assignment]
    fiscal_table: Rows = None  # type: ignore[assignment]
    general_table: Rows = None  # type: ignore[assignment]
    fund_table: Rows = None  # type: ignore[assignment]
    state_table: Rows = None  # type: ignore[assignment]
    economic_table: Rows = None  # type: ignore[assignment]
    split_table: Rows = None  # type: ignore[assignment]  # 合计 · 人员经费 · 公用经费 · 项目支出, all sources

    @property
    def total(self) -> Decimal:
        """收入总计 = 支出总计."""
        return self.spending_table.total[0] if self.spending_table.rows else ZERO

    @property
    def fiscal_total(self) -> Decimal:
        """财政拨款 = 一般公共预算 + 政府性基金 + 国有资本经营."""
        return sum((self.income[s] for s in FISCAL_SOURCES), ZERO)

    @property
    def categories(self) -> list[Row]:
        """The 类 rows of the spending table (table 1 and the 编制说明)."""
        return [r for r in self.spending_table.rows if r.level == 0]

    @property
    def split_categories(self) -> list[Row]:
        """The 类 rows of table 1 of a 单位预算: 合计, 人员经费, 公用经费, 项目支出 (all sources)."""
        return [r for r in self.split_table.rows if r.level == 0]

    @property
    def fiscal_categories(self) -> list[Row]:
        """The 类 rows of the 财政拨款 table: 合计, 一般公共预算, 政府性基金, 国有资本经营."""
        return [r for r in self.fiscal_table.rows if r.level == 0]


def build_view(budget: Budget, year: int, functions: Classification, economics: Classification) -> BudgetView:
    """Compute every table of the disclosure."""
    view = BudgetView(budget, year, functions, economics)
    view.income = {
        s: sum((leaf.basic.amount(s) + leaf.project.amount(s) for leaf in budget.spending), ZERO) for s in SOURCES
    }
    view.income_table = _function_table(
        budget,
        functions,
        lambda l: [
            _all(l.basic) + _all(l.project),
            _fiscal(l.basic) + _fiscal(l.project),
            *(l.basic.amount(s) + l.project.amount(s) for s in SOURCES[3:]),
        ],
    )
    view.spending_table = _function_table(
        budget, functions, lambda l: [_all(l.basic) + _all(l.project), _all(l.basic), _all(l.project)]
    )
    view.fiscal_table = _function_table(
        budget,
        functions,
        lambda l: [
            _fiscal(l.basic) + _fiscal(l.project),
            *(l.basic.amount(s) + l.project.amount(s) for s in FISCAL_SOURCES),
        ],
    )

    def by_source(source: str) -> Rows:
        return _function_table(
            budget,
            functions,
            lambda l: [l.basic.amount(source) + l.project.amount(source), l.basic.amount(source), l.project.amount(source)],
        )

    view.general_table = by_source("一般公共预算")
    view.fund_table = by_source("政府性基金")
    view.state_table = by_source("国有资本经营")
    view.split_table = _function_table(
        budget,
        functions,
        lambda l: [_all(l.basic) + _all(l.project), l.basic_part("人员经费"), l.basic_part("公用经费"), _all(l.project)],
    )
    view.economic_table = tree_rows(
        [(leaf.code, [leaf.personnel + leaf.public, leaf.personnel, leaf.public]) for leaf in budget.basic_economic],
        economics,
        2,
    )
    return view


def check_budget(view: BudgetView, source: Source, damage: Damage = Damage()) -> list[Problem]:
    """Problems the computed totals cannot rule out: unknown or repeated codes, disagreeing totals.

    Where the record had schema problems (``damage``) a leaf is stood in for: its code is
    not checked, and the sums of its table are not compared."""
    problems: list[Problem] = []
    budget = view.budget
    for key, leaves, names in (
        ("支出", budget.spending, view.functions),
        ("基本支出经济分类", budget.basic_economic, view.economics),
    ):
        seen: dict[str, int] = {}
        for index, leaf in enumerate(leaves):
            loc = (key, index, "科目")
            if not damage.intact((key, index)):
                continue
            if leaf.code in seen:
                problems.append(source.problem(loc, "E202", f"科目 {leaf.code} 重复（第{seen[leaf.code] + 1}项已有）"))
            seen.setdefault(leaf.code, index)
            for cut in (3, 5, 7)[: len(leaf.code) // 2]:
                part = leaf.code[:cut]
                if names.name(part) is None:
                    what = {3: "类", 5: "款", 7: "项"}[cut]
                    problems.append(
                        source.problem(
                            loc, "E203", f"{names.kind}科目 {' '.join(_split(part))}（{what}）在{names.year}年科目表中不存在"
                        )
                    )
                    break
    whole = damage.intact(("支出",)) and damage.intact(("基本支出经济分类",))
    problems += _check_split(view, source, whole)
    if not whole:
        return problems
    general_basic = sum((leaf.basic.general for leaf in budget.spending), ZERO)
    economic = sum((leaf.personnel + leaf.public for leaf in budget.basic_economic), ZERO)
    if budget.basic_economic and general_basic != economic:
        problems.append(
            source.problem(
                ("基本支出经济分类",),
                "E204",
                f"一般公共预算基本支出在功能分类中为 {general_basic:,}，在经济分类中为 {economic:,}，两者应相等",
            )
        )
    return problems


def _check_split(view: BudgetView, source: Source, whole: bool = True) -> list[Problem]:
    """The 人员经费/公用经费 split of 基本支出 (per 项) against 基本支出经济分类 (per 款).

    Where the record splits 基本支出, every 项 with 基本支出 must be split (a 单位预算's
    table 1 prints the split per 类), and the 一般公共预算 人员经费 and 公用经费 of the
    项 must add up to those of table 8 (E222, one problem per kind that disagrees)."""
    budget = view.budget
    split = [leaf for leaf in budget.spending if leaf.split]
    required = budget.kind == "单位" and disclosure_edition(view.year, budget.edition) == MODERN
    problems: list[Problem] = []
    if not split and not required:
        return problems
    for index, leaf in enumerate(budget.spending):
        if not leaf.split and _all(leaf.basic):
            problems.append(
                source.problem(
                    ("支出", index, "基本支出"),
                    "E221",
                    f"科目 {leaf.code} 的基本支出没有分为人员经费和公用经费"
                    + ("（单位预算的财务收支预算总表按类列示二者）" if required else "（其他项已分写）")
                    + "：请改写为“人员经费: {…}”和“公用经费: {…}”",
                )
            )
    if problems or not budget.basic_economic or not whole:
        return problems
    for part, attr in (("人员经费", "personnel"), ("公用经费", "public")):
        by_item = sum(((getattr(leaf, attr) or BySource()).general for leaf in budget.spending), ZERO)
        by_kind = sum((getattr(leaf, attr) for leaf in budget.basic_economic), ZERO)
        if by_item != by_kind:
            problems.append(
                source.problem(
                    ("基本支出经济分类",),
                    "E222",
                    f"一般公共预算基本支出的{part}按功能分类各项合计为 {by_item:,}，按经济分类合计为 {by_kind:,}，两者应相等",
                )
            )
    return problems


# --------------------------------------------------------------------------- narrative numbers


def wan(yuan: Decimal) -> str:
    """元 → whole 万元, rounded half-up, with thousands separators: 374,419,955 → 37,442."""
    value = (Decimal(yuan) / Decimal(10000)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{value:,}"


def wan1(value: Decimal) -> str:
    """万元 with at most one decimal, no separators, a trailing .0 dropped: 327.0 → 327."""
    rounded = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    return text[:-2] if text.endswith(".0") else text


def change(current: Decimal, prior: Optional[Decimal]) -> Optional[tuple[str, str]]:
    """(增加/减少/持平, 万元 amount) of current against prior; None when prior is unknown."""
    if prior is None:
        return None
    diff = Decimal(current) - Decimal(prior)
    if diff.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) == 0:
        return ("持平", "")
    return ("增加" if diff > 0 else "减少", wan1(abs(diff)))


CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 15 → 十五, 21 → 二十一 (for 一、二、… and （十五）)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return head + "十" + (CHINESE_DIGITS[ones] if ones else "")
