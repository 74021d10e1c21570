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
from copy import copy
from datetime import datetime
from typing import Optional

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties

from ..errors import RenderError
from .linebreak import even_lines, heading_lines
from .tree import Document, Paragraph, Section, Table
from .zipfix import fix_package

SERIF = "仿宋_GB2312"
TITLE = "方正小标宋简体"
SANS = "黑体"

# Sheet width in Excel character units for the text block of each orientation.
SHEET_WIDTH = {"portrait": 84.0, "landscape": 128.0}
# A sheet of paragraphs only is a grid of this many equal columns, each paragraph merged
# across them: LibreOffice fits a sheet to the page width by counting the pages its
# columns need, so one column wider than the page would print at 100% past the margins.
TEXT_COLUMNS = 4
# The workbook's default font sets the width of Excel's character unit (the width of
# its digit 0).  Arial is on every Windows and Mac machine, and Liberation Sans (the
# set-up installs it) has its metrics: one unit is 8 px at 96 dpi, 6 pt, wherever the
# sheet is opened (with Calibri it would be 5.25 pt in Excel and whatever face
# LibreOffice substitutes elsewhere).
BASE_FONT = ("Arial", 11)
PT_PER_UNIT = 6.0
# A4 in points; margins in inches (left, right, top, bottom), after style.css.
PAPER = {"portrait": (595.3, 841.9), "landscape": (841.9, 595.3)}
MARGINS = {"portrait": (1.1, 1.0, 1.4, 1.0), "landscape": (1.0, 1.4, 1.0, 1.4)}
PAGE_FILL = 0.93  # an XLSX page is printed only this full: room for the estimates' error
# kind -> (font, size, bold, horizontal alignment)
PARAGRAPH_FONTS = {
    "h1": (TITLE, 20, True, "center"),
    "h2": (SANS, 16, False, "center"),
    "subtitle": (SERIF, 14, False, "center"),
    "sample": (SANS, 12, True, "center"),
    "h3": (SANS, 14, False, "left"),
    "toc": (SERIF, 12, False, "left"),
    "cover-line": (SERIF, 16, False, "center"),
}
# Space above a cover's title and its unit line, in points, as the DOCX leaves it: the
# title sits a third down the page and the line under it, as in the PDF.
COVER_SPACE = {"cover-title": 130.0, "cover-line": 30.0}
DEFAULT_PARAGRAPH = (SERIF, 12, False, "left")
CELL_SIZE = 10.5
LEADING = 1.4  # a text line is this many times its font size high (LibreOffice: 1.38 with Noto CJK)
CELL_PADDING = 6.0  # points of a cell's width that hold no text
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORMULA_START = ("=", "+", "-", "@")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


# The modern edition (sections of class "modern"), as style.css sets it after the published
# documents: 宋体 12 pt text, tables in 12 pt on rows of 24.6 pt, 18 pt headings, a 36 pt 楷体
# cover title; text 20 mm from the left edge and 21 mm from the right.  The sheet is as wide
# as that text block (725 pt), so it prints at 100 %: its 12 pt is 12 pt on paper.  The top
# and bottom margins (15 and 18 mm; the PDF's 24 and 23) leave room for a PDF page's rows at
# PAGE_FILL.  Its geometry is the key "modern" of SHEET_WIDTH, PAPER and MARGINS.
SONG = "宋体"
KAI = "楷体"
SHEET_WIDTH["modern"] = 120.0  # 720 pt
PAPER["modern"] = PAPER["landscape"]
MARGINS["modern"] = (0.79, 0.83, 0.6, 0.7)
MODERN_PARAGRAPH = (SONG, 12, False, "left")
MODERN_FONTS = {
    **PARAGRAPH_FONTS,
    "h1": (KAI, 36, True, "center"),
    "cover-line": (KAI, 18, False, "center"),
    "h2": (SONG, 18, False, "center"),
    "h3": (SONG, 12, False, "left"),
}
MODERN_COVER_SPACE = {"cover-title": 81.0, "cover-line": 82.0}
MODERN_CELL_SIZE = 12.0
MODERN_ROW = 24.6  # points: a table row's height (at least)


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def em_capacity(width_units: float, size: float) -> float:
    """How many full-width characters of ``size`` points one line of a cell
    ``width_units`` wide holds."""
    return max(width_units * PT_PER_UNIT - CELL_PADDING, size) / size


