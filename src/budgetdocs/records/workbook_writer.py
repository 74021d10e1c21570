"""Take a unit's records of one year; give its fill-in workbook (填报表).

The workbook holds every input of the unit and year — the budget record and every
project form — one sheet a subject, in the words of the printed documents, laid out as
:mod:`budgetdocs.records.workbook_spec` describes (the reader, :mod:`budgetdocs.records.workbook`,
follows the same description back).  Inputs are yellow and unlocked, with drop-down lists
for settings, 是/否 and the year's classification codes; amounts are numbers formatted
``#,##0.00``, dates are dates shown as the record writes them, text is always text.  What
the document prints as a total is a locked formula, shown while typing and never read
back; the prior year's figures stand beside this year's, read-only.  A hidden sheet marks
the workbook as ours and names its unit, year and record files.  The same records give
the same bytes (the package dated from the budget year).
"""

from __future__ import annotations

import copy
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Iterable, Optional

from ..errors import DataError, UsageError
from . import workbook_spec as spec
from .budget_model import SOURCES
from .loader import read_mapping
from .model import FORM_MODELS, edition_for_year
from .workbook_spec import MISSING, PROTECTED_START, Column, Fields, Table, Total, column_letter, date_cell, value_at


def _active(editions: tuple[str, ...], edition: str, kinds: tuple[str, ...] = (), kind: str = "") -> bool:
    return (not editions or edition in editions) and (not kinds or not kind or kind in kinds)


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _height(text: str, width: float) -> Optional[float]:
    """A row height (points) that shows a wrapped text in a column ``width`` units wide."""
    lines = sum(max(1, math.ceil(_width(part) / max(width - 1, 4))) for part in str(text).split("\n"))
    return min(409.0, 15.0 * lines) if lines > 1 else None


# --------------------------------------------------------------------------- the prior year's figures


def prior_figures(view) -> dict[str, Any]:
    """The figures the workbook shows read-only beside this year's, from the prior year's
    computed budget (``spec`` names them in ``prior=``)."""
    if view is None:
        return {}
    budget = view.budget
    three = budget.three_public.current
    return {
        "项财政拨款": {r.code: r.values[0] for r in view.fiscal_table.rows if r.level == 2},
        "三公.因公出国境费": three.abroad,
        "三公.公务接待费": three.reception,
        "三公.公务用车购置费": three.car_purchase,
        "三公.公务用车运行费": three.car_running,
        "三公.公务用车": three.cars,
        "三公.合计": three.total,
        "机关运行经费": budget.running_cost.current,
        "收入": dict(view.income),
        "支出": (view.total, view.spending_table.total[1] if view.spending_table.rows else Decimal(0),
                 view.spending_table.total[2] if view.spending_table.rows else Decimal(0)),
        "类": {r.code: r.values for r in view.spending_table.rows if r.level == 0},
    }


@dataclass
class Context:
    """What a workbook is written from: the unit and year, its records (plain mappings,
    None for none), the year's classifications, the prior year's figures."""

    year: int
    folder: str
    full_name: str
    kind: str  # 部门 / 单位 (the record's, else the registry's)
    edition: str  # of the disclosure
    budget: Optional[dict]
    forms: list[tuple[str, str, dict]]  # (record file name, edition, record)
    functions: dict[str, str]
    economics: dict[str, str]
    prior: dict[str, Any] = field(default_factory=dict)
    prior_year: Optional[int] = None
    parent_name: str = ""  # the 部门's full name (a new form's 主管部门)


