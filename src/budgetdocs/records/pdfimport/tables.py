"""Take the pages of the nine table parts; give the record's leaves and what the tables print, checked.

A table running over several pages is one grid: every cell goes to the column whose
left edge it starts at (a merged 合计 cell to the first), columns are named by their
header cells (合计, 基本支出, 人员经费 …, the 类/款/项 code columns, 名称), rows by their
code (``201 03 01``), their 合计/总计 label or, in tables 1 and 4, their item
(``一、财政拨款收入``, a 类 by its name).  Amounts are read as exact decimals
(:func:`~budgetdocs.records.importer.parse_amount`).

The leaves: per 功能分类 项 its 基本支出 and 项目支出 by source (tables 3, 5–7, and 2 for
money outside the budget), per 经济分类 款 its 人员经费 and 公用经费 (table 8), the
“三公” and 机关运行经费 figures (table 9).  Every identity of FORMS.md §5.6 the tables
hold among themselves is checked (W411, located by page and table): a published
document that disagrees with itself is reported, never corrected.  A table that
cannot be read is an error (E414): its figures are never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from ...errors import Problem
from ..budget_model import SOURCES
from ..importer import AmountError, parse_amount
from .pages import PART_NAMES, Document, Page, flat

ZERO = Decimal(0)
TEN_THOUSAND = Decimal(10000)
AMOUNT = re.compile(r"^-?[\d,]+(?:\.\d+)?$")
ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+\s*[.．、]|[（(][一二三四五六七八九十]+[）)])\s*")
CODE_PART = re.compile(r"^\d{1,7}$")
FUND_PARTS = {"t5": "一般公共预算", "t6": "政府性基金", "t7": "国有资本经营"}
FUND_NOTES = {"t6": "政府性基金预算", "t7": "国有资本经营预算"}
INCOME_ROWS = (  # table 1's and 4's income items, by a word of their name (the most particular first)
    ("一般公共预算", "一般公共预算"), ("政府性基金", "政府性基金"), ("国有资本经营", "国有资本经营"), ("财政拨款", "财政拨款"),
    ("事业单位经营", "事业单位经营收入"), ("事业收入", "事业收入"), ("其他收入", "其他收入"),
)


@dataclass
class Grid:
    """A table's cells over all its pages: header labels per column, rows with their page."""

    part: str
    labels: list[str]
    rows: list[tuple[int, list[str]]]
    first_page: int
    scale: Decimal = Decimal(1)  # 10,000 when the table prints 万元
    zeros: bool = False  # a 0 printed in an amount cell
    decimals: bool = False  # an amount printed with 分
    amounts: int = 0

    def column(self, *endings: str, contains: str = "", start: int = 0) -> Optional[int]:
        """The first column (from ``start``) whose label ends with one of ``endings`` (or holds ``contains``)."""
        for index, label in enumerate(self.labels[start:], start):
            if (contains and contains in label) or (endings and label.endswith(endings)):
                return index
        return None


@dataclass
class CodeTable:
    """A classification table (2, 3, 5–8): amounts per code by column label."""

    part: str
    rows: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    total: Optional[dict[str, Decimal]] = None
    total_page: int = 0


@dataclass
class Tables:
    """What the nine tables print, and the leaves of a record taken from them."""

    grids: dict[str, Grid] = field(default_factory=dict)
    code_tables: dict[str, CodeTable] = field(default_factory=dict)
    income: dict[str, Decimal] = field(default_factory=dict)  # table 1's left side, by source (财政拨款 too)
    categories: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # table 1's right side, 类 code → column
    fiscal_categories: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # table 4's right side
    spending: dict[str, dict[str, dict[str, Decimal]]] = field(default_factory=dict)  # 项 → 基本支出/人员经费/公用经费/项目支出 → source → 元
    economic: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # 款 → 人员经费/公用经费 → 元
    three_public: Optional[dict[str, Decimal]] = None  # 万元, with 合计 and 小计
    three_texts: list[str] = field(default_factory=list)  # table 9's figures as printed ('' for a blank cell)
    running_cost: Optional[Decimal] = None
    split_notes: list[str] = field(default_factory=list)  # how a 单位's per-类 人员/公用 was put on its 项
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (classification, name printed)
    empty_notes: dict[str, str] = field(default_factory=dict)  # an empty fund table's note
    problems: list[Problem] = field(default_factory=list)


