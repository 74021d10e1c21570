"""Golden files you can read: layout HTML, normalised DOCX XML and the XLSX cell grid.

Regenerate after an intended change with
``UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import difflib
import io
import os
import zipfile
from datetime import datetime

import openpyxl
import pytest
from lxml import etree

from budgetdocs.writers.tree import parse
from budgetdocs.writers.docx import write_docx
from budgetdocs.writers.xlsx import write_xlsx
from conftest import GOLDEN, layout_html

# One unit per edition (and per 2017 variant / indicator layout).
CASES = [
    (2017, "人才服务中心"),  # 分组 variant, 来源列
    (2017, "咨询服务中心"),  # 三列, contacts and sign-off rows
    (2019, "就业促进中心"),  # 四列 with empty skeleton rows
    (2020, "咨询服务中心"),  # 2020 edition, two forms: a 汇总表
    (2023, "咨询服务中心"),  # 2023 edition, sample data
]


def docx_normalised(data: bytes) -> str:
    """word/document.xml, pretty-printed, one element a line."""
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def xlsx_grid(data: bytes) -> str:
    """Every sheet: its merges, print set-up and non-empty cells with their types and formats."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    lines = []
    for ws in wb.worksheets:
        lines.append(f"# sheet {ws.title} ({ws.page_setup.orientation}, titles {ws.print_title_rows})")
        lines.append("merged: " + " ".join(sorted(str(r) for r in ws.merged_cells.ranges)))
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    fmt = f" [{cell.number_format}]" if cell.data_type == "n" else ""
                    lines.append(f"{cell.coordinate} {cell.data_type}{fmt}: {cell.value!r}")
    return "\n".join(lines) + "\n"


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"missing golden {path}; run UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), str(path), "actual", n=2))
        pytest.fail(f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}")


@pytest.mark.parametrize("year,unit", CASES, ids=[f"{y}-{u}" for y, u in CASES])
def test_golden(year, unit):
    html = layout_html(year, unit)
    tree = parse(html)
    date = datetime(year, 1, 1)
    check(f"{year}-{unit}.html", html)
    check(f"{year}-{unit}.docx.xml", docx_normalised(write_docx(tree, date)))
    check(f"{year}-{unit}.xlsx.txt", xlsx_grid(write_xlsx(tree, date)))
