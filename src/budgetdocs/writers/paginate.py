"""Take a part's HTML and where its table rows fell on the pages; give HTML whose merged
labels are repeated on every page they continue to.

WeasyPrint draws a ``rowspan`` cell that crosses a page break once, on the
first page (sometimes below the table's last border); the rows on the next
page then have an empty label cell and a reader cannot tell which 一级/二级
指标 they belong to.  Seed 003 repeats the label on the continuation page.
So a part is laid out, the rows that start a new page are read off the
layout, every merged cell crossing such a row is cut in two there (the second
half a copy of the label), and the part is laid out again — until no merged
cell crosses a page break.  Cutting a merge never makes a row taller, so the
breaks found stay where they are.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Iterable

from lxml import html as lxml_html

from .tree import grid

TABLE = "data-bd-t"  # table number within the part
ROW = "data-bd-r"  # row number within its table (thead rows included)
HEAD = "data-bd-h"  # a repeated header row


def mark(html: str) -> str:
    """Number every table and row of a part, so that the layout can be read back."""
    root = lxml_html.document_fromstring(html)
    for t, table in enumerate(root.iter("table")):
        table.set(TABLE, str(t))
        for r, row in enumerate(_rows(table)):
            row.set(TABLE, str(t))
            row.set(ROW, str(r))
            if row.getparent().tag == "thead":
                row.set(HEAD, "1")
    return lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


def _rows(table) -> list:
    return [tr for group in table if group.tag in ("thead", "tbody") for tr in group if tr.tag == "tr"]


def page_breaks(document) -> dict[int, list[int]]:
    """Per table number, the body rows that start a page after the table's first page."""
    first_page: dict[tuple[int, int], int] = {}
    table_start: dict[int, int] = {}
    for number, page in enumerate(document.pages):
        for box in _descendants(page._page_box):
            element = getattr(box, "element", None)
            if element is None or type(box).__name__ != "TableRowBox":
                continue
            t, r = element.get(TABLE), element.get(ROW)
            if t is None or r is None or element.get(HEAD):
                continue
            key = (int(t), int(r))
            first_page.setdefault(key, number)
            table_start.setdefault(int(t), number)
    breaks: dict[int, list[int]] = {}
    by_page: dict[tuple[int, int], int] = {}
    for (t, r), number in first_page.items():
        if number > table_start[t]:
            by_page[(t, number)] = min(r, by_page.get((t, number), r))
    for (t, _number), r in sorted(by_page.items()):
        breaks.setdefault(t, []).append(r)
    return breaks


def _descendants(box) -> Iterable:
    stack = [box]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(getattr(current, "children", []) or []))


@dataclass
class _Anchor:
    element: object
    row: int
    col: int
    rowspan: int


def _grid(rows: list) -> list[_Anchor]:
    return [_Anchor(cell, r, c, rowspan) for cell, r, c, rowspan, _colspan in grid(rows)]


def _set_span(cell, rowspan: int) -> None:
    if rowspan > 1:
        cell.set("rowspan", str(rowspan))
    elif "rowspan" in cell.attrib:
        del cell.attrib["rowspan"]


def split_rowspans(html: str, breaks: dict[int, list[int]]) -> str:
    """Cut every merged cell that crosses a break row; the cut-off half repeats the label."""
    if not breaks:
        return html
    root = lxml_html.document_fromstring(html)
    changed = False
    for t, table in enumerate(root.iter("table")):
        for b in sorted(breaks.get(t, [])):
            rows = _rows(table)
            if b >= len(rows):
                continue
            crossing = [a for a in _grid(rows) if a.row < b < a.row + a.rowspan]
            if not crossing:
                continue
            changed = True
            anchored = {a.col: a.element for a in _grid(rows) if a.row == b}
            for anchor in sorted(crossing, key=lambda a: a.col):
                rest = anchor.row + anchor.rowspan - b
                _set_span(anchor.element, b - anchor.row)
                twin = copy.deepcopy(anchor.element)
                twin.tail = None
                _set_span(twin, rest)
                later = [anchored[c] for c in sorted(anchored) if c > anchor.col]
                if later:
                    later[0].addprevious(twin)
                else:
                    rows[b].append(twin)
                anchored[anchor.col] = twin
    if not changed:
        return html
    return lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


PAGE_START = "page-start"  # class of a table row the PDF starts a page with


def mark_page_starts(html: str, breaks: dict[int, list[int]]) -> str:
    """Give every row that starts a page the class ``page-start``, so that the DOCX and
    XLSX writers break their pages at the same rows as the PDF (their merges were cut
    there too)."""
    if not breaks:
        return html
    root = lxml_html.document_fromstring(html)
    for t, table in enumerate(root.iter("table")):
        rows = _rows(table)
        for b in breaks.get(t, []):
            if 0 < b < len(rows):
                classes = (rows[b].get("class") or "").split()
                if PAGE_START not in classes:
                    rows[b].set("class", " ".join(classes + [PAGE_START]))
    return lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


def body_of(html: str) -> str:
    """The sections of a part's HTML (what its <body> holds)."""
    root = lxml_html.document_fromstring(html)
    return "".join(lxml_html.tostring(section, encoding="unicode") for section in root.body.iterchildren("section"))