def _grid(document: Document, part: str, pages: list[Page], tables: Tables) -> Optional[Grid]:
    ruled = [t for p in pages for t in p.tables if t.rows]
    if not ruled:
        tables.problems.append(document.problem(pages[0].number, "E414", f"{PART_NAMES[part]}：这一页找不到带表格线的表格，无法按单元格读出金额"))
        return None
    edges: list[float] = []
    for cell in (c for row in ruled[0].rows for c in row):
        if not any(abs(cell.x0 - e) < 3 for e in edges):
            edges.append(cell.x0)
    edges.sort()
    rows: list[tuple[int, list[str]]] = []
    for table in ruled:
        for row in table.rows:
            cells = [""] * len(edges)
            for cell in row:
                index = min(range(len(edges)), key=lambda i: abs(edges[i] - cell.x0))
                cells[index] = (cells[index] + cell.text) if cells[index] else cell.text
            rows.append((table.page, cells))
    header = 0
    for _, cells in rows:
        if _data_row(part, [flat(c) for c in cells]):
            break
        header += 1
    labels = ["".join(flat(cells[i]) for _, cells in rows[:header]) for i in range(len(edges))]
    scale = Decimal(1)
    caption = "".join(flat(l.text) for l in pages[0].lines)
    if part != "t9" and re.search(r"单位[:：]万元", caption):
        scale = TEN_THOUSAND
    body = [(page, cells) for page, cells in rows[header:] if not _repeated_header(cells, labels)]
    grid = Grid(part, labels, body, pages[0].number, scale)
    tables.grids[part] = grid
    return grid


def _data_row(part: str, texts: list[str]) -> bool:
    """Whether a row ends the header: a figure, a code, an item (``一、…``), a 合计, or a blank row.
    (Table 9's header has a 合计 of its own: only its row of figures ends it.)"""
    if not any(texts) or any(AMOUNT.match(t) for t in texts):
        return True
    first = texts[0]
    return part != "t9" and bool(ORDINAL.match(first) or CODE_PART.match(first) or first in ("合计", "总计", "收入总计", "支出总计"))


def _repeated_header(cells: list[str], labels: list[str]) -> bool:
    """A continuation page's repeated header row: no figure, no code, no item, only header words."""
    texts = [flat(c) for c in cells if flat(c)]
    return bool(texts) and all(any(t in label for label in labels) for t in texts) and not any(AMOUNT.match(t) for t in texts)


def _amount(document: Document, grid: Grid, page: int, text: str, where: str, tables: Tables) -> Decimal:
    value = flat(text)
    if value in ("", "-", "—", "－"):
        return ZERO
    try:
        number = parse_amount(value)
    except AmountError as exc:
        tables.problems.append(document.problem(page, "E414", f"{PART_NAMES[grid.part]} {where}：{exc}"))
        return ZERO
    grid.amounts += 1
    grid.zeros = grid.zeros or number == 0
    grid.decimals = grid.decimals or "." in value
    return number * grid.scale


def _code(cells: list[str], columns: list[int]) -> Optional[tuple[str, bool]]:
    """The code of a row from its code columns (``201``·``03``·``01`` or ``2010301``), and
    whether a 款/项 printed with one digit (``2`` for ``02``) was padded."""
    parts = [flat(cells[i]) for i in columns if flat(cells[i])]
    if not parts or not all(p.isdigit() for p in parts):
        return None
    if len(parts) == 1 and len(parts[0]) in (3, 5, 7):
        return parts[0], False
    padded = False
    code = parts[0]
    if len(code) != 3:
        return None
    for part in parts[1:]:
        if len(part) == 1:
            part, padded = "0" + part, True
        if len(part) != 2:
            return None
        code += part
    return code, padded