class _Writer:
    """Builds the workbook with openpyxl (see :func:`write_workbook`)."""

    def __init__(self, context: Context):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

        self.c = context
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        thin = Side(style="thin", color="B0B0B0")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.title_font = Font(bold=True, size=14)
        self.block_font = Font(bold=True, size=12, color="1F3864")
        self.head_font = Font(bold=True)
        self.hint_font = Font(size=9, color="606060")
        self.block_fill = PatternFill("solid", fgColor="DDE7F3")
        self.head_fill = PatternFill("solid", fgColor="EFEFEF")
        self.input_fill = PatternFill("solid", fgColor="FFFDE7")
        self.locked_fill = PatternFill("solid", fgColor="E7E6E6")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.indented = Alignment(indent=2)
        self.unlocked = Protection(locked=False)
        self.lists: dict[tuple[str, ...], str] = {}
        self.validations: dict[tuple[str, str], Any] = {}
        self.form_sheets: list[tuple[str, str]] = []  # (sheet, record file name)
        self.styles: dict[tuple, Any] = {}

    # -- cells

    def _style(self, cell, font=None, fill=None, border=None, alignment=None, protection=None,
               number_format: Optional[str] = None, quote: bool = False) -> None:
        """Give ``cell`` these styles; each combination is built once and then copied (openpyxl
        hashes every style it is given, which would cost most of the writing)."""
        key = (id(font), id(fill), id(border), id(alignment), id(protection), number_format, quote)
        known = self.styles.get(key)
        if known is not None:
            cell._style = copy.copy(known)
            return
        for name, value in (("font", font), ("fill", fill), ("border", border), ("alignment", alignment), ("protection", protection)):
            if value is not None:
                setattr(cell, name, value)
        if number_format:
            cell.number_format = number_format
        if quote:
            cell.quotePrefix = True
        self.styles[key] = copy.copy(cell._style)

    def _input(self, ws, ref: str, value: Any, kind: str, width: float = 40) -> None:
        cell = ws[ref]
        number_format, quote = self._value(cell, value, kind)
        self._style(cell, fill=self.input_fill, border=self.border, alignment=self.wrap, protection=self.unlocked,
                    number_format=number_format, quote=quote)
        if kind in (spec.TEXT, spec.PARAS, spec.LINES, spec.KEYS) and isinstance(cell.value, str):
            height = _height(cell.value, width)
            if height and (ws.row_dimensions[cell.row].height or 0) < height:
                ws.row_dimensions[cell.row].height = height

    def _value(self, cell, value: Any, kind: str) -> tuple[Optional[str], bool]:
        """Put ``value`` in ``cell`` as ``kind``: (its number format, whether it needs a quote prefix)."""
        if value is MISSING or value is None or value == "":
            if kind in (spec.TEXT, spec.PARAS, spec.LINES, spec.KEYS, spec.CODE, spec.CHOICE):
                return "@", False
            return ("#,##0.00" if kind in (spec.MONEY, spec.WAN) else None), False
        if kind in (spec.MONEY, spec.WAN) and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            cell.value = Decimal(value)  # a number cell …
            cell._value = f"{Decimal(value):f}"  # … holding the amount exactly as written (openpyxl would round to 16 digits)
            return "#,##0.00", False
        if kind == spec.INT and isinstance(value, int) and not isinstance(value, bool):
            cell.value = value
            return "0", False
        if kind in (spec.BOOL, spec.PRESENT) and isinstance(value, bool):
            cell.value = "是" if value else "否"
            return None, False
        if kind == spec.DATE:
            found = date_cell(str(value))
            if found is not None:
                cell.value = datetime(found[0].year, found[0].month, found[0].day)
                return found[1], False
        if kind == spec.KEYS and isinstance(value, list):
            value = "、".join(str(v) for v in value)
        text = str(value)
        cell.value = text
        cell.data_type = "s"  # never a formula, whatever it starts with
        return "@", text.startswith(PROTECTED_START)

    def _locked(self, ws, ref: str, value: Any = None, number_format: Optional[str] = None) -> None:
        cell = ws[ref]
        if value is not None:
            cell.value = value
        self._style(cell, fill=self.locked_fill, border=self.border, number_format=number_format)

    def _choices(self, values: tuple[str, ...]) -> str:
        if values not in self.lists:
            column = column_letter(len(self.lists))
            self.lists[values] = f"{_quoted(spec.CHOICES_SHEET)}!${column}$1:${column}${len(values)}"
        return self.lists[values]

    def _validate(self, ws, ref: str, formula: str, strict: bool = True, prompt: str = "") -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        key = (ws.title, formula)
        if key not in self.validations:
            check = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                   errorStyle="stop" if strict else "warning")
            check.errorTitle = "不在可选范围内"
            check.error = "请从下拉列表中选择。" if strict else "这个编码不在本年度的科目表中：导入时会报告，请核对。"
            if prompt:
                check.prompt = prompt
                check.showInputMessage = True
            ws.add_data_validation(check)
            self.validations[key] = check
        self.validations[key].add(ref)

    def _with_choices(self, ws, ref: str, kind: str, choices: tuple[str, ...]) -> None:
        if kind in (spec.BOOL, spec.PRESENT):
            self._validate(ws, ref, self._choices(spec.YES_NO))
        elif kind == spec.CHOICE and choices:
            self._validate(ws, ref, self._choices(tuple(choices)))

    # -- sheets

    def sheet(self, name: str, title: str, intro: str = ""):
        ws = self.wb.create_sheet(name)
        ws["A1"] = title
        ws["A1"].font = self.title_font
        ws.row_dimensions[1].height = 24
        if intro:
            ws["A2"] = intro
            ws["A2"].font = self.hint_font
            ws["A2"].alignment = _left()
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True  # printed for approval: every column on the page
        ws.protection.sheet = True
        for option in ("formatCells", "formatColumns", "formatRows", "insertRows", "deleteRows", "sort", "autoFilter"):
            setattr(ws.protection, option, False)
        return ws

    def block_title(self, ws, row: int, title: str, width: int, intro: str = "") -> int:
        ws.cell(row=row, column=1, value=f"【{title}】")
        for c in range(1, width + 1):
            self._style(ws.cell(row=row, column=c), font=self.block_font, fill=self.block_fill)
        if intro:
            row += 1
            cell = ws.cell(row=row, column=1, value=intro)
            cell.font = self.hint_font
        return row + 1

    def head(self, ws, row: int, labels: Iterable[str]) -> None:
        for c, label in enumerate(labels, start=1):
            cell = ws.cell(row=row, column=c, value=label)
            self._style(cell, font=self.head_font, fill=self.head_fill, border=self.border, alignment=self.center)

    def fields(self, ws, row: int, block: Fields, record: dict, prefix: tuple = ()) -> int:
        """Write a fields block from ``record`` (the item at ``prefix`` for a repeated block)."""
        with_prior = any(getattr(i, "prior", None) for i in block.items) and bool(self.c.prior)
        row = self.block_title(ws, row, block.title + (f" {prefix[-1] + 1}" if block.repeat else ""), 4, block.intro)
        head = list(block.head) + ([f"上年（{self.c.prior_year}年，只读）"] if with_prior else [])
        self.head(ws, row, head)
        row += 1
        where: dict[str, str] = {}
        for item in block.items:
            if not _active(item.editions, self.c.edition):
                continue
            label = ws.cell(row=row, column=1, value=item.label)
            self._style(label, border=self.border, alignment=self.wrap)
            if item.hint:
                hint = ws.cell(row=row, column=3, value=item.hint)
                self._style(hint, font=self.hint_font, alignment=self.wrap)
            if with_prior and item.prior:
                value = self.c.prior.get(item.prior)
                self._locked(ws, f"D{row}", value, "#,##0.00" if item.kind != spec.INT else "0")
            if isinstance(item, Total):
                refs = ",".join(where[label] for label in item.of if label in where)
                self._locked(ws, f"B{row}", f"=SUM({refs})", "0" if item.kind == spec.INT else "#,##0.00")
                where[item.label] = f"B{row}"
                row += 1
                continue
            value = value_at(record, prefix + item.path)
            if item.kind == spec.PRESENT:
                value = True if isinstance(value, dict) else MISSING
            if value is MISSING and not record and item.path == ("主管部门",):
                value = self.c.parent_name  # a new form: the unit's 部门
            if value is MISSING and not record and item.path == ("实施单位",):
                value = self.c.full_name
            if value is MISSING and not record and item.path == ("文档",):
                value = self.c.kind
            where[item.label] = f"B{row}"
            if item.kind in (spec.PARAS, spec.LINES):
                if item.kind == spec.PARAS:
                    lines = str(value).split("\n") if isinstance(value, str) else ([] if value is MISSING else [str(value)])
                    if lines and lines[-1] == "" and len(lines) > 1:
                        lines = lines[:-1]
                else:
                    lines = list(value) if isinstance(value, list) else ([] if value is MISSING else [value])
                for index, line in enumerate(lines + [MISSING]):
                    self._input(ws, f"B{row}", line, spec.TEXT, 60)
                    if index:
                        self._style(ws.cell(row=row, column=1), border=self.border)
                    row += 1
                continue
            self._input(ws, f"B{row}", value, item.kind, 60)
            self._with_choices(ws, f"B{row}", item.kind, item.choices)
            row += 1
        return row + 1

    def table(self, ws, row: int, block: Table, record: dict) -> int:
        columns = [c for c in block.columns if not c.prior or self.c.prior]
        row = self.block_title(ws, row, block.title, len(columns), block.intro)
        labels = [c.label for c in columns]
        if block.header_by:
            layout = spec.indicator_labels(value_at(record, (block.header_by,)) if isinstance(value_at(record, (block.header_by,)), str) else None)
            labels = list(layout) + [""] * (len(columns) - len(layout))
        self.head(ws, row, labels)
        row += 1
        first = row
        shown: set[str] = set()
        for values in self._rows(block, record) + [{}] * block.spare:
            self._row(ws, row, columns, values, shown)
            row += 1
        last = row - 1
        if block.total:
            ws.cell(row=row, column=1, value="合计").font = self.head_font
            for c, column in enumerate(columns):
                ref = f"{column_letter(c)}{row}"
                if column.kind == spec.MONEY and (column.key is not None or column.sum_of):
                    letter = column_letter(c)
                    self._locked(ws, ref, f"=SUM({letter}{first}:{letter}{last})", "#,##0.00")
                else:
                    self._locked(ws, ref)
            row += 1
        for c, column in enumerate(columns):
            current = ws.column_dimensions[column_letter(c)].width or 0
            ws.column_dimensions[column_letter(c)].width = max(current, column.width)
        return row + 1

    def _rows(self, block: Table, record: dict) -> list[dict]:
        """The table's rows from the record: each a mapping column label → value."""
        value = value_at(record, block.path)
        rows: list[dict] = []
        read = [c for c in block.columns if c.key is not None]
        if block.shape == "texts":
            return [{block.columns[0].label: v} for v in value] if isinstance(value, list) else []
        if block.shape == "rows":
            return [{c.label: (v[c.key[0]] if isinstance(v, list) and c.key[0] < len(v) else MISSING) for c in read}
                    for v in value] if isinstance(value, list) else []
        if block.shape == "list":
            return [{c.label: value_at(v, c.key) for c in read} for v in value] if isinstance(value, list) else []
        if block.shape == "keyed":
            keys: list[str] = []
            for column in read[1:]:
                mapping = value_at(record, column.key)
                for key in mapping if isinstance(mapping, dict) else ():
                    if str(key) not in keys:
                        keys.append(str(key))
            for key in keys:
                row = {read[0].label: key}
                for column in read[1:]:
                    mapping = value_at(record, column.key)
                    row[column.label] = mapping.get(key, MISSING) if isinstance(mapping, dict) else MISSING
                rows.append(row)
            return rows
        # grouped: one row per (科目, source of money)
        for item in value if isinstance(value, list) else []:
            if not isinstance(item, dict):
                continue
            used = [s for s in SOURCES if any(isinstance(item.get(c.key[0]), dict) and s in item[c.key[0]] for c in read[1:])]
            others = [s for c in read[1:] if isinstance(item.get(c.key[0]), dict) for s in item[c.key[0]] if s not in SOURCES]
            for source in used + others or ["一般公共预算"]:
                row = {read[0].label: item.get("科目", MISSING), "资金来源": source}
                for column in read[1:]:
                    row[column.label] = value_at(item, (column.key[0], source))
                rows.append(row)
        return rows

    def _row(self, ws, row: int, columns: list[Column], values: dict, shown: set[str]) -> None:
        by_label = {c.label: column_letter(i) for i, c in enumerate(columns)}
        for c, column in enumerate(columns):
            ref = f"{column_letter(c)}{row}"
            if column.name_of:
                code = f"${by_label[column.name_of]}{row}"
                sheet_range = "$A:$B" if self._codes_of(columns, column) != "款" else "$D:$E"
                self._locked(ws, ref, f'=IF({code}="","",IFERROR(VLOOKUP({code},{_quoted(spec.CODES_SHEET)}!{sheet_range},2,FALSE),"（科目表中没有这个编码）"))')
            elif column.sum_of:
                refs = ",".join(f"{by_label[label]}{row}" for label in column.sum_of)
                self._locked(ws, ref, f"=SUM({refs})", "#,##0.00")
            elif column.prior:
                code = str(values.get(next(c.label for c in columns if c.codes), ""))
                figure = self.c.prior.get(column.prior, {}).get(code) if code not in shown else None
                shown.add(code)
                self._locked(ws, ref, figure, "#,##0.00")
            else:
                self._input(ws, ref, values.get(column.label, MISSING), column.kind, column.width)
                if column.codes:
                    self._validate(ws, ref, self.code_list(column.codes), strict=False)
                self._with_choices(ws, ref, column.kind, column.choices)

    @staticmethod
    def _codes_of(columns: list[Column], name_column: Column) -> Optional[str]:
        return next((c.codes for c in columns if c.label == name_column.name_of), None)

    def code_list(self, name: str) -> str:
        kind, digits = spec.CODE_LISTS[name]
        names = self.c.functions if kind == "功能分类" else self.c.economics
        count = sum(1 for code in names if len(code) == digits)
        column = {"类": "G", "项": "H", "款": "I"}[name]
        return f"{_quoted(spec.CODES_SHEET)}!${column}$2:${column}${max(count + 1, 2)}"

    # -- the whole workbook

    def guide(self) -> None:
        ws = self.sheet(spec.GUIDE_SHEET, spec.BUDGET_TITLE.format(year=self.c.year, name=self.c.full_name, kind=self.c.kind))
        lines = [
            "这份工作簿是本单位本年度全部的填报内容：部门（单位）预算和每一张项目绩效目标申报表。",
            "黄色格子是要填写的；灰色格子是自动计算的合计、科目名称和上年数，不能修改，也不会读入。",
            "文字每段写一格（写不下时在下面插入一行）；列表每项一行；不需要的行清空即可，空行不会读入。",
            "金额写数字（元，最多两位小数；“三公”经费、机关运行经费、政府采购写万元），没有的写 0。",
            "科目编码从下拉列表中选（灰色的科目名称会自动显示）；下拉列表中没有的编码，导入时会报告。",
            "设置、是/否等用下拉列表选择。日期写成 2024-1-1 或 2024年1月1日。",
            "每张申报表一个工作表（标签名是记录文件名）；要新增项目，在“新申报表”中填写，需要更多时复制该工作表。",
            "填好后保存，交给管理记录的同事运行：",
            f"budgetdocs import {workbook_name(self.c.year, self.c.folder)}",
            "导入会逐格检查，问题写明工作表和单元格（如 填报表.xlsx!支出!D12）；有问题时不写入任何记录。",
            "已有的记录只有加 --force 才会改写，记录中的注释和本表没有的内容都会保留。",
            f"然后运行 render --year {self.c.year} --unit {self.c.folder} 生成文档。",
        ]
        for index, line in enumerate(lines, start=3):
            ws.cell(row=index, column=1, value=line).alignment = _left()
        ws.column_dimensions["A"].width = 110

    def budget(self) -> None:
        record = self.c.budget or {}
        for sheet in spec.BUDGET_SHEETS:
            if not _active(sheet.editions, self.c.edition):
                continue
            if sheet.computed:
                self.summary(sheet)
                continue
            blocks = [b for b in sheet.blocks if _active(b.editions, self.c.edition, b.kinds, self.c.kind)]
            if not blocks:
                continue
            ws = self.sheet(sheet.name, f"{self.c.year}年{self.c.full_name}{self.c.kind}预算·{sheet.name}", sheet.intro)
            row = 4
            for block in blocks:
                row = self._block(ws, row, block, record)
            if any(isinstance(b, Fields) for b in blocks):
                self._widths(ws)

    def _block(self, ws, row: int, block, record: dict) -> int:
        if isinstance(block, Table):
            return self.table(ws, row, block, record)
        if block.repeat:
            items = value_at(record, block.repeat)
            items = items if isinstance(items, list) else []
            for index in range(len(items) + 1):
                row = self.fields(ws, row, block, record, block.repeat + (index,))
            return row
        return self.fields(ws, row, block, record)

    def _widths(self, ws) -> None:
        for letter, width in (("A", 24), ("B", 60), ("C", 36), ("D", 18)):
            if not ws.column_dimensions[letter].width or ws.column_dimensions[letter].width < width:
                ws.column_dimensions[letter].width = width

    def form(self, name: str, edition: str, record: dict) -> None:
        ws = self.sheet(name, spec.FORM_TITLE.format(edition=edition))
        ws["A2"] = f"{self.c.full_name} {self.c.year}年"
        ws["A2"].font = self.hint_font
        row = 4
        for block in spec.FORM_SHEETS[edition]:
            row = self._block(ws, row, block, record)
        self._widths(ws)

    def summary(self, sheet) -> None:
        """The computed sheet: 收入 by source, 支出, each 类 and the 经济分类 totals, with the
        prior year's beside — formulas over the 支出 and 经济分类 sheets (never read)."""
        ws = self.sheet(sheet.name, f"{self.c.year}年{self.c.full_name}{self.c.kind}预算·汇总（自动计算）", sheet.intro)
        prior = self.c.prior
        prior_head = f"上年（{self.c.prior_year}年，只读）" if prior else ""
        s, (a, b) = _quoted("支出"), self._ranges["支出"]
        at = {label: column_letter(i) for i, label in enumerate(c.label for c in _table_of("支出").columns)}

        def col(label: str, sheet: str = s, first: int = a, last: int = b) -> str:
            return f"{sheet}!${at[label] if sheet == s else eat[label]}${first}:${at[label] if sheet == s else eat[label]}${last}"

        def line(row: int, label: str, formula: str, before: Any = None) -> None:
            ws.cell(row=row, column=1, value=label)
            self._locked(ws, f"B{row}", formula, "#,##0.00")
            if prior:
                self._locked(ws, f"C{row}", before, "#,##0.00")

        row = self.block_title(ws, 4, "收入（元）", 3)
        self.head(ws, row, ["资金来源", "本年", prior_head])
        top = row + 1
        for offset, source in enumerate(SOURCES):
            line(top + offset, source, f'=SUMPRODUCT(({col("资金来源")}="{source}")*{col("合计")})', prior.get("收入", {}).get(source))
        row = top + len(SOURCES)
        line(row, "其中：财政拨款", f"=SUM(B{top}:B{top + 2})", sum((prior.get("收入", {}).get(x, 0) for x in SOURCES[:3]), Decimal(0)))
        line(row + 1, "收入总计", f"=SUM(B{top}:B{row - 1})", prior.get("支出", (None,))[0])
        row = self.block_title(ws, row + 3, "支出（元）", 3)
        self.head(ws, row, ["项目", "本年", prior_head])
        before = prior.get("支出", (None, None, None))
        basic = f"=SUM({col('基本支出')},{col('人员经费')},{col('公用经费')})"
        for offset, (label, formula, figure) in enumerate((
            ("支出总计", f"=SUM({col('合计')})", before[0]),
            ("基本支出", basic, before[1]),
            ("其中：人员经费", f"=SUM({col('人员经费')})", None),
            ("其中：公用经费", f"=SUM({col('公用经费')})", None),
            ("项目支出", f"=SUM({col('项目支出')})", before[2]),
        ), start=1):
            line(row + offset, label, formula, figure)
        row = self.block_title(ws, row + 7, "按功能分类科目：类、款（元）", 6 if prior else 5)
        self.head(ws, row, ["科目编码", "名称", "合计", "基本支出", "项目支出"] + ([prior_head] if prior else []))
        for code in sorted(c for c in self.c.functions if len(c) in (3, 5)):
            row += 1
            ws.cell(row=row, column=1, value=code).number_format = "@"
            name = ws.cell(row=row, column=2, value=self.c.functions[code])
            if len(code) == 5:
                self._style(name, alignment=self.indented)  # a 款 under its 类
            if prior and len(code) == 3:
                self._locked(ws, f"F{row}", prior["类"].get(code, [Decimal(0)])[0], "#,##0.00")
            picked = f'(LEFT({col("科目编码")},{len(code)})="{code}")'
            self._locked(ws, f"C{row}", f"=SUMPRODUCT({picked}*{col('合计')})", "#,##0.00")
            self._locked(ws, f"D{row}", f"=SUMPRODUCT({picked}*({col('基本支出')}+{col('人员经费')}+{col('公用经费')}))", "#,##0.00")
            self._locked(ws, f"E{row}", f"=SUMPRODUCT({picked}*{col('项目支出')})", "#,##0.00")
        e, (ea, eb) = _quoted("经济分类"), self._ranges["经济分类"]
        eat = {label: column_letter(i) for i, label in enumerate(c.label for c in _table_of("经济分类").columns)}
        row = self.block_title(ws, row + 2, "一般公共预算基本支出按经济分类“类”（元）", 5)
        self.head(ws, row, ["类", "名称", "合计", "人员经费", "公用经费"])
        for code in sorted(c for c in self.c.economics if len(c) == 3):
            row += 1
            ws.cell(row=row, column=1, value=code).number_format = "@"
            ws.cell(row=row, column=2, value=self.c.economics[code])
            picked = f'(LEFT({col("科目编码", e, ea, eb)},3)="{code}")'
            for letter, label in zip("CDE", ("合计", "人员经费", "公用经费")):
                self._locked(ws, f"{letter}{row}", f"=SUMPRODUCT({picked}*{col(label, e, ea, eb)})", "#,##0.00")
        row += 2
        ws.cell(row=row, column=1, value="核对：一般公共预算基本支出减经济分类合计（应为 0）")
        general = f'(({col("资金来源")}="一般公共预算")*({col("基本支出")}+{col("人员经费")}+{col("公用经费")}))'
        self._locked(ws, f"B{row}", f"=SUMPRODUCT({general})-SUM({col('合计', e, ea, eb)})", "#,##0.00")
        for letter, width in (("A", 34), ("B", 30), ("C", 20), ("D", 20), ("E", 20), ("F", 20)):
            ws.column_dimensions[letter].width = width

    def hidden(self) -> None:
        codes = self.wb.create_sheet(spec.CODES_SHEET)
        codes.sheet_state = "hidden"
        codes.append(["功能分类编码", "名称", None, "经济分类编码", "名称", None, "类", "项", "款"])
        functions = sorted(self.c.functions.items())
        economics = sorted(self.c.economics.items())
        lists = {"G": [c for c, _ in functions if len(c) == 3], "H": [c for c, _ in functions if len(c) == 7],
                 "I": [c for c, _ in economics if len(c) == 5]}
        for index in range(max(len(functions), len(economics))):
            r = index + 2
            if index < len(functions):
                codes[f"A{r}"], codes[f"B{r}"] = functions[index]
            if index < len(economics):
                codes[f"D{r}"], codes[f"E{r}"] = economics[index]
        for letter, values in lists.items():
            for index, code in enumerate(values, start=2):
                codes[f"{letter}{index}"] = code
        for row in codes.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cell.data_type = "s"
                    cell.number_format = "@"
        options = self.wb.create_sheet(spec.CHOICES_SHEET)
        options.sheet_state = "hidden"
        for index, values in enumerate(self.lists):
            for r, value in enumerate(values, start=1):
                cell = options.cell(row=r, column=index + 1, value=value)
                cell.data_type = "s"
        marker = self.wb.create_sheet(spec.MARKER_SHEET)
        marker.sheet_state = "hidden"
        marker.append([spec.MARKER, spec.FORMAT_VERSION])
        marker.append(["年度", self.c.year])
        marker.append(["单位", self.c.folder])
        marker.append(["全称", self.c.full_name])
        for name, stem in self.form_sheets:
            marker.append(["申报表", name, stem])
        for row in marker.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"