def _lines(paragraphs: list[str], width_units: float, size: float) -> int:
    """Lines the paragraphs take in a cell ``width_units`` wide at ``size`` points (a
    little more than they need: a line breaks before a character that does not fit, and
    never before closing punctuation)."""
    usable = em_capacity(width_units, size) - 0.5
    return max(1, sum(max(1, math.ceil(display_width(p) / 2 * 1.04 / usable)) for p in paragraphs or [""]))


def _fit(paragraphs: list[str], width_units: float, limit: float, start: float = CELL_SIZE) -> tuple[float, float]:
    """Font size and row height for a cell: a very long text is set smaller so that
    Excel's 409 pt row limit never clips it; if even 8 pt cannot hold it, the
    needed height is returned and the caller reports it."""
    for size in (start,) + tuple(s for s in (11.0, 10.5, 9.5, 9.0, 8.5, 8.0) if s < start):
        need = _lines(paragraphs, width_units, size) * LEADING * size + 4
        if need <= limit:
            return size, need
    return 8.0, need


class _Styles:
    """Cell styles of one workbook, each combination built once.

    openpyxl hashes a cell's font, alignment and border objects on every assignment
    to find their index in the workbook; half the XLSX writer's time went there.
    The first cell of each combination is styled the ordinary way and its style
    indexes are copied to every later cell with the same combination.
    """

    def __init__(self) -> None:
        self._made: dict[tuple, StyleArray] = {}
        self.merged: dict[tuple, int] = {}  # border arithmetic of merged ranges (:func:`merge`)

    def apply(self, cell, font: Optional[tuple], alignment: Optional[tuple], border: bool = False,
              number_format: str = "General") -> None:
        """Style ``cell``: font (name, size, bold, colour), alignment (horizontal, vertical;
        always wrapping), thin borders all round, number format."""
        key = (font, alignment, border, number_format, getattr(cell._style, "quotePrefix", 0))  # text kept as text
        made = self._made.get(key)
        if made is not None:
            cell._style = copy(made)
            return
        if font is not None:
            name, size, bold, color = font
            cell.font = Font(name=name, size=size, bold=bold, color=color)
        if alignment is not None:
            cell.alignment = Alignment(horizontal=alignment[0], vertical=alignment[1], wrap_text=True)
        if border:
            cell.border = _BORDER
        if number_format != "General":
            cell.number_format = number_format
        self._made[key] = copy(cell._style)


def merge(ws, top: int, left: int, bottom: int, right: int, memo: dict) -> None:
    """``ws.merge_cells(...)``, with the same cells and styles, at a fraction of the cost.

    openpyxl copies the first cell's borders onto the edge cells of every merged range
    and its protection onto every cell, building a Border and hashing it for each (70 %
    of the XLSX writer's time).  The results depend only on the style indexes
    involved, so each combination is computed once, by openpyxl's own arithmetic, and
    its index reused; ``memo`` holds them for one workbook.
    """
    borders = ws.parent._borders
    mcr = MergedCellRange.__new__(MergedCellRange)
    CellRange.__init__(mcr, min_col=left, min_row=top, max_col=right, max_row=bottom)
    mcr.ws = ws
    start = ws._cells.get((top, left)) or ws.cell(row=top, column=left)
    mcr.start_cell = start

    def plus(cell, key: tuple, extra) -> None:
        index = memo.get(key)
        if index is None:
            index = memo[key] = borders.add(borders[cell._style.borderId] + extra())
        cell._style.borderId = index

    end = ws._cells.get((bottom, right))
    for cell in (start, end):
        if cell is not None and cell._style is None:  # openpyxl makes a cell's styles when first used
            cell._style = StyleArray()
    if end is not None:  # the first cell takes the right and bottom borders of the last
        ending = borders[end._style.borderId]
        plus(start, ("corner", start._style.borderId, end._style.borderId),
             lambda: Border(right=ending.right, bottom=ending.bottom))
    for row, col in mcr.cells:
        if (row, col) != (top, left):
            ws._cells[row, col] = MergedCell(ws, row, col)
            ws._cells[row, col]._style = StyleArray()
    ws.merged_cells.add(mcr)
    for name in ("top", "left", "right", "bottom"):
        first = start._style.borderId
        side = getattr(borders[first], name)
        if side and side.style is None:
            continue
        for coord in getattr(mcr, name):
            cell = ws._cells[coord]
            plus(cell, (name, cell._style.borderId, first), lambda: Border(**{name: side}))
    protection = start._style.protectionId
    for coord in mcr.cells:
        ws._cells[coord]._style.protectionId = protection


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


