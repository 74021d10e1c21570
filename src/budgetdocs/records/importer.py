"""Take workbooks holding the budget tables; give the leaves of a budget record, checked.

The budget system exports the nine tables to Excel and units keep them in WPS 表格;
this reads them as a person does: each table is found by its title wherever it
stands, its header row by the column names (合计, 基本支出, 项目支出 …), codes in
three columns (类 · 款 · 项) or one (``2010301``, ``201 03 01``), amounts as numbers
or as text with separators, blank for zero, merged title cells.  Our own XLSX
output is one such workbook (render → import → render gives the same files).

From the tables come only the leaves a record holds: per 功能分类 项 its 基本支出
and 项目支出 by source (tables 3, 5, 6, 7 and, for money outside the budget, 2),
per 经济分类 款 its 人员经费 and 公用经费 (table 8), and the “三公” and 机关运行经费
figures (table 9).  Every subtotal the tables print is checked against the sum of
its leaves, and the tables against each other; each problem names its cell as
``FILE.xlsx!表名!C12``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Optional

import openpyxl

from ..errors import Problem
from .budget_model import SOURCES

ZERO = Decimal(0)
CENT = Decimal("0.01")
# Table kinds by the end of their title, longest first (财务收支预算总表 also ends in 预算总表).
TITLES = (
    ("fiscal", "财政拨款收支预算总表"),
    ("summary", "财务收支预算总表"),
    ("income", "收入预算总表"),
    ("spending", "支出预算总表"),
    ("general", "一般公共预算支出功能分类预算表"),
    ("fund", "政府性基金预算支出功能分类预算表"),
    ("state", "国有资本经营预算支出功能分类预算表"),
    ("economic", "经济分类预算表"),
    ("three", "经费预算表"),  # “三公”经费和机关运行经费预算表
    ("three", "经费预算情况表"),  # the 2017 title
)
FUND_TABLES = {"general": "一般公共预算", "fund": "政府性基金", "state": "国有资本经营"}


@dataclass
class Table:
    """One table read from a sheet: its rows by code and where each came from."""

    kind: str
    sheet: str
    columns: dict[str, int]  # header label → column index (0-based)
    rows: dict[str, list[Decimal]] = field(default_factory=dict)  # code → amounts in ``order``
    cells: dict[str, str] = field(default_factory=dict)  # code → "C12" of its first amount
    names: dict[str, str] = field(default_factory=dict)  # code → the name the table prints
    total: Optional[list[Decimal]] = None
    order: tuple[str, ...] = ()


@dataclass
class Imported:
    """The leaves read from the workbooks, and every problem found reading them."""

    spending: dict[str, dict[str, dict[str, Decimal]]] = field(default_factory=dict)  # code → 基本支出/项目支出 → source → 元
    economic: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # code → 人员经费/公用经费 → 元
    three_public: Optional[dict[str, Decimal]] = None  # 万元
    running_cost: Optional[Decimal] = None  # 万元
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (kind, name printed), for the classification check
    problems: list[Problem] = field(default_factory=list)


def amount(value) -> Optional[Decimal]:
    """A cell's amount: a number, text with thousands separators, or blank (0); None if not an amount."""
    if value is None:
        return ZERO
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(repr(value)).quantize(CENT) if isinstance(value, float) else Decimal(value)
    text = str(value).strip().replace("，", ",")
    if text in ("", "-", "—", "0.00"):
        return ZERO
    if "," in text and not re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _text(value) -> str:
    return re.sub(r"[\s\u2060\ufeff]+", "", str(value)) if value is not None else ""  # (word joiners too)


def _cell(row: int, col: int) -> str:
    return f"{openpyxl.utils.get_column_letter(col + 1)}{row + 1}"


def _kind(grid: list[list]) -> Optional[str]:
    for row in grid[:8]:
        for value in row:
            text = _text(value)
            for kind, ending in TITLES:
                if text.endswith(ending):
                    return kind
    return None