def _left():
    from openpyxl.styles import Alignment

    return Alignment(horizontal="left", vertical="top", wrap_text=False)


_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(stem: str, used: set[str]) -> str:
    base = _BAD_SHEET.sub("_", stem)[:31] or "申报表"
    name, n = base, 2
    while name in used or name.startswith("_") or name in {s.name for s in spec.BUDGET_SHEETS} | {spec.CODES_SHEET, spec.CHOICES_SHEET, spec.GUIDE_SHEET}:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def write_workbook(context: Context) -> bytes:
    """The fill-in workbook of ``context`` as bytes (the same records give the same bytes)."""
    from ..writers.zipfix import fix_package

    writer = _Writer(context)
    writer._ranges = {}
    writer.guide()
    # 支出 and 经济分类 first, so the summary knows their rows: written in sheet order below
    _ranges(writer, context)
    writer.budget()
    used: set[str] = set()
    for stem, edition, record in context.forms:
        name = _sheet_name(stem, used)
        writer.form_sheets.append((name, stem))
        writer.form(name, edition, record)
    new_edition = edition_for_year(context.year)
    writer.form(_sheet_name("新申报表", used), new_edition, {})
    writer.hidden()
    writer.wb.active = 0
    out = io.BytesIO()
    writer.wb.save(out)
    title = spec.BUDGET_TITLE.format(year=context.year, name=context.full_name, kind=context.kind)
    return fix_package(out.getvalue(), title, context.full_name, datetime(context.year, 1, 1))