def _code_table(document: Document, grid: Grid, wanted: tuple[str, ...], tables: Tables) -> Optional[CodeTable]:
    """Rows of a classification table by code; its 合计."""
    name_col = grid.column(contains="名称")
    code_cols = [i for i, label in enumerate(grid.labels) if i != name_col and (name_col is None or i < name_col)
                 and (label.endswith(("类", "款", "项")) or "编码" in label)]
    columns = {label: grid.column(label, start=(name_col or 0) + 1) for label in wanted}
    missing = [label for label, index in columns.items() if index is None]
    if name_col is None or not code_cols or missing:
        what = "、".join(missing) or ("科目名称" if name_col is None else "科目编码")
        tables.problems.append(document.problem(grid.first_page, "E414", f"{PART_NAMES[grid.part]}：表头中找不到“{what}”列，无法读出这张表"))
        return None
    table = CodeTable(grid.part)
    for page, cells in grid.rows:
        texts = [flat(c) for c in cells]
        if not any(texts):
            continue
        label = "".join(texts[: min(columns.values())])
        found = _code(cells, code_cols)
        where = found[0] if found else label[:12]
        values = {name: _amount(document, grid, page, cells[index], where, tables) for name, index in columns.items()}
        if found is None:
            if label.endswith(("合计", "总计")):
                table.total, table.total_page = values, page
            elif any(values.values()) or label:
                tables.problems.append(document.problem(page, "E414", f"{PART_NAMES[grid.part]}：读不出这一行的科目编码（“{label[:20]}”）"))
            continue
        code, padded = found
        if code in table.rows:
            tables.problems.append(document.problem(page, "W411", f"{PART_NAMES[grid.part]}：科目 {code} 印了两次", "warning"))
            continue
        if padded:
            tables.problems.append(document.problem(page, "W412", f"{PART_NAMES[grid.part]}：科目编码印作“{' '.join(flat(cells[i]) for i in code_cols)}”，读作 {code}", "warning"))
        table.rows[code] = values
        table.names[code] = re.sub(r"\s+", "", cells[name_col])  # as printed: full-width brackets kept
        table.pages[code] = page
    return table


def _subtotals(document: Document, table: CodeTable, tables: Tables) -> None:
    """Each 类/款 row equals the rows under it; the 合计 the 类 rows; each row's 合计 its parts."""
    what = PART_NAMES[table.part]
    longest = max((len(c) for c in table.rows), default=0)
    for code, values in table.rows.items():
        children = [v for c, v in table.rows.items() if c.startswith(code) and len(c) == len(code) + 2]
        if len(code) < longest and children:
            for label, value in values.items():
                summed = sum((c[label] for c in children), ZERO)
                if summed != value:
                    tables.problems.append(document.problem(table.pages[code], "W411", f"{what}：{code} 的{label} {value:,} 不等于其下各行之和 {summed:,}", "warning"))
    if table.total is not None:
        tops = [v for c, v in table.rows.items() if len(c) == 3]
        for label, value in table.total.items():
            summed = sum((t[label] for t in tops), ZERO)
            if summed != value:
                tables.problems.append(document.problem(table.total_page, "W411", f"{what}：合计的{label} {value:,} 不等于各类之和 {summed:,}", "warning"))
    for code, values in list(table.rows.items()) + ([("合计", table.total)] if table.total else []):
        labels = list(values)
        parts = labels[1:]
        if labels and labels[0] == "合计" and len(parts) > 1:
            summed = sum((values[l] for l in parts), ZERO)
            if summed != values["合计"]:
                page = table.pages.get(code, table.total_page)
                tables.problems.append(document.problem(page, "W411", f"{what}：{code} 的合计 {values['合计']:,} 不等于{'、'.join(parts)}之和 {summed:,}", "warning"))


