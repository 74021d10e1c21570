"""One layout, three writers: the PDF, DOCX and XLSX show the same cells in the same order."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import openpyxl
from decimal import Decimal
import pytest
from lxml import etree

from budgetdocs.writers.tree import Table, parse
from budgetdocs.writers.docx import write_docx
from budgetdocs.writers.linebreak import JOINERS
from budgetdocs.writers.xlsx import grid_map, write_xlsx
from conftest import layout_html
from test_golden import CASES

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def tree_cells(tree) -> list[tuple[str, int, int]]:
    """(text, rowspan, colspan) of every anchored cell, in reading order."""
    return [(c.text, c.rowspan, c.colspan) for s in tree.sections for b in s.blocks if isinstance(b, Table) for c in b.cells]


def _squash(text: str) -> str:
    """HTML whitespace collapsing (ASCII whitespace only: U+3000 is text)."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _unjoined(text: str) -> str:
    """A cell's text without the word joiners that keep its last two characters together."""
    return text.translate({ord(ch): None for ch in JOINERS})


def html_cells(html: str) -> list[tuple[str, int, int]]:
    """The same list read straight off the HTML the PDF is made from."""
    root = etree.HTML(html)
    out = []
    for td in root.iter("td", "th"):
        paras = [_squash("".join(p.itertext())) for p in td.findall("p")]
        text = "\n".join(paras) if paras else _squash("".join(td.itertext()))
        out.append((text, int(td.get("rowspan", 1)), int(td.get("colspan", 1))))
    return out


def docx_cells(data: bytes) -> list[tuple[str, int, int]]:
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    out = []
    for tbl in root.iter(f"{W}tbl"):
        rows = tbl.findall(f"{W}tr")
        # rowspan = 1 + the continuation cells below at the same grid column
        grid = []
        for tr in rows:
            col, line = 0, []
            for tc in tr.findall(f"{W}tc"):
                span = tc.find(f"{W}tcPr/{W}gridSpan")
                span = int(span.get(f"{W}val")) if span is not None else 1
                merge = tc.find(f"{W}tcPr/{W}vMerge")
                kind = "cont" if merge is not None and merge.get(f"{W}val") != "restart" else "anchor"
                text = _unjoined("\n".join("".join(p.itertext()) for p in tc.findall(f"{W}p")))
                line.append((col, span, kind, text))
                col += span
            grid.append(line)
        for r, line in enumerate(grid):
            for col, span, kind, text in line:
                if kind == "cont":
                    continue
                rowspan = 1
                for below in grid[r + 1 :]:
                    if any(c == col and k == "cont" for c, _, k, _ in below):
                        rowspan += 1
                    else:
                        break
                out.append((text.strip("\n") if text.strip() else "", rowspan, span))
    return out


def xlsx_cells(data: bytes, tree) -> list[tuple[str, int, int]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = []
    for ws, section in zip(wb.worksheets, tree.sections):
        merges = {(r.min_row, r.min_col): (r.max_row - r.min_row + 1, r.max_col - r.min_col + 1) for r in ws.merged_cells.ranges}
        row = 1
        tables = [b for b in section.blocks if isinstance(b, Table)]
        maps = grid_map(tables)[1] if tables else {}
        for index, block in enumerate(section.blocks):
            if not isinstance(block, Table):
                row += 1
                continue
            bounds = maps[id(block)]
            for cell in block.cells:
                x = ws.cell(row=row + cell.row, column=bounds[cell.col] + 1)
                rs, cs = merges.get((x.row, x.column), (1, 1))
                cs = cell.colspan if cs == bounds[cell.col + cell.colspan] - bounds[cell.col] else -cs  # spans the table's columns
                value = x.value
                text = "" if value is None else (_unjoined(value) if isinstance(value, str) else None)
                if text and "\n" in text and "\n" not in cell.text:
                    text = text.replace("\n", "")  # a label the writer broke into even lines
                if text is None:
                    text = cell.text  # numbers: compared by value below
                    assert cell.value == Decimal(str(value))
                out.append((text, rs, cs))
            following = section.blocks[index + 1] if index + 1 < len(section.blocks) else None
            row += block.row_count + (0 if isinstance(following, Table) and following.joined else 1)
    return out


@pytest.mark.parametrize("year,unit", CASES, ids=[f"{y}-{u}" for y, u in CASES])
def test_three_formats_same_cells(year, unit):
    html = layout_html(year, unit)
    tree = parse(html)
    expected = tree_cells(tree)
    assert expected == html_cells(html)
    assert docx_cells(write_docx(tree, datetime(year, 1, 1))) == expected
    assert xlsx_cells(write_xlsx(tree, datetime(year, 1, 1)), tree) == expected
