"""Take a document tree; give XLSX bytes (openpyxl), one sheet per section.

Paragraphs become rows merged across the sheet; tables keep their grid,
merges and header rows (repeated when printed).  Amounts are numbers with a
number format; every text is stored as a string, never as a formula.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
import unicodedata
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from ..errors import RenderError
from ..tree import Document, Paragraph, Section, Table
from .linebreak import even_lines
from .zipfix import fix_package

SERIF = "仿宋_GB2312"
TITLE = "方正小标宋简体"
SANS = "黑体"

# Sheet width in Excel character units for the text block of each orientation.
SHEET_WIDTH = {"portrait": 84.0, "landscape": 128.0}
# LibreOffice neither wraps nor fits to the page a single column wider than about
# 115 units (measured: 110 prints, 128 runs off both sides), so a sheet of
# paragraphs only is never wider than this.
TEXT_COLUMN_MAX = 110.0
# kind -> (font, size, bold, horizontal alignment)
PARAGRAPH_FONTS = {
    "h1": (TITLE, 20, True, "center"),
    "h2": (SANS, 16, False, "center"),
    "subtitle": (SERIF, 14, False, "center"),
    "sample": (SANS, 12, True, "center"),
    "h3": (SANS, 14, False, "left"),
    "toc": (SERIF, 12, False, "left"),
}
DEFAULT_PARAGRAPH = (SERIF, 12, False, "left")
CELL_SIZE = 10.5
LINE_HEIGHT = 15.0  # points per text line at 10.5–12 pt
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORMULA_START = ("=", "+", "-", "@")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _lines(paragraphs: list[str], width_units: float) -> int:
    usable = max(width_units - 1.5, 2.0)
    return max(1, sum(max(1, math.ceil(display_width(p) * 1.05 / usable)) for p in paragraphs or [""]))


def _fit(paragraphs: list[str], width_units: float, limit: float) -> tuple[float, float]:
    """Font size and row height for a cell: a very long text is set smaller so that
    Excel's 409 pt row limit never clips it; if even 8 pt cannot hold it, the
    needed height is returned and the caller reports it."""
    for size in (CELL_SIZE, 9.5, 9.0, 8.5, 8.0):
        scale = size / CELL_SIZE
        need = _lines(paragraphs, width_units / scale) * LINE_HEIGHT * scale + 4
        if need <= limit:
            return size, need
    return 8.0, need


def _sheet_title(name: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("-", name).strip("'") or "Sheet"
    base = base[:31]
    title, n = base, 2
    while title in used:
        suffix = f"({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


def _put_text(cell, text: str) -> None:
    cell.value = text
    # A string is always a string: "=SUM(A1)" in a record must not become a formula.
    cell.data_type = "s"
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True


def grid_map(tables: list[Table]) -> tuple[list[float], dict[int, list[int]]]:
    """One sheet grid for tables of different column widths (a form's project block and
    its indicator block): the union of their column bounds, as fractions of the width,
    and for each table the sheet column index of each of its bounds."""
    per_table = {}
    for table in tables:
        total, acc, bounds = sum(table.widths), 0.0, [0.0]
        for width in table.widths:
            acc += width
            bounds.append(acc / total)
        per_table[id(table)] = bounds
    union: list[float] = []
    for value in sorted(v for bounds in per_table.values() for v in bounds):
        if not union or value - union[-1] > 0.003:  # bounds closer than 0.3% are one
            union.append(value)
    union[-1] = 1.0
    nearest = lambda v: min(range(len(union)), key=lambda i: abs(union[i] - v))  # noqa: E731
    return union, {key: [nearest(v) for v in bounds] for key, bounds in per_table.items()}


def _write_section(ws, section: Section, sample: bool, draft: bool = False, first_numbered: bool = False) -> None:
    tables = [b for b in section.blocks if isinstance(b, Table)]
    total = SHEET_WIDTH[section.orientation]
    if tables:
        fractions, maps = grid_map(tables)
        col_units = [(b - a) * total for a, b in zip(fractions, fractions[1:])]
    else:
        total = min(total, TEXT_COLUMN_MAX)
        col_units = [total]
        maps = {}
    ncols = len(col_units)
    for index, units in enumerate(col_units, start=1):
        ws.column_dimensions[get_column_letter(index)].width = round(units, 2)
    row = 1
    print_rows = None
    heights: dict[int, float] = {}
    for index, block in enumerate(section.blocks):
        if isinstance(block, Paragraph):
            if block.page_break_before and row > 1:
                from openpyxl.worksheet.pagebreak import Break

                ws.row_breaks.append(Break(id=row - 1))
            font, size, bold, align = PARAGRAPH_FONTS.get(block.kind, DEFAULT_PARAGRAPH)
            cell = ws.cell(row=row, column=1)
            _put_text(cell, block.text.replace("\t", "　　　　"))
            cell.font = Font(name=font, size=size, bold=bold or any(r.bold for r in block.runs) and block.kind == "field",
                             color="C00000" if block.kind == "sample" else None)
            cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
            if ncols > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
            lines = _lines([block.text], total * 12 / size)
            heights[row] = max(size * 1.6, lines * size * 1.45)
            row += 1
            continue
        first = row
        if block.page_break_before and row > 1:
            from openpyxl.worksheet.pagebreak import Break

            ws.row_breaks.append(Break(id=row - 1))
        for start in block.page_starts:  # the PDF's page breaks, where the merges were cut
            from openpyxl.worksheet.pagebreak import Break

            ws.row_breaks.append(Break(id=first + start - 1))
        for r in range(block.row_count):
            heights.setdefault(first + r, LINE_HEIGHT + 4)
        deficits = []
        bounds = maps[id(block)]
        for c in block.cells:
            # the cell spans the sheet columns between its table's column bounds
            top, left, right = first + c.row, bounds[c.col] + 1, bounds[c.col + c.colspan]
            cell = ws.cell(row=top, column=left)
            if c.value is not None:
                cell.value = c.value
                cell.number_format = c.number_format or "#,##0.00"
            width = sum(col_units[left - 1 : right])
            if c.value is None and c.paragraphs:
                text = c.text
                if len(c.paragraphs) == 1 and (c.header or "center" in c.classes):
                    # a label that wraps: even lines, never one character alone
                    text = "\n".join(even_lines(text, (width - 1.5) / 2.0))
                _put_text(cell, text)
            size, need = _fit(c.paragraphs, width, 409 * c.rowspan)
            cell.font = Font(name=SERIF, size=size)
            # a label merged over many rows sits at their top: where a printed page
            # cuts the merge, the label is on the page where it starts, never clipped
            vertical = "top" if c.rowspan > 2 else "center"
            cell.alignment = Alignment(horizontal=c.align, vertical=vertical, wrap_text=True)
            for rr in range(top, top + c.rowspan):
                for cc in range(left, right + 1):
                    if block.ruled:
                        ws.cell(row=rr, column=cc).border = _BORDER
            if c.rowspan > 1 or right > left:
                ws.merge_cells(start_row=top, start_column=left, end_row=top + c.rowspan - 1, end_column=right)
            if c.rowspan == 1:
                heights[top] = max(heights[top], need)
            else:
                deficits.append((top, c.rowspan, need))
        for top, span, need in deficits + [(t, 1, h) for t, h in heights.items() if t >= first]:
            if need > 409 * span:
                raise RenderError(
                    f"XLSX：工作表“{ws.title}”第{top}行的文字约需{need:.0f}磅行高，超过Excel上限（每行409磅），"
                    "表格软件会截断显示。请精简该栏文字。"
                )
        for top, span, need in deficits:
            have = sum(heights[top + k] for k in range(span))
            if need > have:
                heights[top + span - 1] += need - have
        if block.header_rows and print_rows is None:
            print_rows = (first, first + block.header_rows - 1)
        row += block.row_count
        following = section.blocks[index + 1] if index + 1 < len(section.blocks) else None
        if not (isinstance(following, Table) and following.joined):
            row += 1  # a blank row after a table, as after a table in the PDF
    for r, h in heights.items():
        ws.row_dimensions[r].height = round(min(h, 409), 1)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = section.orientation
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    margins = (1.1, 1.0, 1.4, 1.0) if section.orientation == "portrait" else (1.0, 1.4, 1.0, 1.4)
    ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom = margins
    if print_rows:
        ws.print_title_rows = f"{print_rows[0]}:{print_rows[1]}"
    if not section.front:  # the cover carries no page number, as in the PDF
        ws.oddFooter.center.text = "— &P —"
    if section.starts_with_front and not section.front:
        # the sheet opens with the cover: its first page has no number and the next is 1
        ws.HeaderFooter.differentFirst = True
        ws.page_setup.firstPageNumber = 0
        ws.page_setup.useFirstPageNumber = True
        for part in ("left", "right"):
            text = getattr(ws.oddFooter, part).text
            if text:
                getattr(ws.firstFooter, part).text = text
                getattr(ws.firstFooter, part).color = "C00000"
    elif first_numbered:
        ws.page_setup.firstPageNumber = 1  # after an unnumbered cover sheet
        ws.page_setup.useFirstPageNumber = True
    if sample:
        ws.oddFooter.right.text = "示例"
        ws.oddFooter.right.color = "C00000"
    if draft:
        ws.oddFooter.left.text = "草稿"
        ws.oddFooter.left.color = "C00000"


def _sheets(sections: list[Section]) -> list[Section]:
    """Sections grouped by sheet name (first appearance order); sheet "-" is left out.

    The disclosure's cover and narrative sections share the sheet 说明; its
    table of contents (page numbers) has no place in a workbook.
    """
    grouped: dict[str, Section] = {}
    for section in sections:
        if section.sheet == "-":
            continue
        key = section.sheet or f"Sheet{len(grouped) + 1}"
        if key in grouped:
            # each part starts a new printed page, as in the PDF
            blocks = list(section.blocks)
            if blocks:
                blocks[0] = dataclasses.replace(blocks[0], page_break_before=True)
            grouped[key].blocks.extend(blocks)
            grouped[key].front = grouped[key].front and section.front
        else:
            grouped[key] = Section(section.orientation, key, list(section.blocks), front=section.front)
            grouped[key].starts_with_front = section.front
    return list(grouped.values())


def write_xlsx(document: Document, date: datetime) -> bytes:
    """Write the tree as XLSX: one sheet per section."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    after_cover = False
    for section in _sheets(document.sections):
        ws = wb.create_sheet(_sheet_title(section.sheet or "Sheet", used))
        _write_section(ws, section, document.sample, document.draft, first_numbered=after_cover)
        after_cover = section.front

    wb.properties.creator = document.author
    wb.properties.title = document.title
    wb.properties.created = date
    wb.properties.modified = date
    buffer = io.BytesIO()
    wb.save(buffer)
    return fix_package(buffer.getvalue(), document.title, document.author, date)