def _table_of(sheet_name: str) -> Table:
    """The first table of a budget sheet of the description."""
    return next(s for s in spec.BUDGET_SHEETS if s.name == sheet_name).blocks[0]


def _ranges(writer: _Writer, context: Context) -> None:
    """Where the 支出 and 经济分类 tables' rows will stand (the summary's formulas need them)."""
    record = context.budget or {}
    for sheet_name in ("支出", "经济分类"):
        sheet = next(s for s in spec.BUDGET_SHEETS if s.name == sheet_name)
        block = sheet.blocks[0]
        row = 4 + 1 + (1 if block.intro else 0) + 1  # title, intro, header
        rows = len(writer._rows(block, record)) + block.spare
        writer._ranges[sheet_name] = (row, row + rows - 1)


def workbook_name(year: int, folder: str) -> str:
    """``2023年咨询服务中心预算填报表.xlsx``."""
    return f"{year}年{folder}预算填报表.xlsx"


def gather(project, year: int, unit, blank: bool = False) -> Context:
    """What the workbook of ``unit`` for ``year`` is written from (its records, unless
    ``blank``; the year's classifications; the prior year's figures)."""
    from ..build import _read_budget, budget_file, record_files
    from .budget import disclosure_edition, load_classification

    folder = project.data / str(year) / unit.folder
    budget = None
    forms: list[tuple[str, str, dict]] = []
    if not blank and folder.is_dir():
        path = budget_file(folder)
        if path is not None:
            budget = read_mapping(path, project.root)[0]
        for path in record_files(folder):
            data = read_mapping(path, project.root)[0]
            pinned = str(data.get("版式")) if data.get("版式") is not None else None
            edition = pinned if pinned in FORM_MODELS else edition_for_year(year)
            forms.append((path.stem, edition, data))
    classifications = project.data / "classifications"
    functions = load_classification(classifications, year, "功能分类", project.root).names
    economics = load_classification(classifications, year, "经济分类", project.root).names
    kind = str(budget.get("文档")) if budget and budget.get("文档") in ("部门", "单位") else unit.kind
    pinned = str(budget.get("版式")) if budget and budget.get("版式") is not None else None
    edition = disclosure_edition(year, pinned)
    edition = "2019" if edition == "2019" else "2017"
    prior: dict = {}
    prior_path = budget_file(project.data / str(year - 1) / unit.folder)
    if prior_path is not None:
        try:
            view = _read_budget(project, prior_path, year - 1)[0]
        except DataError:
            view = None
        prior = prior_figures(view)
    parent = ""
    registry = project.registry()
    if getattr(unit, "parent", None):
        try:
            parent = registry.resolve(unit.parent).full_name
        except UsageError:
            parent = ""
    elif unit.kind == "部门":
        parent = unit.full_name
    return Context(year, unit.folder, unit.full_name, kind, edition, budget, forms, functions, economics,
                   prior, year - 1 if prior else None, parent)