def _sided(document: Document, grid: Grid, tables: Tables, categories: dict[str, str]) -> tuple[dict[str, Decimal], dict[str, dict[str, Decimal]], dict[str, Decimal]]:
    """Tables 1 and 4: (income items by source, 类 code → amounts by label, the 收入总计 and 支出总计 rows)."""
    items = [i for i, label in enumerate(grid.labels) if label.endswith("项目")]
    if len(items) < 2:
        tables.problems.append(document.problem(grid.first_page, "E414", f"{PART_NAMES[grid.part]}：表头中找不到收入和支出两边的“项目”列"))
        return {}, {}, {}
    left, right = items[0], items[1]
    income_col = left + 1
    right_cols = {_right_label(grid.labels[i]): i for i in range(right + 1, len(grid.labels))}
    income: dict[str, Decimal] = {}
    spending: dict[str, dict[str, Decimal]] = {}
    totals: dict[str, Decimal] = {}
    for page, cells in grid.rows:
        name = ORDINAL.sub("", flat(cells[left]))
        if name:
            value = _amount(document, grid, page, cells[income_col], name, tables)
            source = next((source for word, source in INCOME_ROWS if word in name), None)
            if name.endswith("总计"):
                totals["收入总计"] = value
            elif source is not None and source not in income:
                income[source] = value
            else:
                tables.problems.append(document.problem(page, "W410", f"{PART_NAMES[grid.part]}：收入一栏的“{name}”不是已知的收入项目，未读取", "warning"))
        name = ORDINAL.sub("", flat(cells[right]))
        if not name:
            continue
        values = {label: _amount(document, grid, page, cells[i], name, tables) for label, i in right_cols.items()}
        if name.endswith("总计"):
            totals.update({f"支出总计.{k}": v for k, v in values.items()})
            continue
        code = categories.get(name)
        if code is None:
            tables.problems.append(document.problem(page, "E414", f"{PART_NAMES[grid.part]}：支出一栏的“{name}”在功能分类表中找不到对应的类"))
            continue
        spending[code] = values
    return income, spending, totals


RIGHT_LABELS = ("合计", "人员经费", "公用经费", "项目支出", "基本支出", "一般公共预算", "政府性基金预算", "国有资本经营预算")


def _right_label(label: str) -> str:
    """A spending column of table 1 or 4 by the end of its header (``预算数`` alone is the 合计)."""
    return next((name for name in RIGHT_LABELS if label.endswith(name)), "合计" if label.endswith("预算数") else label)


def read_tables(document: Document) -> Tables:
    """Read the nine tables of a disclosure into leaves; check them against each other."""
    tables = Tables()
    grids: dict[str, Grid] = {}
    for part in ("t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"):
        pages = document.parts(part)
        if pages:
            grid = _grid(document, part, pages, tables)
            if grid is not None:
                grids[part] = grid
    wanted = {"t2": ("合计", "财政拨款收入", "事业收入", "事业单位经营收入", "其他收入"), "t3": ("合计", "基本支出", "项目支出"),
              "t5": ("合计", "基本支出", "项目支出"), "t6": ("合计", "基本支出", "项目支出"), "t7": ("合计", "基本支出", "项目支出"),
              "t8": ("合计", "人员经费", "公用经费")}
    for part, labels in wanted.items():
        if part in grids:
            if part == "t2":
                labels = tuple(l for l in labels if l in ("合计", "财政拨款收入") or grids[part].column(l) is not None)
            table = _code_table(document, grids[part], labels, tables)
            if table is not None:
                _subtotals(document, table, tables)
                tables.code_tables[part] = table
                for code, name in table.names.items():
                    tables.names.setdefault(code, ("经济分类" if part == "t8" else "功能分类", name))
    for part in ("t6", "t7"):
        _empty_note(document, part, tables)
    categories = {name: code for code, (kind, name) in tables.names.items() if kind == "功能分类" and len(code) == 3}
    if "t1" in grids:
        tables.income, tables.categories, totals = _sided(document, grids["t1"], tables, categories)
        _check_summary(document, totals, tables)
    if "t4" in grids:
        _income, tables.fiscal_categories, totals = _sided(document, grids["t4"], tables, categories)
        _check_fiscal(document, _income, totals, tables)
    if "t9" in grids:
        _three_public(document, grids["t9"], tables)
    _leaves(document, tables)
    return tables


