"""The seed-reproduction measure: character 3-grams within cells.

A seed's text is split into cells (lines, and tab-separated cells within a
line); each cell is normalised — NFKC (so punctuation width does not count),
whitespace removed, thousands separators removed, extraction markup such as
``<input …/>``, ``<p>`` and ``$\\geq 98\\%$`` turned back into text — and cut into
3-grams.  The share of those 3-grams found anywhere in the output's
normalised text is the coverage.

The outputs are read as a user's application reads them: the DOCX through
python-docx (what Word's search and copy see), the XLSX through openpyxl, the PDF
through pdftotext.  Nothing is cleaned from them but whitespace, width and thousands
separators: an invisible character in an output splits the 3-grams around it and
costs coverage, as it costs a user's search.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import docx
import openpyxl
from docx.table import Table
from docx.text.paragraph import Paragraph

_TAG = re.compile(r"<[^>]+>")
_LATEX = [(re.compile(r"\\geq"), "≥"), (re.compile(r"\\leq"), "≤"), (re.compile(r"\\%"), "%"), (re.compile(r"[$]"), "")]
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
_SPACE = re.compile(r"\s+")
_RULE = re.compile(r"^[\s|:-]*-{3,}[\s|:-]*$")  # markdown table rules in the extraction


def normalise(text: str) -> str:
    """Text with width, whitespace and thousands-separator differences removed."""
    text = unicodedata.normalize("NFKC", text)  # (NFKC leaves format characters such as U+2060 in place)
    text = _THOUSANDS.sub("", text)
    return _SPACE.sub("", text)


def strip_markup(text: str) -> str:
    """Undo the seed extraction's markup: HTML tags and LaTeX maths."""
    text = _TAG.sub("", text)
    if _RULE.match(text):
        return ""
    for pattern, repl in _LATEX:
        text = pattern.sub(repl, text)
    return text


def seed_grams(text: str) -> list[str]:
    """Every 3-gram within a cell of the seed (with repeats)."""
    grams = []
    for line in text.splitlines():
        for cell in line.split("\t"):
            cell = normalise(strip_markup(cell))
            grams.extend(cell[i : i + 3] for i in range(len(cell) - 2))
    return grams


def coverage(seed: str, output: str) -> tuple[float, list[str]]:
    """Share of the seed's 3-grams present in ``output``, and the missing ones."""
    grams = seed_grams(seed)
    flat = normalise(output)
    have = {flat[i : i + 3] for i in range(len(flat) - 2)}
    missing = [g for g in grams if g not in have]
    return (1 - len(missing) / len(grams)) if grams else 1.0, missing


def _blocks_text(blocks) -> list[str]:
    """python-docx paragraphs and tables, in document order, as lines of text: a
    table's cells each once (a merge's continuation cells are empty), paragraph by
    paragraph, tables inside cells too."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
            continue
        assert isinstance(block, Table)
        for row in block.rows:
            for tc in row._tr.tc_lst:
                lines.extend(_blocks_text(docx.table._Cell(tc, block).iter_inner_content()))
    return lines


def docx_text(path: Path) -> str:
    """The text of a DOCX as python-docx reads it: body paragraphs and the paragraphs of
    table cells, in document order, one a line (headers and footers left out)."""
    return "\n".join(_blocks_text(docx.Document(str(path)).iter_inner_content()))


def xlsx_text(path: Path) -> str:
    """The text of an XLSX as openpyxl reads it: every sheet's cell values, row by row,
    one cell a line (numbers as stored)."""
    lines = []
    for ws in openpyxl.load_workbook(path).worksheets:
        for row in ws.iter_rows(values_only=True):
            lines.extend(str(value) for value in row if value is not None)
    return "\n".join(lines)


def pdf_text(path: Path, layout: bool = False) -> str:
    """Text of a PDF as pdftotext extracts it (``layout``: as ``pdftotext -layout`` lines up
    a page's columns, the way the reference disclosures' texts were extracted)."""
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout
