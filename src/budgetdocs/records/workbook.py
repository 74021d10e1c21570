"""Take a fill-in workbook (填报表); give the unit's records, checked, each problem at its cell.

The workbook is read as :mod:`budgetdocs.records.workbook_spec` describes it (the writer,
:mod:`budgetdocs.records.workbook_writer`, follows the same description): each block is
found by its title in column A, each value read as its kind — an amount into a ``Decimal``
from the cell's own text, a code against the year's classification, a date in the style
its cell shows, text as typed — and blanks are left out.  Totals are never read; one typed
over its formula that disagrees with the sum is reported.  The workbook is read within the
same bounds as the budget tables (:func:`budgetdocs.records.importer.read_cells`).

:func:`plan_import` merges what was read into the records it came from
(:mod:`budgetdocs.records.recordtext`: comments, and every key the workbook does not hold,
kept), gives the new records every check a render gives them, on a copy of the project,
and locates each problem at its cell (``填报表.xlsx!支出!D12``).  Nothing is written here.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

from ..errors import DataError, Problem, UsageError, display_path
from . import workbook_spec as spec
from .budget_model import SOURCES, Budget
from .importer import AmountError, CellError, CellValue, Number, parse_amount, read_cells, sheet_names
from .loader import read_mapping
from .model import FORM_MODELS, edition_for_year
from .recordtext import record_text, same
from .workbook_spec import MISSING, Fields, Item, Shown, Table, Total, column_letter, date_text, put_at, value_at


@dataclass
class ReadRecord:
    """One record read from the workbook: its plain data and where each key stands."""

    data: dict
    shown: Shown
    sheet: str
    stem: Optional[str] = None  # the record file it came from (forms)
    edition: str = ""


@dataclass
class ReadBook:
    """Everything read from a fill-in workbook."""

    year: int = 0
    folder: str = ""
    budget: Optional[ReadRecord] = None
    forms: list[ReadRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sheet_order: list[str] = field(default_factory=list)
    broken: set[tuple] = field(default_factory=set)  # (record sheet or 'budget', path) of cells not read


def is_fillin(path: Path) -> bool:
    """Whether ``path`` is a fill-in workbook of ours (it has the hidden marker sheet)."""
    return spec.MARKER_SHEET in sheet_names(path)


class _CellProblem(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _text_of(cell: Optional[CellValue]) -> str:
    if cell is None or cell.value is None:
        return ""
    return str(cell.value)


class _Reader:
    def __init__(self, where: str, sheets, date1904: bool, functions: dict[str, str], economics: dict[str, str], year: int):
        self.where = where
        self.sheets = {s.name: s for s in sheets}
        self.date1904 = date1904
        self.functions = functions
        self.economics = economics
        self.year = year
        self.problems: list[Problem] = []
        self.broken: set[tuple] = set()
        self.record = "预算"  # the record being read: 预算, or a form's sheet
        self.reported: set[tuple[str, int]] = set()  # (sheet, row) with a problem

    def problem(self, sheet: str, r: int, c: int, code: str, message: str, path: tuple = ()) -> None:
        self.problems.append(Problem(f"{self.where}!{sheet}!{column_letter(c)}{r + 1}", 0, 0, code, message))
        self.reported.add((sheet, r))
        if path:
            self.broken.add((self.record, path))

    def value(self, sheet: str, r: int, c: int, cell: Optional[CellValue], kind: str, label: str,
              choices: tuple = (), codes: Optional[str] = None, path: tuple = ()) -> Any:
        """The value of one input cell as ``kind``; MISSING when blank or not readable (reported)."""
        if cell is None or cell.value is None or (isinstance(cell.value, str) and not cell.value.strip() and kind != spec.TEXT):
            return MISSING
        try:
            return self._convert(cell, kind, label, choices, codes)
        except _CellProblem as exc:
            self.problem(sheet, r, c, exc.code, f"{label}：{exc}", path)
            return MISSING

    def _convert(self, cell: CellValue, kind: str, label: str, choices: tuple, codes: Optional[str]) -> Any:
        value = cell.value
        if isinstance(value, CellError):
            raise _CellProblem("E110", f"“{value}”是公式的错误值")
        if cell.formula and kind not in (spec.MONEY, spec.WAN, spec.INT):  # an amount may be =1000+200, as Excel saves it
            raise _CellProblem("E110", "这里是公式：请直接写内容（以 = 开头的文字请在前面加单引号 '）")
        if kind in (spec.MONEY, spec.WAN):
            try:
                return parse_amount(value)
            except AmountError as exc:
                raise _CellProblem("E113", str(exc)) from None
        if kind == spec.INT:
            text = str(value).strip()
            number = None
            try:
                number = Decimal(text)
            except Exception:  # noqa: BLE001 - any text that is not a number
                pass
            if number is None or not number.is_finite() or number != number.to_integral_value() or isinstance(value, bool):
                raise _CellProblem("E110", f"应为整数（个数），写的是“{value}”")
            return int(number)
        if kind in (spec.BOOL, spec.PRESENT):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("是", "true", "1", "√", "yes"):
                return True
            if text in ("否", "false", "0", "no"):
                return False
            raise _CellProblem("E110", f"应为“是”或“否”，写的是“{value}”")
        if kind == spec.DATE and isinstance(value, Number):
            shown = date_text(Decimal(str(value)), cell.number_format, self.date1904)
            if shown is None:
                raise _CellProblem("E212", f"“{value}”不是日期：请写成 2024-1-1 或 2024年1月1日")
            return shown
        if kind == spec.CODE:
            text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
            name, digits = spec.CODE_LISTS[codes or "项"]
            if not re.fullmatch(rf"\d{{{digits}}}", text):
                raise _CellProblem("E110", f"应为{digits}位数字的{name}编码，写的是“{value}”")
            names = self.functions if name == "功能分类" else self.economics
            if text not in names:
                raise _CellProblem("E203", f"{name}科目 {text} 在{self.year}年科目表中不存在：请从下拉列表中选择，或核对编码")
            return text
        if isinstance(value, bool):
            raise _CellProblem("E110", f"应为文字，写的是逻辑值“{'TRUE' if value else 'FALSE'}”")
        text = str(value)
        if kind == spec.CHOICE:
            text = text.strip()
            if choices and text not in choices:
                raise _CellProblem("E110", f"取值“{text}”不在允许的范围内，可选：{'、'.join(choices)}")
            return text
        if kind == spec.KEYS:
            return [part for part in re.split(r"[、,，;；\s]+", text) if part]
        return text

    # -- blocks

    def blocks(self, sheet_name: str, blocks: list, record: dict, shown: Shown) -> None:
        """Read the blocks of one sheet into ``record`` (plain data), noting cells in ``shown``."""
        sheet = self.sheets[sheet_name]
        column_a = {r: _text_of(cell).strip() for (r, c), cell in sheet.cells.items() if c == 0}
        starts: list[tuple[int, Any, Optional[int]]] = []
        for block in blocks:
            if isinstance(block, Fields) and block.repeat:
                for r, text in column_a.items():
                    match = re.fullmatch(rf"【{re.escape(block.title)}\s*(\d+)】", text)
                    if match:
                        starts.append((r, block, int(match.group(1)) - 1))
            else:
                found = [r for r, text in column_a.items() if text == f"【{block.title}】"]
                if found:
                    starts.append((min(found), block, None))
        starts.sort(key=lambda s: s[0])
        last = max((r for r, _ in sheet.cells), default=0) + 1
        repeated: dict[tuple, list] = {}
        # fields first: a table's header may depend on one of them (指标列)
        order = sorted(range(len(starts)), key=lambda i: isinstance(starts[i][1], Table))
        for i in order:
            start, block, index = starts[i]
            end = starts[i + 1][0] if i + 1 < len(starts) else last
            if isinstance(block, Table):
                self.table(sheet_name, block, start, end, record, shown)
                continue
            if block.repeat:
                item: dict = {}
                sub = Shown()
                self.fields(sheet_name, block, start, end, item, sub)
                repeated.setdefault(block.repeat, []).append((index, item, sub))
                continue
            self.fields(sheet_name, block, start, end, record, shown)
        for path, items in repeated.items():
            kept = [(item, sub) for _, item, sub in sorted(items, key=lambda x: x[0]) if item]
            if kept:
                put_at(record, path, [item for item, _ in kept])
            for position, (_, sub) in enumerate(kept):
                for loc, ref in sub.cells.items():
                    shown.cells[path + (position,) + loc] = ref
            shown.cells.setdefault(path, f"{sheet_name}!A{starts[0][0] + 1}" if starts else sheet_name)
            shown.held.append(path)

    def _header_row(self, sheet, start: int, end: int, first_label: str) -> Optional[int]:
        for r in range(start + 1, end):
            if _text_of(sheet.cells.get((r, 0))).strip() == first_label:
                return r
        return None

    def fields(self, sheet_name: str, block: Fields, start: int, end: int, record: dict, shown: Shown) -> None:
        sheet = self.sheets[sheet_name]
        head = self._header_row(sheet, start, end, block.head[0])
        if head is None:
            self.problem(sheet_name, start, 0, "E401", f"“{block.title}”下面找不到表头（{block.head[0]}）：请不要删除表头行")
            return
        items = {i.label: i for i in block.items}
        current: Optional[Any] = None
        collected: dict[str, list[tuple[int, Any]]] = {}
        for r in range(head + 1, end):
            label = _text_of(sheet.cells.get((r, 0))).strip()
            value_cell = sheet.cells.get((r, 1))
            if label:
                if label not in items:
                    if value_cell is not None:
                        self.problem(sheet_name, r, 0, "E112", f"不认识的项目“{label}”（是否改动了项目名？）：这一行不会读入")
                    current = None
                    continue
                current = items[label]
                if current.label in collected:
                    self.problem(sheet_name, r, 0, "E202", f"项目“{label}”写了两次")
                    continue
                collected[current.label] = [(r, value_cell)]
            elif current is not None and value_cell is not None and _text_of(value_cell).strip():
                if isinstance(current, Item) and current.kind in (spec.PARAS, spec.LINES):
                    collected[current.label].append((r, value_cell))
                else:
                    self.problem(sheet_name, r, 1, "E110", f"这一行没有项目名（A列），内容不会读入：请写在“{current.label}”那一行")
            elif current is not None and isinstance(current, Item) and current.kind in (spec.PARAS, spec.LINES):
                collected[current.label].append((r, value_cell))
        groups: dict[tuple, bool] = {}
        sums: dict[str, Decimal] = {}
        for label, cells in collected.items():
            item = items[label]
            r, cell = cells[0]
            shown.cells[item.path if isinstance(item, Item) else (label,)] = f"{sheet_name}!B{r + 1}"
            if isinstance(item, Total):
                if cell is not None and not cell.formula and cell.value is not None:
                    typed = self.value(sheet_name, r, 1, cell, spec.MONEY, label)
                    expected = sum((sums.get(x, Decimal(0)) for x in item.of), Decimal(0))
                    if typed is not MISSING and typed != expected:
                        self.problem(sheet_name, r, 1, "E402", f"{label} {typed:,} 不等于 {'+'.join(item.of)} 之和 {expected:,}："
                                     "这一格由公式计算，请恢复公式（或清空），不要改写")
                continue
            if item.kind == spec.PARAS:
                lines = [_text_of(c) if c is not None and not c.formula else "" for _, c in cells]
                for rr, c in cells:
                    if c is not None and (c.formula or isinstance(c.value, (bool, CellError))):
                        self.value(sheet_name, rr, 1, c, spec.TEXT, label, path=item.path)
                while lines and not lines[-1].strip():
                    lines.pop()
                if lines:
                    put_at(record, item.path, "\n".join(lines) + ("\n" if len(lines) > 1 else ""))
                shown.held.append(item.path)
                continue
            if item.kind == spec.LINES:
                values = [self.value(sheet_name, rr, 1, c, spec.TEXT, label, path=item.path) for rr, c in cells]
                values = [v for v in values if v is not MISSING and str(v).strip()]
                if values:
                    put_at(record, item.path, values)
                shown.held.append(item.path)
                continue
            value = self.value(sheet_name, r, 1, cell, item.kind, label, item.choices, path=item.path)
            shown.held.append(item.path)
            if item.kind in (spec.MONEY, spec.WAN, spec.INT) and value is not MISSING:
                sums[label] = Decimal(value)
            if item.kind == spec.PRESENT:
                groups[item.path] = value is True
                continue
            if value is not MISSING and not (item.kind == spec.TEXT and value == ""):
                put_at(record, item.path, value)
        for path, present in groups.items():
            members = [i for i in block.items if isinstance(i, Item) and i.path[: len(path)] == path and len(i.path) > len(path)]
            if present or any(value_at(record, m.path) is not MISSING for m in members):
                for member in members:
                    if value_at(record, member.path) is MISSING:
                        put_at(record, member.path, "")
        for path in spec.ALWAYS:
            if any(i.path[: len(path)] == path for i in block.items if isinstance(i, Item)):
                shown.held.append(path)
                if value_at(record, path[:-1]) is not MISSING and value_at(record, path) is MISSING:
                    put_at(record, path, {})

    def table(self, sheet_name: str, block: Table, start: int, end: int, record: dict, shown: Shown) -> None:
        sheet = self.sheets[sheet_name]
        columns = list(block.columns)
        head = self._header_row(sheet, start, end, columns[0].label) if not block.header_by else start + 1 + (1 if block.intro else 0)
        if head is None:
            self.problem(sheet_name, start, 0, "E401", f"“{block.title}”下面找不到表头（{columns[0].label}）：请不要删除表头行")
            return
        if not block.header_by:
            for c, column in enumerate(columns):
                typed = _text_of(sheet.cells.get((head, c))).strip()
                if column.read and typed != column.label:
                    self.problem(sheet_name, head, c, "E401", f"表头应为“{column.label}”，现在是“{typed}”：请不要插入、删除或移动列")
                    return
        width = len(columns)
        if block.header_by:
            layout = value_at(record, (block.header_by,))
            width = len(spec.indicator_labels(layout if isinstance(layout, str) else None))
        index = {c.label: i for i, c in enumerate(columns)}
        items: list = []
        groups: dict[str, dict] = {}
        keyed_rows: dict[str, int] = {}
        total_row = None
        column_sums: dict[int, Decimal] = {}
        first_blank: Optional[int] = None
        for r in range(head + 1, end):
            cells = {c: sheet.cells.get((r, c)) for c in range(len(columns))}
            if _text_of(cells[0]).strip() == "合计" and block.total:
                total_row = r
                continue
            if total_row is not None:
                if any(_text_of(cells[c]).strip() for c, col in enumerate(columns) if col.read):
                    self.problem(sheet_name, r, 0, "E401", "写在合计行下面的内容不会读入：请在合计行上面插入行后填写")
                continue
            if not any(_text_of(cells[c]).strip() for c, col in enumerate(columns) if col.read):
                if first_blank is None:
                    first_blank = r
                continue
            position = len(items)
            if block.shape == "grouped":  # the rows of one 科目 make one item
                typed = re.sub(r"\D", "", _text_of(cells[0]))
                position = list(groups).index(typed) if typed in groups else len(groups)
            values = {}
            for c, column in enumerate(columns):
                if not column.read:
                    continue
                if block.shape == "rows" and column.key[0] >= width:
                    if _text_of(cells[c]).strip():
                        self.problem(sheet_name, r, c, "E110", f"指标列是“{layout}”，只有{width}列：这一格不会读入")
                    continue
                path = block.path + (position,) + (column.key or ())
                values[column.label] = self.value(sheet_name, r, c, cells[c], column.kind, column.label, column.choices, column.codes, path)
                if column.kind == spec.MONEY and values[column.label] is not MISSING:
                    column_sums[c] = column_sums.get(c, Decimal(0)) + values[column.label]
            for c, column in enumerate(columns):
                if column.sum_of and cells[c] is not None and not cells[c].formula and cells[c].value is not None:
                    typed = self.value(sheet_name, r, c, cells[c], spec.MONEY, column.label)
                    expected = sum((v for label in column.sum_of if (v := values.get(label, MISSING)) is not MISSING), Decimal(0))
                    if typed is not MISSING and typed != expected:
                        self.problem(sheet_name, r, c, "E402", f"{column.label} {typed:,} 不等于本行各金额之和 {expected:,}："
                                     "这一格由公式计算，请恢复公式（或清空），不要改写")
                    column_sums[c] = column_sums.get(c, Decimal(0)) + expected
                elif column.sum_of:
                    column_sums[c] = column_sums.get(c, Decimal(0)) + sum(
                        (v for label in column.sum_of if (v := values.get(label, MISSING)) is not MISSING), Decimal(0))
            self._item(sheet_name, block, columns, r, values, position, items, groups, keyed_rows, record, shown)
        if block.total and total_row is not None:
            for c, column in enumerate(columns):
                cell = sheet.cells.get((total_row, c))
                if column.kind == spec.MONEY and cell is not None and not cell.formula and cell.value is not None:
                    typed = self.value(sheet_name, total_row, c, cell, spec.MONEY, "合计")
                    expected = column_sums.get(c, Decimal(0))
                    if typed is not MISSING and typed != expected:
                        self.problem(sheet_name, total_row, c, "E402", f"合计 {typed:,} 不等于各行之和 {expected:,}："
                                     "合计由公式计算，请恢复公式（或清空），不要改写")
        spare = first_blank if first_blank is not None else (total_row if total_row is not None else end - 1)
        if block.shape == "keyed":
            for column in columns[1:]:
                if column.read:
                    shown.held.append(column.key)
                    shown.cells[column.key + ("*",)] = f"{sheet_name}!{column_letter(index[column.label])}{spare + 1}"
            return
        if block.shape == "grouped":
            items = list(groups.values())
        if items:
            put_at(record, block.path, items)
        shown.held.append(block.path)
        money = next((i for i, c in enumerate(columns) if c.kind == spec.MONEY), 0)
        shown.cells.setdefault(block.path, f"{sheet_name}!{column_letter(money)}{total_row + 1}" if total_row is not None else f"{sheet_name}!A{head + 1}")

    def _item(self, sheet_name, block, columns, r, values, position, items, groups, keyed_rows, record, shown) -> None:
        index = {c.label: i for i, c in enumerate(columns)}

        def where(label: str) -> str:
            return f"{sheet_name}!{column_letter(index[label])}{r + 1}"

        read = [c for c in columns if c.read]
        if block.shape == "texts":
            value = values.get(read[0].label, MISSING)
            if value is not MISSING:
                shown.cells[block.path + (len(items),)] = where(read[0].label)
                items.append(value)
            return
        if block.shape == "rows":
            row = []
            for column in read:
                if column.label in values:
                    value = values[column.label]
                    row.append("" if value is MISSING else str(value))
            shown.cells[block.path + (len(items),)] = where(read[0].label)
            for i, column in enumerate(read[: len(row)]):
                shown.cells[block.path + (len(items), i)] = where(column.label)
            items.append(row)
            return
        if block.shape == "list":
            item: dict = {}
            for column in read:
                if values.get(column.label, MISSING) is not MISSING:
                    put_at(item, column.key, values[column.label])
                shown.cells[block.path + (len(items),) + column.key] = where(column.label)
            shown.cells[block.path + (len(items),)] = where(read[0].label)
            items.append(item)
            return
        key_column = read[0]
        key = values.get(key_column.label, MISSING)
        if block.shape == "keyed":
            if key is MISSING:
                if any(values.get(c.label, MISSING) is not MISSING for c in read[1:]) and (sheet_name, r) not in self.reported:
                    self.problem(sheet_name, r, 0, "E111", f"{key_column.label}：缺少必填项（这一行有内容，但没有写编码）")
                return
            if key in keyed_rows:
                self.problem(sheet_name, r, 0, "E202", f"科目 {key} 重复（第{keyed_rows[key] + 1}行已有）")
                return
            keyed_rows[key] = r
            for column in read[1:]:
                value = values.get(column.label, MISSING)
                shown.cells[column.key + (key,)] = where(column.label)
                if value is not MISSING and str(value).strip():
                    put_at(record, column.key + (key,), value)
            return
        # grouped (支出): the rows of one 科目 make one item, money by source
        source = values.get("资金来源", MISSING)
        source = SOURCES[0] if source is MISSING else source
        if key is MISSING:
            if (sheet_name, r) not in self.reported:  # a code that could not be read is reported already
                self.problem(sheet_name, r, 0, "E111", f"{key_column.label}：缺少必填项（这一行有金额，但没有写科目编码）")
            return
        if key not in groups:
            groups[key] = {"科目": key}
            shown.cells[block.path + (len(groups) - 1,)] = where(key_column.label)
            shown.cells[block.path + (len(groups) - 1, "科目")] = where(key_column.label)
        position = list(groups).index(key)
        item = groups[key]
        for column in read[1:]:
            if column.source:
                continue
            side = column.key[0]
            value = values.get(column.label, MISSING)
            shown.cells.setdefault(block.path + (position, side), where(column.label))
            if value is MISSING:
                continue
            money = item.setdefault(side, {})
            if source in money:
                self.problem(sheet_name, r, index[column.label], "E202", f"科目 {key} 的{side}（{source}）写了两行")
                continue
            money[source] = value
            shown.cells[block.path + (position, side, source)] = where(column.label)


def read_workbook(path: Path, project, where: Optional[str] = None) -> ReadBook:
    """Read a fill-in workbook: its unit and year, the budget record and the forms it holds
    (plain data, blanks left out), and every problem of a cell."""
    from .budget import load_classification

    where = where or path.name
    result = ReadBook()
    sheets, date1904 = read_cells(path, where, result.problems)
    if not sheets:
        return result
    by_name = {s.name: s for s in sheets}
    result.sheet_order = [s.name for s in sheets]
    marker = by_name.get(spec.MARKER_SHEET)
    rows: dict[int, list[str]] = {}
    for (r, c), cell in sorted((marker.cells if marker else {}).items()):
        rows.setdefault(r, []).append(_text_of(cell))
    if marker is None or not rows or rows.get(0, [""])[0] != spec.MARKER:
        result.problems.append(Problem(where, 0, 0, "E401", "不是 budgetdocs 的填报表（缺少标记）：请用 budgetdocs workbook 生成的工作簿"))
        return result
    fields = {row[0]: row[1:] for row in rows.values() if row}
    try:
        result.year = int(float(fields["年度"][0]))
        result.folder = fields["单位"][0]
    except (KeyError, IndexError, ValueError):
        result.problems.append(Problem(where, 0, 0, "E401", "填报表的标记不完整（年度、单位）：请重新生成工作簿"))
        return result
    stems = {row[1]: row[2] for row in rows.values() if row and row[0] == "申报表" and len(row) >= 3}
    classifications = project.data / "classifications"
    functions = load_classification(classifications, result.year, "功能分类", project.root).names
    economics = load_classification(classifications, result.year, "经济分类", project.root).names
    reader = _Reader(where, sheets, date1904, functions, economics, result.year)
    budget: dict = {}
    shown = Shown()
    present = False
    for sheet in spec.BUDGET_SHEETS:
        if sheet.computed or sheet.name not in by_name:
            continue
        present = True
        reader.blocks(sheet.name, list(sheet.blocks), budget, shown)
    if present:
        result.budget = ReadRecord(budget, shown, "预算")
    title = re.compile(re.escape(spec.FORM_TITLE).replace(r"\{edition\}", r"(\d{4})"))
    for sheet in sheets:
        match = title.fullmatch(_text_of(sheet.cells.get((0, 0))).strip())
        if not match or match.group(1) not in spec.FORM_SHEETS or sheet.hidden:
            continue
        data: dict = {}
        shown = Shown()
        reader.record = sheet.name
        reader.blocks(sheet.name, list(spec.FORM_SHEETS[match.group(1)]), data, shown)
        result.forms.append(ReadRecord(data, shown, sheet.name, stems.get(sheet.name), match.group(1)))
    result.problems += reader.problems
    result.broken = reader.broken
    return result


# --------------------------------------------------------------------------- the import, planned


@dataclass
class Planned:
    """What importing a workbook would do: the records to write (path, text), the changes
    to show, which records exist already, and every problem (errors stop it)."""

    year: int = 0
    folder: str = ""
    outputs: list[tuple[Path, str]] = field(default_factory=list)
    changes: list[tuple[Path, bool, list[str]]] = field(default_factory=list)  # (record, is new, lines)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # the workbook's sheets, in order
    empty: bool = False  # nothing filled in: no record to write

    def ordered(self) -> list[Problem]:
        """Every problem in workbook order (sheet by sheet, row by row), then the others."""
        return sorted(self.problems, key=lambda p: order_key(p, self.sheets))

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the import."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def overwrites(self) -> list[Path]:
        """Existing records the import would change."""
        return [path for path, new, lines in self.changes if not new and lines]


PREFILLED = ("主管部门", "实施单位")  # what a new form's sheet holds before anyone types
_SAFE_FILE = re.compile(r'[/\\:*?"<>|\x00-\x1f]')


def _form_file(folder: Path, name: str, taken: set[str]) -> Path:
    numbers = [int(p.split("-", 1)[0]) for p in taken if p.split("-", 1)[0].isdigit()]
    number = max(numbers, default=0) + 1
    stem = f"{number:02d}-{_SAFE_FILE.sub('_', name.strip()) or '新项目'}"[:120]
    taken.add(stem)
    return folder / f"{stem}.yaml"


def plan_import(project, path: Path, year: Optional[int] = None, unit_name: Optional[str] = None) -> Planned:
    """Read the workbook, merge it into the unit's records and check them as a render would;
    nothing is written here."""
    from ..build import budget_file, record_files

    where = path.name
    book = read_workbook(path, project, where)
    planned = Planned(book.year, book.folder, problems=list(book.problems), sheets=book.sheet_order)
    if not book.folder:
        return planned
    registry = project.registry()
    unit = registry.by_folder(book.folder)
    if unit is None:
        raise UsageError(f"填报表的单位“{book.folder}”没有登记（{display_path(project.data / 'units.yaml', project.root)}）："
                         "请先运行 budgetdocs add-unit")
    if year is not None and year != book.year:
        raise UsageError(f"填报表是{book.year}年的，与 --year {year} 不符")
    if unit_name is not None and registry.resolve(unit_name).folder != unit.folder:
        raise UsageError(f"填报表是{unit.full_name}的，与 --unit {unit_name} 不符")
    folder = project.data / str(book.year) / unit.folder
    existing_forms = {p.stem: p for p in record_files(folder)} if folder.is_dir() else {}
    records: list[tuple[Path, Optional[str], str, ReadRecord]] = []  # (path, old text, new text, read)
    if book.budget is not None:
        target = budget_file(folder) or folder / "budget.yaml"
        old = _existing(target, project)
        if old is not None or any(k != "文档" for k in book.budget.data):
            header = f"{book.year}年 {unit.full_name} — 由 budgetdocs import 从 {where} 读入"
            text = record_text(old, book.budget.data, book.budget.shown.held, Budget, header)
            records.append((target, old, text, book.budget))
    taken = set(existing_forms)
    seen_stems = set()
    for form in book.forms:
        if not form.stem and not {k: v for k, v in form.data.items() if k not in PREFILLED}:
            continue  # an empty sheet (新申报表): nothing to write
        if form.stem and form.stem not in seen_stems:
            seen_stems.add(form.stem)
            target = existing_forms.get(form.stem) or folder / f"{form.stem}.yaml"
            old = _existing(target, project)
        else:
            target = _form_file(folder, str(form.data.get("项目名称", "")), taken)
            old = None
        pinned = form.data.get("版式")
        model = FORM_MODELS.get(str(pinned) if pinned else form.edition) or FORM_MODELS.get(edition_for_year(book.year))
        header = f"{unit.full_name} {book.year}年 绩效目标申报表 — 由 budgetdocs import 从 {where} 读入"
        records.append((target, old, record_text(old, form.data, form.shown.held, model, header), form))
    for stem, record in existing_forms.items():
        if stem not in seen_stems:
            planned.notes.append(f"{record.name}：工作簿中没有这张申报表，记录保持不变")
    if not records:
        planned.empty = True
        return planned
    planned.problems += _checked(project, book, unit, records, where)
    for target, old, text, _ in records:
        if old is not None and old == text:
            continue
        lines = _changes(old, text) if old is not None else []
        if old is not None and not lines:
            continue
        planned.outputs.append((target, text))
        planned.changes.append((target, old is None, lines))
    return planned


def _existing(path: Path, project) -> Optional[str]:
    """The text of a record the import would change (None when there is none); one that
    cannot be read is its own problem (raised, located in the record), never overwritten."""
    if not path.is_file():
        return None
    read_mapping(path, project.root)
    return path.read_text(encoding="utf-8")


def _parsed(text: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="budgetdocs-") as folder:
        path = Path(folder) / "record.yaml"
        path.write_text(text, encoding="utf-8")
        return read_mapping(path, Path(folder))[0]


def _flat(value: Any, path: tuple = ()) -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flat(item, path + (str(key),)))
        return out
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            label = f"[{item.get('科目')}]" if isinstance(item, dict) and item.get("科目") else f"[{index + 1}]"
            out.update(_flat(item, path + (label,)))
        return out
    return {".".join(path).replace(".[", "["): value}


def _shown_value(value: Any) -> str:
    if value is MISSING:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, Decimal)):
        return f"{Decimal(value):,}"
    text = str(value).replace("\n", "⏎")
    return f"“{text[:24]}{'…' if len(text) > 24 else ''}”"


def _changes(old: str, new: str) -> list[str]:
    """What changes between two texts of a record, a line per value."""
    try:
        before, after = _flat(_parsed(old)), _flat(_parsed(new))
    except DataError:
        return ["（记录原有内容无法读取，将整体改写）"]
    lines = []
    for key in list(before) + [k for k in after if k not in before]:
        a, b = before.get(key, MISSING), after.get(key, MISSING)
        if a is MISSING or b is MISSING or not same(a, b):
            lines.append(f"{key}：{_shown_value(a)} → {_shown_value(b)}")
    return lines


def _checked(project, book: ReadBook, unit, records, where: str) -> list[Problem]:
    """Every check a render gives the new records, on a copy of the project: each problem in
    a new record located at the workbook's cell, the others at their files."""
    from ..build import Project, plan, scratch_data

    problems: list[Problem] = []
    with scratch_data(project, "budgetdocs-import-") as root:
        data = root / "data"
        for year in (book.year - 1, book.year):
            source = project.data / str(year)
            if source.is_dir():
                for folder in source.iterdir():
                    if folder.is_dir() and (year == book.year or folder.name == unit.folder):
                        shutil.copytree(folder, data / str(year) / folder.name, symlinks=False,
                                        ignore=shutil.ignore_patterns(".*"))
        target = data / str(book.year) / unit.folder
        target.mkdir(parents=True, exist_ok=True)
        located: dict[str, ReadRecord] = {}
        for path, _old, text, read in records:
            (target / path.name).write_text(text, encoding="utf-8")
            located[f"data/{book.year}/{unit.folder}/{path.name}"] = read
        try:
            found = plan(Project.at(root), book.year, [unit.folder], False).warnings
        except DataError as exc:
            found = list(exc.problems)
        broken_keys = {path[0] for _, path in book.broken if path}
        from ..build import DEPENDS

        for problem in found:
            read = located.get(problem.file)
            if read is None:
                shown_file = problem.file.replace(str(root) + "/", "")
                problems.append(Problem(shown_file, problem.line, problem.column, problem.code, problem.message, problem.severity))
                continue
            loc = _loc_of(root / problem.file, problem.line, problem.column)
            if any(loc[: len(p)] == p or p[: len(loc)] == loc for record, p in book.broken if record == read.sheet):
                continue
            if DEPENDS.get(problem.code, set()) & broken_keys:
                continue
            cell = _cell_of(read, loc, problem)
            problems.append(Problem(f"{where}!{cell}", 0, 0, problem.code, problem.message, problem.severity))
    return problems


def _loc_of(path: Path, line: int, column: int) -> tuple:
    """The key path of a record at a line and column (the deepest key written there or before)."""
    try:
        positions = read_mapping(path, path.parent)[1].positions
    except DataError:
        return ()
    best: tuple = ()
    best_at = (0, 0)
    for loc, at in positions.items():
        if at == (line, column):
            return loc
        if at <= (line, column or 10**6) and at >= best_at:
            best, best_at = loc, at
    return best


def _cell_of(read: ReadRecord, loc: tuple, problem: Problem) -> str:
    """The workbook cell that holds ``loc`` of a record (the nearest key above it that has one)."""
    if problem.code in ("E207", "E205"):
        code = re.search(r"\d{7}" if problem.code == "E207" else r"\d{3}", problem.message)
        table = ("项说明",) if problem.code == "E207" else ("类说明",)
        if code and table + (code.group(),) in read.shown.cells:
            return read.shown.cells[table + (code.group(),)]
        if table + ("*",) in read.shown.cells:
            return read.shown.cells[table + ("*",)]
    path = tuple(loc)
    while path:
        if path in read.shown.cells:
            return read.shown.cells[path]
        path = path[:-1]
    return read.sheet if read.sheet != "预算" else "基本信息"


def order_key(problem: Problem, sheets: list[str]) -> tuple:
    """Problems in workbook order: sheet by sheet, row by row."""
    match = re.search(r"!([^!]+)!([A-Z]+)(\d+)$", problem.file)
    if not match:
        return (1, problem.file, 0, "", problem.code)
    sheet, letters, row = match.groups()
    rank = sheets.index(sheet) if sheet in sheets else len(sheets)
    return (0, f"{rank:04d}", int(row), f"{len(letters)}{letters}", problem.code)