def _header(grid: list[list], labels: tuple[str, ...]) -> Optional[tuple[int, dict[str, int]]]:
    """The row holding the amount column names, and each name's column."""
    for r, row in enumerate(grid[:15]):
        found = {}
        for c, value in enumerate(row):
            text = _text(value)
            for label in labels:
                if text == label and label not in found:
                    found[label] = c
        if "合计" in found and len(found) >= 2:
            return r, found
    return None


def _code(row: list, before: int) -> Optional[str]:
    """The classification code at the start of a row: three code columns (类 · 款 · 项,
    blanks for the parts a 类/款 row lacks), or one (``2010301``, ``201 03 01``)."""
    parts: list[str] = []
    for value in row[:before]:
        text = _text(value)
        if not text:
            continue
        if not parts and re.fullmatch(r"\d{3}|\d{5}|\d{7}", text):
            parts.append(text)
        elif parts and len("".join(parts)) < 7 and re.fullmatch(r"\d{2}", text):
            parts.append(text)
        else:
            break
    code = "".join(parts)
    return code if len(code) in (3, 5, 7) else None


def read_table(grid: list[list], kind: str, sheet: str, where: str, problems: list[Problem]) -> Optional[Table]:
    """The rows of one classification table (功能分类 or 经济分类)."""
    labels = ("合计", "人员经费", "公用经费") if kind == "economic" else (
        ("合计", "财政拨款收入", "事业收入", "事业单位经营收入", "其他收入") if kind == "income" else ("合计", "基本支出", "项目支出")
    )
    found = _header(grid, labels)
    if found is None:
        problems.append(Problem(f"{where}!{sheet}", 0, 0, "E401", f"在“{sheet}”中找不到表头（{'、'.join(labels)}）"))
        return None
    head, columns = found
    order = tuple(label for label in labels if label in columns)
    table = Table(kind, sheet, columns, order=order)
    first_amount = min(columns.values())
    for r in range(head + 1, len(grid)):
        row = grid[r]
        label = _text(row[0]) if row else ""
        values = []
        for name in order:
            value = amount(row[columns[name]] if columns[name] < len(row) else None)
            if value is None:
                problems.append(Problem(f"{where}!{sheet}!{_cell(r, columns[name])}", r + 1, columns[name] + 1, "E113",
                                        f"“{row[columns[name]]}”不是金额"))
                value = ZERO
            values.append(value)
        if label in ("合计", "总计") or (not label and any(_text(v) == "合计" for v in row[:first_amount])):
            table.total = values
            continue
        code = _code(row, first_amount)
        if code is None:
            continue
        if code in table.rows:
            problems.append(Problem(f"{where}!{sheet}!{_cell(r, 0)}", r + 1, 1, "E202", f"科目 {code} 出现了两次"))
            continue
        table.rows[code] = values
        table.cells[code] = _cell(r, columns[order[0]])
        table.names[code] = next((_text(v) for v in row[:first_amount] if _text(v) and not _text(v).isdigit()), "")
    return table


def _check_subtotals(table: Table, where: str, problems: list[Problem]) -> None:
    """Every 类/款 row the table prints equals the sum of the rows under it; the 合计 the 类."""
    leaf_length = max((len(c) for c in table.rows), default=0)
    for code, values in table.rows.items():
        if len(code) == leaf_length:
            continue
        children = [v for c, v in table.rows.items() if c.startswith(code) and len(c) == len(code) + 2]
        if children:
            sums = [sum(col, ZERO) for col in zip(*children)]
            if sums != values:
                problems.append(Problem(f"{where}!{table.sheet}!{table.cells[code]}", 0, 0, "E402",
                                        f"{code} 印出的小计 {values[0]:,} 不等于其下各行之和 {sums[0]:,}"))
    if table.total is not None:
        tops = [v for c, v in table.rows.items() if len(c) == 3]
        sums = [sum(col, ZERO) for col in zip(*tops)] if tops else [ZERO] * len(table.total)
        if sums != table.total:
            problems.append(Problem(f"{where}!{table.sheet}", 0, 0, "E402", f"合计 {table.total[0]:,} 不等于各类之和 {sums[0]:,}"))


