"""Take validated records; give the problems their types cannot rule out.

Each check is a small function ``(record…) -> [Problem]`` in the manner of
beancount's validators.  Errors stop the render; warnings are shown, and
``--strict`` makes them errors.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Iterable, Optional

from ..errors import Problem
from .budget import change, wan1
from .budget_model import Budget
from .loader import LoadedForm, Source
from .model import Form2017, Form2020, Form2023

_DATE = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*(?:[-./月]\s*(\d{1,2})\s*日?)?\s*月?\s*$")


def parse_date(text: str, end: bool = False) -> Optional[date]:
    """A form date as the seeds write it (2019-1-1, 2019. 1. 1, 2017年1月1日, 2017年1月); None if unreadable."""
    match = _DATE.match(text or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    day = int(match.group(3)) if match.group(3) else (28 if end else 1)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def check_form(loaded: LoadedForm) -> list[Problem]:
    """Dates in order and readable, sub-projects adding up to 项目当年预算."""
    form, source = loaded.form, loaded.source
    problems: list[Problem] = []
    start_key, end_key = ("开始时间", "结束时间") if isinstance(form, Form2017) else ("计划开始日期", "计划完成日期")
    start, end = parse_date(form.start), parse_date(form.end, end=True)  # type: ignore[attr-defined]
    for key, text, parsed in ((start_key, form.start, start), (end_key, form.end, end)):  # type: ignore[attr-defined]
        if text and parsed is None:
            problems.append(source.problem((key,), "E212", f"{key}“{text}”不是可识别的日期（如 2023-01-01、2023.1.1、2023年1月1日）"))
    if start and end and start > end:
        problems.append(source.problem((start_key,), "E213", f"{start_key} {form.start} 晚于 {end_key} {form.end}"))  # type: ignore[attr-defined]
    if end and end.year < loaded.year:
        # a project that ended before the budget year: usually a folder copied from last year
        problems.append(
            source.problem(
                (end_key,), "W122", f"{end_key} {form.end} 早于{loaded.year}年：这是上一年的记录吗？（转入新年度请用 budgetdocs new-year）", "warning"  # type: ignore[attr-defined]
            )
        )
    if isinstance(form, Form2017) and form.subprojects and form.year_budget is not None:
        total = form.subproject_total
        if total != form.year_budget:
            problems.append(
                source.problem(
                    ("子项目",),
                    "W211",
                    f"子项目金额合计 {total:,} ≠ 项目当年预算 {form.year_budget:,}（相差 {abs(total - form.year_budget):,}）",
                    "warning",
                )
            )
    if isinstance(form, (Form2017, Form2020)) and form.total_budget is not None and form.year_budget is not None:
        if form.year_budget > form.total_budget:
            problems.append(
                source.problem(
                    ("项目当年预算",), "E214", f"项目当年预算 {form.year_budget:,} 大于 项目总预算 {form.total_budget:,}"
                )
            )
    if isinstance(form, Form2023):
        pf, af = form.project_funds, form.annual_funds
        if pf.total is not None and pf.fiscal is not None and pf.other is not None and pf.fiscal + pf.other != pf.total:
            problems.append(
                source.problem(
                    ("项目资金", "项目资金总额"),
                    "E215",
                    f"项目资金总额 {pf.total:,} ≠ 财政资金 {pf.fiscal:,} + 其他资金 {pf.other:,}",
                )
            )
        if pf.total is not None and af.total > pf.total:
            problems.append(
                source.problem(("年度资金",), "E216", f"年度资金申请总额 {af.total:,} 大于 项目资金总额 {pf.total:,}")
            )
    return problems


def check_unit_forms(forms: Iterable[LoadedForm]) -> list[Problem]:
    """No project twice among one unit's records of a year."""
    seen: dict[str, LoadedForm] = {}
    problems = []
    for loaded in forms:
        name = loaded.form.name.strip()
        if name in seen:
            first = seen[name].source.shown
            problems.append(loaded.source.problem(("项目名称",), "E217", f"项目“{name}”重复：{first} 已有同名项目"))
        seen.setdefault(name, loaded)
    return problems


def check_three_public(budget: Budget, source: Source) -> list[Problem]:
    """A “三公” item that changed against the prior year needs its reason (a warning)."""
    tp = budget.three_public
    if tp.prior is None:
        return []
    problems = []
    for key, label, current, prior, note in (
        ("因公出国境费", "因公出国（境）费", tp.current.abroad, tp.prior.abroad, tp.abroad),
        ("公务接待费", "公务接待费", tp.current.reception, tp.prior.reception, tp.reception),
        ("公务用车", "公务用车购置及运行费", tp.current.cars, tp.prior.cars, tp.cars),
    ):
        moved = change(current, prior)
        if moved and moved[0] != "持平" and not note.reason.strip():
            problems.append(
                source.problem(
                    ("三公经费", key),
                    "W201",
                    f"{label}比上年{moved[0]}{moved[1]}万元（{wan1(prior)} → {wan1(current)}），但没有填写原因（三公经费.{key}.原因）",
                    "warning",
                )
            )
    return problems


def check_tenths(budget: Budget, source: Source) -> list[Problem]:
    """The 2017 edition prints “三公”, 机关运行经费, 政府采购 in 万元 with one decimal: a figure
    typed finer would be rounded when printed, and printed parts would not add up."""
    problems = []
    figures = [
        (("三公经费", "本年", key), value)
        for key, value in budget.three_public.current.model_dump(by_alias=True).items()
    ] + [(("机关运行经费", "本年"), budget.running_cost.current)] + [
        (("政府采购", key), value) for key, value in budget.procurement.model_dump(by_alias=True).items()
    ]
    for loc, value in figures:
        if value is not None and Decimal(value) != Decimal(value).quantize(Decimal("0.1")):
            problems.append(
                source.problem(loc, "E119", f"{'.'.join(loc)}：{value} 万元比文档印出的精度（一位小数）细，印出时会被舍入，请写到一位小数")
            )
    return problems


def split(problems: Iterable[Problem]) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings)."""
    problems = list(problems)
    return [p for p in problems if p.severity == "error"], [p for p in problems if p.severity != "error"]