def _empty_note(document: Document, part: str, tables: Tables) -> None:
    """An empty 政府性基金 or 国有资本经营 table carries a note naming its fund (§5.6)."""
    pages = document.parts(part)
    if not pages:
        return
    note = next((flat(l.text) for p in pages for l in p.lines if flat(l.text).startswith(("注", "说明"))), "")
    table = tables.code_tables.get(part)
    empty = table is not None and not any(v["合计"] for v in table.rows.values())
    if note:
        tables.empty_notes[part] = note
    if empty and not note:
        tables.problems.append(document.problem(pages[0].number, "W411", f"{PART_NAMES[part]}是空表，但没有“本表为空表”的注", "warning"))
    elif empty and FUND_NOTES[part] not in note:
        tables.problems.append(document.problem(pages[0].number, "W411", f"{PART_NAMES[part]}的注没有写明{FUND_NOTES[part]}：“{note}”", "warning"))
    elif not empty and note and "空表" in note:
        tables.problems.append(document.problem(pages[0].number, "W411", f"{PART_NAMES[part]}有金额，注却说本表为空表", "warning"))


def _check_summary(document: Document, totals: dict[str, Decimal], tables: Tables) -> None:
    """Table 1 against itself and table 3: 收入总计 = 支出总计, the income items, the 类 rows."""
    page = tables.grids["t1"].first_page
    say = lambda message: tables.problems.append(document.problem(page, "W411", f"表1 财务收支预算总表：{message}", "warning"))  # noqa: E731
    income, spending = tables.income, tables.categories
    if totals.get("收入总计") is not None and totals.get("支出总计.合计") is not None and totals["收入总计"] != totals["支出总计.合计"]:
        say(f"收入总计 {totals['收入总计']:,} 不等于支出总计 {totals['支出总计.合计']:,}")
    fiscal = sum((income.get(s, ZERO) for s in SOURCES[:3]), ZERO)
    if "财政拨款" in income and income["财政拨款"] != fiscal:
        say(f"财政拨款收入 {income['财政拨款']:,} 不等于一般公共预算、政府性基金、国有资本经营之和 {fiscal:,}")
    if "收入总计" in totals:
        summed = fiscal + sum((income.get(s, ZERO) for s in SOURCES[3:]), ZERO)
        if summed != totals["收入总计"]:
            say(f"收入总计 {totals['收入总计']:,} 不等于各项收入之和 {summed:,}")
    spent = tables.code_tables.get("t3")
    for code, values in spending.items():
        if spent is not None and code in spent.rows and spent.rows[code]["合计"] != values.get("合计", ZERO):
            say(f"{code} {spent.names.get(code, '')} {values.get('合计', ZERO):,} 不等于支出预算总表的 {spent.rows[code]['合计']:,}")
        if "人员经费" in values:
            summed = values.get("人员经费", ZERO) + values.get("公用经费", ZERO) + values.get("项目支出", ZERO)
            if summed != values.get("合计", ZERO):
                say(f"{code} 的合计 {values.get('合计', ZERO):,} 不等于人员经费、公用经费、项目支出之和 {summed:,}")
    for label in ("合计", "人员经费", "公用经费", "项目支出"):
        if f"支出总计.{label}" in totals:
            summed = sum((v.get(label, ZERO) for v in spending.values()), ZERO)
            if summed != totals[f"支出总计.{label}"]:
                say(f"支出总计的{label} {totals[f'支出总计.{label}']:,} 不等于各类之和 {summed:,}")


