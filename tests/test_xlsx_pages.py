"""XLSX pages as LibreOffice and Excel print them: inside the margins, broken only where the PDF breaks.

A spreadsheet application paginates a sheet by its own row heights: where the rows
between two of our manual page breaks are taller than the printable height at the
print scale, it adds a break of its own before ours, and a 一级/二级 label merged over
the rows continues on a page without its label.  The sheets are fitted to the page
width, so the print scale follows from the columns' width; these tests recompute it
from the saved workbook, independently of the writer.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from budgetdocs.cli import main
from conftest import DATA

PT_PER_UNIT = 6.0  # Arial 11, the workbook's default font: 8 px at 96 dpi
A4 = {"portrait": (595.3, 841.9), "landscape": (841.9, 595.3)}


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("xlsx")
    for year, unit in ((2023, "人社局"), (2017, "人社局")):
        result = CliRunner().invoke(main, ["--year", str(year), "--unit", unit, "--data", str(DATA), "--out", str(out), "--format", "xlsx"])
        assert result.exit_code == 0, result.output
    return {p.parent.parent.name: p for p in out.rglob("*.xlsx")}


def _area(ws) -> tuple[float, float]:
    """Printable width and height in points."""
    width, height = A4[ws.page_setup.orientation]
    m = ws.page_margins
    return width - 72 * (m.left + m.right), height - 72 * (m.top + m.bottom)


def _scale(ws) -> float:
    """The scale a sheet fitted to one page wide prints at."""
    units = sum(d.width for d in ws.column_dimensions.values() if d.width)
    return min(1.0, _area(ws)[0] / (units * PT_PER_UNIT))


def test_the_column_unit_is_known(workbooks):
    wb = openpyxl.load_workbook(workbooks["2023"])
    assert wb._fonts[0].name == "Arial" and wb._fonts[0].sz == 11


def test_every_page_of_a_form_fits_the_paper(workbooks):
    """Each run of rows between two manual breaks (the PDF's page) fits the printable
    height at the print scale, with the repeated title rows: the application never adds
    a break of its own before ours."""
    wb = openpyxl.load_workbook(workbooks["2023"])
    checked = 0
    for ws in wb.worksheets[1:]:  # the forms (the first sheet is the cover)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
        titles = 0.0
        if ws.print_title_rows:
            low, high = (int(part.strip("$")) for part in ws.print_title_rows.split(":"))
            titles = sum(ws.row_dimensions[r].height or 15 for r in range(low, high + 1))
        bounds = [0] + sorted(b.id for b in ws.row_breaks.brk) + [ws.max_row]
        capacity = _area(ws)[1] / _scale(ws)
        for page, (low, high) in enumerate(zip(bounds, bounds[1:])):
            rows = sum(ws.row_dimensions[r].height or 15 for r in range(low + 1, high + 1))
            assert rows + (titles if page else 0) <= capacity, f"{ws.title}: rows {low + 1}–{high} ({rows:.0f} pt) overflow a page ({capacity:.0f} pt)"
            checked += 1
    assert checked >= 40


def test_text_sheets_print_inside_the_margins(workbooks):
    """No column is wider than the printable width at 100%: LibreOffice fits a sheet to
    the page width by its columns, and one column wider than the page prints past the
    margins (the 2017 说明 sheet did)."""
    wb = openpyxl.load_workbook(workbooks["2017"])
    for ws in wb.worksheets:
        width = _area(ws)[0]
        for letter, dim in ws.column_dimensions.items():
            assert (dim.width or 0) * PT_PER_UNIT <= width, f"{ws.title}: column {letter} wider than the page"
    text = wb["说明"]
    assert len(text.column_dimensions) > 1 and text.merged_cells.ranges


def test_cells_hold_the_records_text(workbooks):
    """No cell holds an invisible character (the writer once put U+FEFF before a wrapping
    text's last character: a search or a copy of the cell held it).  A short centred label
    that needs two or three lines is broken into even lines by real line breaks, as it
    prints (a cell has no width of its own to narrow), none one character alone; a text
    on one line is the record's text."""
    wb = openpyxl.load_workbook(workbooks["2023"])
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    texts = [c.value for c in cells]
    assert not [t for t in texts if set(t) & set("\ufeff\u2060\u200b")]
    labels = [c.value for c in cells if "\n" in c.value and c.alignment.horizontal == "center"]
    assert len(labels) > 100
    assert all(min(len(line) for line in t.split("\n")) >= 2 for t in labels), labels
    assert "计划开\n始日期" in labels and "年度资金\n申请总额" in labels
    assert "项目名称" in texts and "一级指标" in texts


def test_a_label_never_ends_a_printed_page():
    """A label row (保证项目实施的制度、措施：) whose text does not fit under it on the page
    gets a manual break before it, so label and text start the next page together; a
    label that fits with its text is left alone."""
    from openpyxl import Workbook

    from budgetdocs.writers.xlsx import PAGE_FILL, _keep_with_next, printable

    page = PAGE_FILL * printable("portrait")[1]  # the sheet is narrow: printed at 100 %
    ws = Workbook().active
    heights = {1: page - 40, 2: 20.0, 3: 60.0, 4: 20.0, 5: 20.0}  # row 2: a label, row 3 its text
    _keep_with_next(ws, heights, {2, 4}, 5, 70.0, "portrait")
    assert [b.id for b in ws.row_breaks.brk] == [1]  # a break after row 1: the label moves down


def test_header_rows_and_the_row_under_them_start_a_page_together():
    """A table's header rows and the first row under them (kept rows) that do not fit the
    page with the row after them start the next page together: the manual break comes
    before the first of them, not between them."""
    from openpyxl import Workbook

    from budgetdocs.writers.xlsx import PAGE_FILL, _keep_with_next, printable

    page = PAGE_FILL * printable("portrait")[1]
    ws = Workbook().active
    heights = {1: page - 70, 2: 20.0, 3: 20.0, 4: 20.0, 5: 20.0, 6: 20.0}  # 2, 3 header rows, 4 the first under them
    _keep_with_next(ws, heights, {2, 3, 4}, 6, 70.0, "portrait")
    assert [b.id for b in ws.row_breaks.brk] == [1]


def test_the_cover_places_its_title_a_third_down_as_the_pdf_does(workbooks):
    """The 2017 disclosure's cover sheet: the title row is tall and holds its text at the
    bottom, so that the title sits a third down the printed page as in the PDF and the
    DOCX (it was the first line of a bare sheet)."""
    ws = openpyxl.load_workbook(workbooks["2017"]).worksheets[0]
    rows = [(r, str(ws.cell(row=r, column=1).value)) for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value]
    title, text = rows[0]
    assert text.endswith("部门预算"), rows
    assert ws.row_dimensions[title].height >= 130
    assert ws.cell(row=title, column=1).alignment.vertical == "bottom"
    assert ws.cell(row=title, column=1).alignment.horizontal == "center"


def _printed_pages(ws, fill: float) -> dict[int, int]:
    """Sheet row → the page it prints on, as LibreOffice and Excel paginate: a page starts
    at every manual break and wherever the next row does not fit ``fill`` of the printable
    height at the print scale (the repeated title rows above every page after the first)."""
    titles = 0.0
    if ws.print_title_rows:
        low, high = (int(part.strip("$")) for part in ws.print_title_rows.split(":"))
        titles = sum(ws.row_dimensions[r].height or 15 for r in range(low, high + 1))
    capacity = fill * _area(ws)[1] / _scale(ws)
    manual = {b.id for b in ws.row_breaks.brk}
    pages, page, used = {}, 0, 0.0
    for r in range(1, ws.max_row + 1):
        height = ws.row_dimensions[r].height or 15
        top = titles if page else 0.0
        if r > 1 and (r - 1 in manual or (used > top and used + height > capacity)):
            page, used = page + 1, titles
        used += height
        pages[r] = page
    return pages


def test_no_xlsx_page_strands_a_header():
    """Every document of the repository (laid out once for tests/test_pages.py), its XLSX
    paginated as a spreadsheet application prints it (filling the paper, or a little less
    where our row heights are estimated short): no page ends with a header or label row
    and fewer than two of the rows under it — the PDF's page starts are manual breaks,
    and where the application breaks a page of its own a manual break comes before the
    header rows instead."""
    import dataclasses
    import io
    from datetime import datetime

    import pagecheck
    from budgetdocs.writers.tree import Paragraph, Table
    from budgetdocs.writers.xlsx import PAGE_FILL, _sheets, write_xlsx

    checked = 0
    for doc in pagecheck.repository():
        tree, tables = pagecheck.tables_of(doc)
        html_rows = {id(table): rows for rows, table in tables}
        wb = openpyxl.load_workbook(io.BytesIO(write_xlsx(tree, datetime(2023, 1, 1))))
        sheets = _sheets([dataclasses.replace(s, blocks=list(s.blocks)) for s in tree.sections])
        assert len(sheets) == len(wb.worksheets), doc.name
        for ws, section in zip(wb.worksheets, sheets):
            printed = [_printed_pages(ws, fill) for fill in (1.0, PAGE_FILL)]
            row = 1
            for index, block in enumerate(section.blocks):
                if isinstance(block, Paragraph):
                    row += 1
                    continue
                rows = html_rows[id(block)] if id(block) in html_rows else None
                if rows is None:  # (a block re-made by the grouping of sections: find it by its cells)
                    rows = next(r for r, t in tables if t.cells == block.cells and t.row_count == block.row_count)
                first = next((c for c in block.cells if c.row == 0 and c.value is None and c.text), None)
                if first is not None:  # the table is where the replay puts it
                    texts = {str(c.value).replace("\n", "") for c in ws[row] if isinstance(c.value, str)}
                    assert first.text.replace("\n", "") in texts, (doc.name, ws.title, row, first.text, texts)
                heads = block.header_rows
                for pages in printed:
                    on = [pages.get(row + r) for r in range(heads, block.row_count)]
                    found = pagecheck.stranded(rows[heads:], on, heads > 0)
                    assert not found, f"{doc.name}, sheet {ws.title}: a header row ends a page ({rows[heads + max(found[0], 0)].text_content().strip()[:20]})"
                checked += 1
                row += block.row_count
                following = section.blocks[index + 1] if index + 1 < len(section.blocks) else None
                if not (isinstance(following, Table) and following.joined):
                    row += 1
            assert row - 1 >= ws.max_row, (doc.name, ws.title, row, ws.max_row)
    assert checked > 100