def printable(orientation: str) -> tuple[float, float]:
    """Width and height in points inside the margins of a page of ``orientation``."""
    (width, height), (left, right, top, bottom) = PAPER[orientation], MARGINS[orientation]
    return width - 72 * (left + right), height - 72 * (top + bottom)


def widening(orientation: str, sheet_units: float, tallest: float) -> float:
    """How much wider to make a sheet's columns so that a page of rows ``tallest`` points
    high fits the paper: the sheet is printed fitted to the page width, so a wider sheet
    is printed smaller, and its manual page breaks are then the only ones (LibreOffice
    and Excel add their own break before a manual one where the rows overflow the page).

    ``sheet_units`` is the sheet's width in character units; returns a factor ≥ 1."""
    width, height = printable(orientation)
    scale = min(1.0, width / (sheet_units * PT_PER_UNIT))  # fitted to the page width
    needed = PAGE_FILL * height / tallest if tallest else 1.0  # the scale the rows need
    if needed >= scale:
        return 1.0
    return width / (sheet_units * PT_PER_UNIT * needed)


def page_pieces(first: int, table: Table, segment_start: int) -> list[tuple[int, int, bool]]:
    """The sheet rows the PDF printed on one page, for a table whose first row is sheet
    row ``first``: (first row, last row, whether the print title rows are repeated above
    them).  The rows before its first page start are on the page of everything since
    ``segment_start`` (the sheet's first row, or the row after the last manual break)."""
    starts = sorted(r for r in table.page_starts if 0 < r < table.row_count)
    if not starts:
        return []
    bounds = [first + r for r in starts] + [first + table.row_count]
    pieces = [(segment_start, bounds[0] - 1, False)]
    pieces += [(low, high - 1, True) for low, high in zip(bounds, bounds[1:])]
    return pieces


# Paragraph kinds that never end a printed page: a form's labels (项目名称：…, 保证项目实施的
# 制度、措施：) and headings stay with the text after them, as the PDF keeps them.
KEPT_WITH_NEXT = {"field", "h2", "h3", "caption"}
DEFAULT_ROW = 15.0  # points: a row with no height of its own (the blank row after a table)


def _keep_with_next(ws, heights: dict[int, float], kept: set[int], rows: int, sheet_units: float, orientation: str) -> None:
    """Where the sheet's rows would make a page end on a kept row (a label whose text does
    not fit under it, a table's header rows and the first row under them), put a manual
    page break before that row instead — before the first of the kept rows that lead to
    it, so that a header and the two rows under it start the next page together.

    Follows the pages as LibreOffice and Excel fill them: the sheet is printed fitted to
    the paper's width, rows go on a page until the next one does not fit (at
    ``PAGE_FILL`` of the printable height, the estimates' margin), and every manual break
    starts a new page."""
    if not kept:
        return
    width, height = printable(orientation)
    scale = min(1.0, width / (sheet_units * PT_PER_UNIT))
    page = PAGE_FILL * height / scale
    manual = {b.id for b in ws.row_breaks.brk}
    used, page_first = 0.0, 1
    for r in range(1, rows + 1):
        if r - 1 in manual:
            used, page_first = 0.0, r
        h = heights.get(r, DEFAULT_ROW)
        if used and used + h > page:
            # the page ends before row r: not right after a kept row (nor a run of them)
            start = r
            while start - 1 in kept and start - 1 > page_first:
                start -= 1
            if start < r:
                ws.row_breaks.append(Break(id=start - 1))
                manual.add(start - 1)
                used = sum(heights.get(k, DEFAULT_ROW) for k in range(start, r))
                page_first = start
            else:
                used, page_first = 0.0, r
        used += h