def _three_public(grid: list[list], sheet: str, where: str, problems: list[Problem]) -> Optional[tuple[dict[str, Decimal], Decimal]]:
    """Table 9's row of figures (万元), the row under the header that names 运行费:
    合计, 出国, 接待, 公务用车 小计, 购置费, 运行费, 机关运行经费 (blank is 0)."""
    head = next((r for r, row in enumerate(grid[:15]) if any(_text(v) == "运行费" for v in row)), None)
    if head is None or head + 1 >= len(grid):
        problems.append(Problem(f"{where}!{sheet}", 0, 0, "E401", "“三公”经费表中找不到表头（运行费）或其下的数字行"))
        return None
    r = head + 1
    row = (list(grid[r]) + [None] * 7)[:7]
    values = []
    for c, value in enumerate(row):
        number = amount(value)
        if number is None:
            problems.append(Problem(f"{where}!{sheet}!{_cell(r, c)}", r + 1, c + 1, "E113", f"“{value}”不是金额"))
            number = ZERO
        values.append(number)
    total, abroad, reception, cars, purchase, running, office = values
    if total != abroad + reception + cars or cars != purchase + running:
        problems.append(Problem(f"{where}!{sheet}!{_cell(r, 0)}", r + 1, 1, "E402",
                                f"“三公”合计 {total} ≠ 出国 {abroad} + 接待 {reception} + 公务用车 {cars}（或小计 ≠ 购置费 + 运行费）"))
    return {"因公出国境费": abroad, "公务接待费": reception, "公务用车购置费": purchase, "公务用车运行费": running}, office


def _grand_totals(grid: list[list], sheet: str, where: str) -> dict[str, tuple[Decimal, str]]:
    """收入总计 and 支出总计 of table 1 or 4: the first amount right of each label."""
    found: dict[str, tuple[Decimal, str]] = {}
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            label = _text(value)
            if label in ("收入总计", "支出总计") and label not in found:
                for cc in range(c + 1, len(row)):
                    number = amount(row[cc])
                    if row[cc] is not None and number is not None:
                        found[label] = (number, f"{where}!{sheet}!{_cell(r, cc)}")
                        break
    return found