def _check_fiscal(document: Document, income: dict[str, Decimal], totals: dict[str, Decimal], tables: Tables) -> None:
    """Table 4 against tables 1 and 5–7: income by fund, each 类 by fund."""
    page = tables.grids["t4"].first_page
    say = lambda message: tables.problems.append(document.problem(page, "W411", f"表4 财政拨款收支预算总表：{message}", "warning"))  # noqa: E731
    for source in SOURCES[:3]:
        if source in income and source in tables.income and income[source] != tables.income[source]:
            say(f"{source} {income[source]:,} 不等于表1的 {tables.income[source]:,}")
    columns = {"一般公共预算": "t5", "政府性基金预算": "t6", "国有资本经营预算": "t7"}
    for code, values in tables.fiscal_categories.items():
        parts = sum((values.get(label, ZERO) for label in columns), ZERO)
        if values.get("合计") is not None and parts != values["合计"]:
            say(f"{code} 的合计 {values['合计']:,} 不等于三种财政拨款之和 {parts:,}")
        for label, part in columns.items():
            fund = tables.code_tables.get(part)
            if fund is not None and values.get(label, ZERO) != fund.rows.get(code, {}).get("合计", ZERO):
                say(f"{code} 的{label} {values.get(label, ZERO):,} 不等于{PART_NAMES[part]}的 {fund.rows.get(code, {}).get('合计', ZERO):,}")
    received = sum((v for k, v in income.items() if k in SOURCES[:3]), ZERO)
    if "收入总计" in totals and totals["收入总计"] != received:
        say(f"收入总计 {totals['收入总计']:,} 不等于各项财政拨款收入之和 {received:,}")
    if "收入总计" in totals and "支出总计.合计" in totals and totals["收入总计"] != totals["支出总计.合计"]:
        say(f"收入总计 {totals['收入总计']:,} 不等于支出总计 {totals['支出总计.合计']:,}")


def _three_public(document: Document, grid: Grid, tables: Tables) -> None:
    """Table 9's figures (万元): 合计, 因公出国(境)费, 公务接待费, 小计, 购置费, 运行费, 机关运行经费."""
    columns = {
        "合计": grid.column("合计"), "因公出国境费": grid.column(contains="出国"), "公务接待费": grid.column(contains="接待"),
        "小计": grid.column("小计"), "公务用车购置费": grid.column("购置费"),
        "公务用车运行费": next((i for i, l in enumerate(grid.labels) if l.endswith("运行费") and "机关" not in l), None),
        "机关运行经费": grid.column(contains="机关运行经"),
    }
    missing = [k for k, v in columns.items() if v is None]
    if missing:
        tables.problems.append(document.problem(grid.first_page, "E414", f"{PART_NAMES['t9']}：表头中找不到“{'、'.join(missing)}”列"))
        return
    row = next(((p, c) for p, c in grid.rows if any(AMOUNT.match(flat(x)) for x in c)), None)
    page, cells = row if row else (grid.first_page, [""] * len(grid.labels))
    values = {k: _amount(document, grid, page, cells[i], k, tables) for k, i in columns.items()}  # type: ignore[index]
    tables.three_texts = [flat(cells[i]) for i in columns.values()]  # type: ignore[index]
    tables.three_public = {k: v for k, v in values.items() if k != "机关运行经费"}
    tables.running_cost = values["机关运行经费"]
    if values["小计"] != values["公务用车购置费"] + values["公务用车运行费"]:
        tables.problems.append(document.problem(page, "W411", f"{PART_NAMES['t9']}：公务用车小计 {values['小计']} 不等于购置费 {values['公务用车购置费']} + 运行费 {values['公务用车运行费']}", "warning"))
    if values["合计"] != values["因公出国境费"] + values["公务接待费"] + values["小计"]:
        tables.problems.append(document.problem(page, "W411", f"{PART_NAMES['t9']}：合计 {values['合计']} 不等于因公出国（境）费、公务接待费、公务用车购置及运行费之和", "warning"))