def _write_section(ws, section: Section, styles: "_Styles", sample: bool, draft: bool = False,
                   first_numbered: bool = False, widen: float = 1.0) -> float:
    """Write one section on a sheet, its columns ``widen`` times the standard width;
    return how much wider they must be for the PDF's pages to fit the paper (1: they fit)."""
    tables = [b for b in section.blocks if isinstance(b, Table)]
    modern = "modern" in section.classes
    geometry = "modern" if modern else section.orientation  # the key of SHEET_WIDTH, PAPER, MARGINS
    cell_size = MODERN_CELL_SIZE if modern else CELL_SIZE
    total = SHEET_WIDTH[geometry] * widen
    if tables:
        fractions, maps = grid_map(tables)
        col_units = [(b - a) * total for a, b in zip(fractions, fractions[1:])]
    else:
        col_units = [total / TEXT_COLUMNS] * TEXT_COLUMNS
        maps = {}
    ncols = len(col_units)
    row = 1
    print_rows = None
    heights: dict[int, float] = {}
    segment_start = 1  # the first row of the printed page being filled
    pieces: list[tuple[int, int, bool]] = []
    kept_rows: set[int] = set()  # headings and labels that stay on the page of the row after them
    for index, block in enumerate(section.blocks):
        if isinstance(block, Paragraph):
            if block.page_break_before and row > 1:
                ws.row_breaks.append(Break(id=row - 1))
                segment_start = row
            font, size, bold, align = (MODERN_FONTS if modern else PARAGRAPH_FONTS).get(
                block.kind, MODERN_PARAGRAPH if modern else DEFAULT_PARAGRAPH)
            cell = ws.cell(row=row, column=1)
            text = block.text.replace("\t", "　　　　")
            if align == "center":  # a title that wraps: its last two characters together, as the PDF sets it
                text = "\n".join(heading_lines(text, em_capacity(total, size)))
            _put_text(cell, text)
            spaces = MODERN_COVER_SPACE if modern else COVER_SPACE
            space = next((spaces[c] for c in (block.kind, *block.classes) if c in spaces), 0.0)
            styles.apply(cell, (font, size, bold or any(r.bold for r in block.runs) and block.kind == "field",
                                "C00000" if block.kind == "sample" else None), (align, "bottom" if space else "center"))
            if ncols > 1:
                merge(ws, row, 1, row, ncols, styles.merged)
            lines = _lines(text.split("\n"), total, size)
            heights[row] = max(size * 1.6, lines * size * LEADING) + space
            following = section.blocks[index + 1] if index + 1 < len(section.blocks) else None
            if block.kind in KEPT_WITH_NEXT and following is not None:
                kept_rows.add(row)
            row += 1
            continue
        first = row
        if block.page_break_before and row > 1:
            ws.row_breaks.append(Break(id=row - 1))
            segment_start = row
        for start in block.page_starts:  # the PDF's page breaks, where the merges were cut
            ws.row_breaks.append(Break(id=first + start - 1))
        on_pages = page_pieces(first, block, segment_start)
        if on_pages:  # what follows the table shares the page of its last piece
            segment_start = on_pages[-1][0]
        pieces += on_pages
        for r in range(block.row_count):
            heights.setdefault(first + r, MODERN_ROW if modern else CELL_SIZE * LEADING + 4)
        # header and label rows, and the first row under them, stay with the next row
        kept_rows.update(first + r for r in block.keep if r + 1 < block.row_count)
        deficits = []
        bounds = maps[id(block)]
        for c in block.cells:
            # the cell spans the sheet columns between its table's column bounds
            top, left, right = first + c.row, bounds[c.col] + 1, bounds[c.col + c.colspan]
            cell = ws.cell(row=top, column=left)
            number_format = "General"
            if c.value is not None:
                cell.value = c.value
                number_format = c.number_format or "#,##0.00"
            width = sum(col_units[left - 1 : right])
            if c.value is None and c.paragraphs:
                lines = [c.text]  # the text as it is (a longer one wraps as the application may)
                if len(c.paragraphs) == 1 and (c.header or "center" in c.classes):
                    # a label that wraps: even lines, never one character alone; a cell has
                    # no width of its own to narrow, so the lines end in real line breaks
                    lines = even_lines(c.text, em_capacity(width, cell_size))
                _put_text(cell, "\n".join(lines))
            # (a modern table's amount is one line: a spreadsheet never wraps a number, and the
            # estimate of its width, made for text, would make its row two lines high)
            size, need = _fit([] if modern and c.value is not None else c.paragraphs, width, 409 * c.rowspan, cell_size)
            # a label merged over many rows sits at their top: where a printed page
            # cuts the merge, the label is on the page where it starts, never clipped;
            # a header merged within a table's first rows (which open its page) is centred
            vertical = "top" if c.rowspan > 2 and c.row + c.rowspan > 4 else "center"
            styles.apply(cell, (SONG if modern else SERIF, size, False, None), (c.align, vertical), block.ruled, number_format)
            if block.ruled:
                for rr in range(top, top + c.rowspan):
                    for cc in range(left, right + 1):
                        if (rr, cc) != (top, left):
                            styles.apply(ws.cell(row=rr, column=cc), None, None, True)
            if c.rowspan > 1 or right > left:
                merge(ws, top, left, top + c.rowspan - 1, right, styles.merged)
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
    titles = sum(heights.get(r, 0.0) for r in range(print_rows[0], print_rows[1] + 1)) if print_rows else 0.0
    _keep_with_next(ws, heights, kept_rows, row, sum(col_units), geometry)
    tallest = max(
        (sum(heights.get(r, 0.0) for r in range(low, high + 1)) + (titles if repeat else 0.0) for low, high, repeat in pieces),
        default=0.0,
    )
    for index, units in enumerate(col_units, start=1):
        ws.column_dimensions[get_column_letter(index)].width = round(units, 2)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = section.orientation
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom = MARGINS[geometry]
    if print_rows:
        ws.print_title_rows = f"{print_rows[0]}:{print_rows[1]}"
    if not section.front and "nofolio" not in section.classes:  # the cover carries no page number, as in the PDF
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
    return widening(geometry, sum(col_units), tallest)


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
            grouped[key].classes = tuple(c for c in grouped[key].classes if c in section.classes)
        else:
            grouped[key] = Section(section.orientation, key, list(section.blocks), front=section.front, classes=section.classes)
            grouped[key].starts_with_front = section.front
    return list(grouped.values())


def write_xlsx(document: Document, date: datetime) -> bytes:
    """Write the tree as XLSX: one sheet per section."""
    wb = Workbook()
    wb.remove(wb.active)
    base = Font(name=BASE_FONT[0], size=BASE_FONT[1])
    wb._fonts = IndexedList([base])  # the default font: fonts[0] and the Normal style's
    wb._named_styles["Normal"].font = base
    used: set[str] = set()
    styles = _Styles()
    after_cover = False
    for section in _sheets(document.sections):
        title = _sheet_title(section.sheet or "Sheet", used)
        ws = wb.create_sheet(title)
        factor = _write_section(ws, section, styles, document.sample, document.draft, first_numbered=after_cover)
        if factor > 1:  # written again, wider: its text then takes fewer lines
            wb.remove(ws)
            ws = wb.create_sheet(title)
            _write_section(ws, section, styles, document.sample, document.draft, first_numbered=after_cover, widen=factor)
        after_cover = section.front

    wb.properties.creator = document.author
    wb.properties.title = document.title
    wb.properties.created = date
    wb.properties.modified = date
    buffer = io.BytesIO()
    wb.save(buffer)
    return fix_package(buffer.getvalue(), document.title, document.author, date)