def read_workbooks(paths: list[Path], root: Optional[Path] = None) -> Imported:
    """Read every budget table in the workbooks and derive the record's leaves."""
    result = Imported()
    totals: dict[str, dict[str, tuple[Decimal, str]]] = {}
    tables: dict[str, Table] = {}
    where_of: dict[str, str] = {}
    for path in paths:
        where = path.name
        try:
            book = openpyxl.load_workbook(path, data_only=True, read_only=False)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file problem
            result.problems.append(Problem(where, 0, 0, "E100", f"无法读取工作簿：{exc}"))
            continue
        for ws in book.worksheets:
            grid = [list(row) for row in ws.iter_rows(values_only=True)]
            kind = _kind(grid)
            if kind is None:
                continue
            if kind == "three":
                found = _three_public(grid, ws.title, where, result.problems)
                if found:
                    result.three_public, result.running_cost = found
                continue
            if kind in ("summary", "fiscal"):
                totals[kind] = _grand_totals(grid, ws.title, where)  # checked against the other tables below
                continue
            table = read_table(grid, kind, ws.title, where, result.problems)
            if table is not None:
                _check_subtotals(table, where, result.problems)
                tables[kind] = table
                where_of[kind] = where
                classification = "经济分类" if kind == "economic" else "功能分类"
                for code, name in table.names.items():
                    result.names.setdefault(code, (classification, name))
    spending = tables.get("spending")
    if spending is None:
        result.problems.append(Problem(", ".join(p.name for p in paths), 0, 0, "E401", "找不到“支出预算总表”"))
        return result
    leaves = [c for c in spending.rows if len(c) == 7]
    for code in leaves:
        total, basic, project = spending.rows[code]
        entry: dict[str, dict[str, Decimal]] = {"基本支出": {}, "项目支出": {}}
        fiscal_basic = fiscal_project = ZERO
        for kind, source in FUND_TABLES.items():
            fund = tables.get(kind)
            if fund is None or code not in fund.rows:
                continue
            _t, b, p = fund.rows[code]
            if b:
                entry["基本支出"][source] = b
            if p:
                entry["项目支出"][source] = p
            fiscal_basic += b
            fiscal_project += p
        rest_basic, rest_project = basic - fiscal_basic, project - fiscal_project
        if rest_basic or rest_project:
            income = tables.get("income")
            others = [s for s in SOURCES[3:] if income is not None and code in income.rows
                      and income.rows[code][income.order.index(s)] if s in income.order]
            if len(others) != 1 or rest_basic < 0 or rest_project < 0:
                result.problems.append(Problem(f"{where_of['spending']}!{spending.sheet}!{spending.cells[code]}", 0, 0, "E403",
                                               f"{code} 的支出 {total:,} 与一般公共预算、政府性基金、国有资本经营各表之和不符，"
                                               "且无法从收入预算总表确定其余资金的来源"))
            else:
                if rest_basic:
                    entry["基本支出"][others[0]] = rest_basic
                if rest_project:
                    entry["项目支出"][others[0]] = rest_project
        result.spending[code] = entry
    for kind in FUND_TABLES:
        fund = tables.get(kind)
        for code in fund.rows if fund else ():
            if len(code) == 7 and code not in spending.rows:
                result.problems.append(Problem(f"{where_of[kind]}!{fund.sheet}!{fund.cells[code]}", 0, 0, "E403",
                                               f"{code} 在{fund.sheet}中有金额，但支出预算总表没有这一项"))
    spending_total = sum((v[0] for c, v in spending.rows.items() if len(c) == 7), ZERO)
    fiscal_total = sum(
        (v[0] for kind in FUND_TABLES if tables.get(kind) for c, v in tables[kind].rows.items() if len(c) == 7), ZERO
    )
    for kind, expected, what in (("summary", spending_total, "支出预算总表的合计"), ("fiscal", fiscal_total, "三张功能分类预算表的合计")):
        for label, (value, where_cell) in totals.get(kind, {}).items():
            if value != expected:
                result.problems.append(Problem(where_cell, 0, 0, "E402", f"{label} {value:,} 不等于{what} {expected:,}"))
    economic = tables.get("economic")
    if economic is not None:
        for code, (total, personnel, public) in economic.rows.items():
            if len(code) == 5:
                result.economic[code] = {k: v for k, v in (("人员经费", personnel), ("公用经费", public)) if v}
        basic_total = sum((v[1] for c, v in spending.rows.items() if len(c) == 7), ZERO)
        general = tables.get("general")
        general_basic = sum((v[1] for c, v in general.rows.items() if len(c) == 7), ZERO) if general else basic_total
        economic_total = sum((sum(v.values(), ZERO) for v in result.economic.values()), ZERO)
        if economic_total != general_basic:
            result.problems.append(Problem(f"{where_of['economic']}!{economic.sheet}", 0, 0, "E204",
                                           f"经济分类表合计 {economic_total:,} ≠ 一般公共预算基本支出 {general_basic:,}"))
    return result


# --------------------------------------------------------------------------- the record


def leaves_of(imported: Imported) -> dict:
    """The record keys the import writes, as plain data (amounts as Decimal)."""
    spending = []
    for code in sorted(imported.spending):
        entry: dict = {"科目": code}
        for side in ("基本支出", "项目支出"):
            money = {s: v.quantize(CENT) for s, v in imported.spending[code][side].items() if v}
            if money:
                entry[side] = money
        spending.append(entry)
    economic = [{"科目": code, **{k: v.quantize(CENT) for k, v in imported.economic[code].items()}} for code in sorted(imported.economic)]
    leaves: dict = {"支出": spending, "基本支出经济分类": economic}
    if imported.three_public is not None:
        leaves["三公经费.本年"] = {k: v.quantize(CENT) for k, v in imported.three_public.items()}
    if imported.running_cost is not None:
        leaves["机关运行经费.本年"] = imported.running_cost.quantize(CENT)
    return leaves