def _leaves(document: Document, tables: Tables) -> None:
    """The record's 支出 and 基本支出经济分类 leaves from tables 2, 3, 5–8; the 单位's split."""
    spent = tables.code_tables.get("t3") or tables.code_tables.get("t5")
    if spent is None:
        tables.problems.append(document.problem(1, "E414", "读不出支出预算总表和一般公共预算支出功能分类预算表：没有功能分类项的金额"))
        return
    income = tables.code_tables.get("t2")
    for code in (c for c in spent.rows if len(c) == 7):
        total = spent.rows[code]
        entry: dict[str, dict[str, Decimal]] = {"基本支出": {}, "项目支出": {}}
        fiscal = {"基本支出": ZERO, "项目支出": ZERO}
        for part, source in FUND_PARTS.items():
            row = tables.code_tables[part].rows.get(code) if part in tables.code_tables else None
            for side in ("基本支出", "项目支出"):
                if row and row[side]:
                    entry[side][source] = row[side]
                    fiscal[side] += row[side]
        for side in ("基本支出", "项目支出"):
            rest = total[side] - fiscal[side]
            if not rest:
                continue
            others = [s for s in SOURCES[3:] if income is not None and income.rows.get(code, {}).get(s)]
            if rest < 0 or len(others) != 1:
                tables.problems.append(document.problem(spent.pages[code], "E414",
                                                        f"{PART_NAMES[spent.part]}：{code} 的{side} {total[side]:,} 与三张财政拨款功能分类表之和 {fiscal[side]:,} 不符，"
                                                        "且收入预算总表不能确定其余资金的来源"))
                continue
            entry[side][others[0]] = rest
        tables.spending[code] = {k: v for k, v in entry.items() if v}
    for part in FUND_PARTS:
        for code in (tables.code_tables[part].rows if part in tables.code_tables else {}):
            if len(code) == 7 and code not in spent.rows:
                tables.problems.append(document.problem(tables.code_tables[part].pages[code], "W411", f"{PART_NAMES[part]}：{code} 不在{PART_NAMES[spent.part]}中", "warning"))
    economic = tables.code_tables.get("t8")
    if economic is not None:
        for code, values in economic.rows.items():
            if len(code) == 5:
                tables.economic[code] = {k: values[k] for k in ("人员经费", "公用经费") if values[k]}
        basic = sum((v.get("基本支出", {}).get("一般公共预算", ZERO) for v in tables.spending.values()), ZERO)
        summed = sum((sum(v.values(), ZERO) for v in tables.economic.values()), ZERO)
        if basic != summed:
            tables.problems.append(document.problem(document.parts("t8")[0].number, "W411",
                                                    f"{PART_NAMES['t8']}：合计 {summed:,} 不等于一般公共预算基本支出 {basic:,}", "warning"))
    if any("人员经费" in v for v in tables.categories.values()):
        _split(document, tables)


def _split(document: Document, tables: Tables) -> None:
    """A 单位预算 prints 人员经费 and 公用经费 per 类 only (table 1); the record splits each 项.

    Each 类's 公用经费 goes to its first 项 (in code order) whose 基本支出 holds it, the rest
    of every 项's 基本支出 is 人员经费; where no one 项 holds it, it fills the 项 in order.
    Every figure the tables print follows; the choice is said in the record for review."""
    page = tables.grids["t1"].first_page
    for category, values in tables.categories.items():
        public = values.get("公用经费", ZERO)
        members = [c for c in sorted(tables.spending) if c.startswith(category) and tables.spending[c].get("基本支出")]
        basic = {c: sum(tables.spending[c]["基本支出"].values(), ZERO) for c in members}
        if sum(basic.values(), ZERO) != values.get("人员经费", ZERO) + public:
            tables.problems.append(document.problem(page, "W411", f"表1 财务收支预算总表：{category} 的人员经费与公用经费之和不等于其各项的基本支出之和，未能分写", "warning"))
            continue
        holder = next((c for c in members if basic[c] >= public), None)
        shares = {c: ZERO for c in members}
        if holder is not None:
            shares[holder] = public
        else:
            left = public
            for c in members:
                shares[c] = min(left, basic[c])
                left -= shares[c]
        for code in members:
            entry = tables.spending[code]
            by_source = entry.pop("基本支出")
            people: dict[str, Decimal] = {}
            office: dict[str, Decimal] = {}
            left = shares[code]
            for source in sorted(by_source, key=lambda s: SOURCES.index(s)):
                office_part = min(left, by_source[source])
                left -= office_part
                if office_part:
                    office[source] = office_part
                if by_source[source] - office_part:
                    people[source] = by_source[source] - office_part
            if people:
                entry["人员经费"] = people
            if office:
                entry["公用经费"] = office
        if public:
            placed = "、".join(f"{c}（{shares[c]:,}）" for c in members if shares[c])
            tables.split_notes.append(f"{category} 的公用经费 {public:,} 元记在 {placed}，其余基本支出记为人员经费")
