"""Take validated records; give the problems their types cannot rule out.

Each check is a small function ``(record…) -> [Problem]`` in the manner of
beancount's validators.  Errors stop the render; warnings are shown, and
``--strict`` makes them errors.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import Decimal
from typing import Iterable, Optional

from ..errors import Problem
from .budget import change, wan1
from .budget_model import Budget
from .loader import LoadedForm, Source
from .model import INDICATOR_LAYOUTS_2017, Form2017, Form2020, Form2023

_DATE = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*(?:[-./月]\s*(\d{1,2})\s*日?)?\s*月?\s*$")
DATE_EXAMPLES = "如 2023-01-01、2023.1.1、2023年1月1日"


def read_date(text: str, end: bool = False, day_needed: bool = False) -> tuple[Optional[date], str]:
    """(the date, '') of a date as the seeds write it (2019-1-1, 2019. 1. 1, 2017年1月1日, 2017年1月),
    or (None, why it is not one): not a date at all, a day the calendar does not have
    (2024年9月31日), or only a month where ``day_needed``."""
    match = _DATE.match(text or "")
    if not match:
        return None, f"不是可识别的日期（{DATE_EXAMPLES}）"
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None, f"不是真实的日期（没有{month}月）"
    if match.group(3) is None and day_needed:
        return None, "只写到月，请写到日（如 2024年8月31日）"
    day = int(match.group(3)) if match.group(3) else (28 if end else 1)
    try:
        return date(year, month, day), ""
    except ValueError:
        last = calendar.monthrange(year, month)[1]
        return None, f"不是真实的日期（{year}年{month}月只有{last}天）"


def parse_date(text: str, end: bool = False) -> Optional[date]:
    """A form date as the seeds write it (2019-1-1, 2019. 1. 1, 2017年1月1日, 2017年1月); None if unreadable."""
    return read_date(text, end)[0]


def date_text(day: date) -> str:
    """A date in the one style the disclosure prints: 2024年8月31日."""
    return f"{day.year}年{day.month}月{day.day}日"


def outside_window(day: date, year: int) -> bool:
    """Whether a date lies outside the budget's year and the year before (W230)."""
    return day.year not in (year - 1, year)


def check_form(loaded: LoadedForm) -> list[Problem]:
    """Dates real, in order and near the budget year; sub-projects adding up to 项目当年预算;
    indicator rows as wide as their layout.  A check that reads a key with a schema
    problem (``loaded.damage``) is skipped."""
    form, source, damage = loaded.form, loaded.source, loaded.damage
    problems: list[Problem] = []
    start_key, end_key = ("开始时间", "结束时间") if isinstance(form, Form2017) else ("计划开始日期", "计划完成日期")
    readable = {}
    for key, text, end in ((start_key, form.start, False), (end_key, form.end, True)):  # type: ignore[attr-defined]
        if not damage.intact((key,)) or not text:
            continue
        readable[key], why = read_date(text, end)
        if why:
            problems.append(source.problem((key,), "E212", f"{key}“{text}”{why}"))
    start, end = readable.get(start_key), readable.get(end_key)
    if start and end and start > end:
        problems.append(source.problem((start_key,), "E213", f"{start_key} {form.start} 晚于 {end_key} {form.end}"))  # type: ignore[attr-defined]
    if end and end.year < loaded.year:
        # a project that ended before the budget year: usually a folder copied from last year
        problems.append(
            source.problem(
                (end_key,), "W122", f"{end_key} {form.end} 早于{loaded.year}年：这是上一年的记录吗？（转入新年度请用 budgetdocs new-year）", "warning"  # type: ignore[attr-defined]
            )
        )
    if start and outside_window(start, loaded.year):
        problems.append(
            source.problem(
                (start_key,), "W230", f"{start_key} {form.start} 不在{loaded.year - 1}—{loaded.year}年内：请核对（是不是旧记录的日期？）", "warning"  # type: ignore[attr-defined]
            )
        )
    sign_off = getattr(form, "sign_off", None)
    if sign_off is not None and sign_off.date.strip() and damage.intact(("签字栏",)):
        signed, why = read_date(sign_off.date)
        if why:
            problems.append(source.problem(("签字栏", "填报日期"), "E212", f"签字栏.填报日期“{sign_off.date}”{why}"))
        elif outside_window(signed, loaded.year):  # type: ignore[arg-type]
            problems.append(
                source.problem(
                    ("签字栏", "填报日期"), "W230", f"签字栏.填报日期 {sign_off.date} 不在{loaded.year - 1}—{loaded.year}年内：请核对", "warning"
                )
            )
    if isinstance(form, Form2017) and damage.intact(("绩效指标",)) and damage.intact(("指标列",)):
        width = len(INDICATOR_LAYOUTS_2017[form.indicator_layout])
        for index, row in enumerate(form.indicators):
            if len(row) != width:
                problems.append(
                    source.problem(
                        ("绩效指标", index), "E110", f"绩效指标[{index + 1}]：应有{width}列（指标列：{form.indicator_layout}），实有{len(row)}列"
                    )
                )
    money = all(damage.intact((key,)) for key in ("项目总预算", "项目当年预算", "子项目", "项目资金", "年度资金"))
    if money and isinstance(form, Form2017) and form.subprojects and form.year_budget is not None:
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
    if money and isinstance(form, (Form2017, Form2020)) and form.total_budget is not None and form.year_budget is not None:
        if form.year_budget > form.total_budget:
            problems.append(
                source.problem(
                    ("项目当年预算",), "E214", f"项目当年预算 {form.year_budget:,} 大于 项目总预算 {form.total_budget:,}"
                )
            )
    if money and isinstance(form, Form2023):
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
        if not loaded.damage.intact(("项目名称",)):
            continue
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