def _flat(leaves: dict) -> dict[str, Decimal]:
    """Every amount of the leaves under a readable name: ``支出 2080150 基本支出.一般公共预算``."""
    flat: dict[str, Decimal] = {}
    for entry in leaves.get("支出") or []:
        for side in ("基本支出", "项目支出"):
            for source, value in (entry.get(side) or {}).items():
                flat[f"支出 {entry['科目']} {side}.{source}"] = Decimal(str(value))
    for entry in leaves.get("基本支出经济分类") or []:
        for kind in ("人员经费", "公用经费"):
            if entry.get(kind):
                flat[f"基本支出经济分类 {entry['科目']} {kind}"] = Decimal(str(entry[kind]))
    for key, value in (leaves.get("三公经费.本年") or {}).items():
        flat[f"三公经费.本年.{key}"] = Decimal(str(value))
    if leaves.get("机关运行经费.本年") is not None:
        flat["机关运行经费.本年"] = Decimal(str(leaves["机关运行经费.本年"]))
    return {k: v for k, v in flat.items() if v}


def diff(old: dict, new: dict) -> list[str]:
    """What changes in the leaves, one line per amount: ``支出 2080150 基本支出.一般公共预算：1 → 2``."""
    before, after = _flat(old), _flat(new)
    lines = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a != b:
            lines.append(f"{key}：{'—' if a is None else f'{a:,}'} → {'—' if b is None else f'{b:,}'}")
    return lines


def current_leaves(data: dict) -> dict:
    """The leaves a budget record holds now (same shape as :func:`leaves_of`)."""
    return {
        "支出": data.get("支出") or [],
        "基本支出经济分类": data.get("基本支出经济分类") or [],
        "三公经费.本年": (data.get("三公经费") or {}).get("本年") or {},
        "机关运行经费.本年": (data.get("机关运行经费") or {}).get("本年"),
    }


SKELETON = """\
# {year}年 {name} {kind}预算 — 金额由 budgetdocs import 从 {files} 读入。
# 请补全文字部分（主要职能、机构设置、项说明、变动原因、国有资产等，见 docs/records.md），
# 然后运行 render --year {year} --unit {folder} 检查。
文档: {kind}
主要职能: []   # 请填写：每项一行
机构设置:
  说明: ""     # 请填写
"""


def _yaml_writer():
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(
        Decimal, lambda r, d: r.represent_scalar("tag:yaml.org,2002:float", f"{d.quantize(CENT):f}")
    )
    return yaml


def _flow(mapping: dict):
    from ruamel.yaml.comments import CommentedMap

    node = CommentedMap(mapping)
    node.fa.set_flow_style()
    return node


def record_text(existing: Optional[str], leaves: dict, skeleton: str) -> str:
    """The budget record with its leaves replaced (texts, comments and other keys kept)."""
    import io

    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = _yaml_writer()
    data = yaml.load(existing if existing is not None else skeleton) or CommentedMap()
    spending = CommentedSeq()
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as quoted

    for entry in leaves["支出"]:
        item = CommentedMap({"科目": quoted(entry["科目"])})
        for side in ("基本支出", "项目支出"):
            if side in entry:
                item[side] = _flow(entry[side])
        spending.append(item)
    data["支出"] = spending
    data["基本支出经济分类"] = CommentedSeq(_flow({**e, "科目": quoted(e["科目"])}) for e in leaves["基本支出经济分类"])
    if "三公经费.本年" in leaves:
        three = data.get("三公经费") or CommentedMap()
        three["本年"] = _flow(leaves["三公经费.本年"])
        data["三公经费"] = three
    if "机关运行经费.本年" in leaves:
        running = data.get("机关运行经费") or _flow({})
        running["本年"] = leaves["机关运行经费.本年"]
        data["机关运行经费"] = running
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
