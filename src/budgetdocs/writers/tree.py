"""Take the layout HTML; give a small document tree for the DOCX and XLSX writers.

The HTML subset is strict on purpose: ``<section class="portrait|landscape"
data-sheet>`` holding ``h1``, ``h2``, ``p`` (with ``b`` runs) and ``table``
(``colgroup`` widths, ``thead``/``tbody`` rows of ``th``/``td`` with
rowspan/colspan, ``p`` paragraphs inside cells, ``data-value`` /
``data-format`` on amounts).  Anything else is an error, so a template cannot
put content in the PDF that the other writers would silently drop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional, Union

from lxml import html as lxml_html

from ..errors import RenderError

_SPACE = re.compile(r"[ \t\r\n]+")


@dataclass
class Run:
    """A stretch of text with one weight."""

    text: str
    bold: bool = False


@dataclass
class Paragraph:
    """A block of text: ``kind`` is h1, h2 or the paragraph's class (subtitle, field…)."""

    kind: str
    runs: list[Run]
    page_break_before: bool = False
    classes: tuple[str, ...] = ()
    target: Optional[str] = None  # a contents entry: the id it points to
    anchor: Optional[str] = None  # the paragraph's own id (a contents entry may point here)

    @property
    def text(self) -> str:
        """Plain text of the paragraph."""
        return "".join(r.text for r in self.runs)


@dataclass
class Cell:
    """One anchored table cell (covered cells of a merge are not stored)."""

    row: int
    col: int
    rowspan: int
    colspan: int
    paragraphs: list[str]
    header: bool = False  # a th
    classes: tuple[str, ...] = ()
    value: Optional[Decimal] = None
    number_format: Optional[str] = None

    @property
    def text(self) -> str:
        """Cell text, paragraphs joined by line breaks."""
        return "\n".join(self.paragraphs)

    @property
    def align(self) -> str:
        """left, center or right, as the stylesheet sets it."""
        if "num" in self.classes:
            return "right"
        if self.header or "center" in self.classes:
            return "center"
        return "left"


@dataclass
class Table:
    """A grid: relative column widths, anchored cells, repeated header rows."""

    widths: list[float]
    cells: list[Cell]
    row_count: int
    header_rows: int = 0
    page_break_before: bool = False
    joined: bool = False  # drawn as one grid with the table before it (no gap)
    ruled: bool = True  # False for a borderless "fields" table (label: value lines)
    keep: tuple[int, ...] = ()  # rows that stay on the page of the row after them (kept_rows)
    page_starts: tuple[int, ...] = ()  # rows the PDF starts a page with (merges are cut there)
    compact: bool = False  # a budget table: 10 pt text (style.css table.budget), not 10.5

    @property
    def col_count(self) -> int:
        """Number of grid columns."""
        return len(self.widths)

    def grid(self) -> list[list[Optional[Cell]]]:
        """Row × column matrix; a merged area holds its anchor cell in every slot."""
        matrix: list[list[Optional[Cell]]] = [[None] * self.col_count for _ in range(self.row_count)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    matrix[r][c] = cell
        return matrix


Block = Union[Paragraph, Table]


@dataclass
class Section:
    """A run of pages with one orientation; one sheet in the XLSX."""

    orientation: str
    sheet: str
    blocks: list[Block] = field(default_factory=list)
    front: bool = False  # cover or contents: no page number
    starts_with_front: bool = False  # a sheet that opens with the cover (XLSX grouping)
    # the section's classes: "modern" (the modern edition's sizes and margins), "nofolio"
    # (no page number), "plain" (contents without leaders and page numbers)
    classes: tuple[str, ...] = ()


@dataclass
class Document:
    """The whole document as the writers see it."""

    title: str
    author: str
    sample: bool
    sections: list[Section]
    draft: bool = False  # a draft record: 草稿 on every page


def _text(node) -> str:
    return _SPACE.sub(" ", node.text_content()).strip()


def _runs(node) -> list[Run]:
    runs: list[Run] = []
    if node.text:
        runs.append(Run(node.text))
    for child in node:
        if child.tag not in ("b", "strong", "span", "a"):
            raise RenderError(f"layout: <{child.tag}> is not allowed inside <{node.tag}>")
        text = child.text_content()
        if child.tag == "span" and "unit" in _classes(child):
            text = "\t" + text  # right-aligned part of a caption line (单位：元)
        runs.append(Run(text, bold=child.tag in ("b", "strong")))
        if child.tail:
            runs.append(Run(child.tail))
    merged: list[Run] = []
    for run in runs:
        text = "\t".join(_SPACE.sub(" ", part) for part in run.text.split("\t"))
        if merged and merged[-1].bold == run.bold:
            merged[-1] = Run(merged[-1].text + text, run.bold)
        else:
            merged.append(Run(text, run.bold))
    if merged:
        merged[0].text = merged[0].text.lstrip()
        merged[-1].text = merged[-1].text.rstrip()
    return [r for r in merged if r.text]


def _classes(node) -> tuple[str, ...]:
    return tuple((node.get("class") or "").split())


def _width(col) -> float:
    match = re.search(r"width:\s*([\d.]+)%", col.get("style") or "")
    if not match:
        raise RenderError("layout: every <col> needs style='width: N%'")
    return float(match.group(1))


def grid(rows: list) -> list[tuple[object, int, int, int, int]]:
    """Where each cell of an HTML table's rows (``<tr>`` elements) sits once the cells
    spanning into its row are placed: ``(cell, row, column, rowspan, colspan)``, in
    document order.  Children other than ``<td>``/``<th>`` are skipped; two cells
    covering one place are an error."""
    occupied: set[tuple[int, int]] = set()
    placed = []
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            while (r, c) in occupied:
                c += 1
            rowspan, colspan = int(cell.get("rowspan", "1")), int(cell.get("colspan", "1"))
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    if (rr, cc) in occupied:
                        raise RenderError(f"layout: overlapping cells at row {rr + 1}, column {cc + 1}")
                    occupied.add((rr, cc))
            placed.append((cell, r, c, rowspan, colspan))
            c += colspan
    return placed


KEEP = "keep"  # a label row the template keeps with the row after it
KEEP_NEXT = "keep-next"  # a row pagination keeps with the row after it (see :func:`kept_rows`)
CONTINUED = "continued"  # the rest of a text row broken across pages (budgetdocs.paginate)


def header_row(tr) -> bool:
    """A header or label row: a repeated header row (``thead``), a row the template marks
    ``keep`` (分解目标, 一级指标/二级指标…, 子项目名称/预算金额), or a row of header cells only
    (a budget table's column headings)."""
    if tr.getparent() is not None and tr.getparent().tag == "thead":
        return True
    if KEEP in _classes(tr):
        return True
    cells = [cell for cell in tr if cell.tag in ("td", "th")]
    return bool(cells) and all(cell.tag == "th" for cell in cells) and CONTINUED not in _classes(tr)


def kept_rows(rows: list) -> set[int]:
    """The rows of a table (its ``<tr>`` elements) that stay on the page of the row after
    them, so that no page ends with a header or label row and fewer than two rows under it:
    every header or label row of the body that has a row after it, and the first row under
    a run of them when two rows or more follow before the next header row or the table's
    end (the two halves of a row broken across pages count once: the first half is never
    kept with its rest).  The repeated header rows of a ``thead`` are left to the writers
    (the PDF and Word repeat them on every page)."""
    heads = [header_row(tr) for tr in rows]
    kept: set[int] = set()
    r = 0
    while r < len(rows):
        if not heads[r]:
            r += 1
            continue
        start = r
        while r < len(rows) and heads[r]:
            r += 1
        if r == len(rows):
            break  # header rows that end the table head nothing
        kept.update(i for i in range(start, r) if rows[i].getparent().tag != "thead")
        end = next((i for i in range(r + 1, len(rows)) if heads[i]), len(rows))
        under = [i for i in range(r, end) if CONTINUED not in _classes(rows[i])]
        if len(under) >= 2 and CONTINUED not in _classes(rows[r + 1]):
            kept.add(r)
    return kept


def _table(node) -> Table:
    widths = [_width(col) for col in node.iter("col")]
    if not widths:
        raise RenderError("layout: a table needs a <colgroup> with its column widths")
    rows = []
    keep = []
    starts = []
    header_rows = 0
    for part in node:
        if part.tag == "colgroup":
            continue
        if part.tag not in ("thead", "tbody"):
            raise RenderError(f"layout: <{part.tag}> is not allowed in a table")
        for tr in part:
            if KEEP in _classes(tr) or KEEP_NEXT in _classes(tr):
                keep.append(len(rows))
            if "page-start" in _classes(tr):
                starts.append(len(rows))
            rows.append(tr)
            if part.tag == "thead":
                header_rows += 1
    for tr in rows:
        for td in tr:
            if td.tag not in ("td", "th"):
                raise RenderError(f"layout: <{td.tag}> is not allowed in a row")
    placed = grid(rows)
    keep = sorted(set(keep) | kept_rows(rows))
    occupied = {(rr, cc) for _, r, c, rowspan, colspan in placed for rr in range(r, r + rowspan) for cc in range(c, c + colspan)}
    cells = []
    for td, r, c, rowspan, colspan in placed:
        if c + colspan > len(widths) or r + rowspan > len(rows):
            raise RenderError(f"layout: a cell in row {r + 1} runs past the table ({_text(td)[:20]})")
        paras = [_text(p) for p in td if p.tag == "p"]
        if not paras:
            paras = [_text(td)] if _text(td) else []
        value = td.get("data-value")
        cells.append(
            Cell(
                row=r,
                col=c,
                rowspan=rowspan,
                colspan=colspan,
                paragraphs=paras,
                header=td.tag == "th",
                classes=_classes(td),
                value=Decimal(value) if value not in (None, "") else None,
                number_format=td.get("data-format") or None,
            )
        )
    for r in range(len(rows)):
        missing = [c for c in range(len(widths)) if (r, c) not in occupied]
        if missing:
            raise RenderError(f"layout: row {r + 1} of a table leaves columns {missing} empty")
    classes = _classes(node)
    return Table(
        widths,
        cells,
        len(rows),
        header_rows,
        page_break_before="new-page" in classes,
        joined="joined" in classes,
        ruled="fields" not in classes,
        keep=tuple(keep),
        page_starts=tuple(starts),
        compact="budget" in classes,
    )


def parse(html: str) -> Document:
    """Parse the layout HTML of a document into its tree."""
    root = lxml_html.document_fromstring(html)
    if root.get("lang") != "zh-CN":
        raise RenderError('layout: <html lang="zh-CN"> is required')
    title = root.findtext(".//title") or ""
    author_meta = root.find(".//meta[@name='author']")
    author = author_meta.get("content", "") if author_meta is not None else ""
    sections = []
    for node in root.body:
        if node.tag != "section":
            raise RenderError(f"layout: <{node.tag}> outside a <section>")
        classes = _classes(node)
        section = Section(
            "landscape" if "landscape" in classes else "portrait",
            node.get("data-sheet") or "",
            front="cover" in classes or "toc" in classes,
            classes=classes,
        )
        for child in node:
            if child.tag in ("h1", "h2", "h3", "p"):
                kind = child.tag if child.tag != "p" else (_classes(child) or ("body",))[0]
                link = child.find("a")
                target = link.get("href", "")[1:] if kind == "toc" and link is not None else None
                section.blocks.append(
                    Paragraph(kind, _runs(child), "new-page" in _classes(child), _classes(child), target, child.get("id"))
                )
            elif child.tag == "table":
                section.blocks.append(_table(child))
            else:
                raise RenderError(f"layout: <{child.tag}> is not allowed in a section")
        sections.append(section)
    sample = any(
        isinstance(b, Paragraph) and b.kind == "sample" for s in sections for b in s.blocks
    )
    draft = root.find(".//meta[@name='draft']") is not None
    return Document(title, author, sample, sections, draft)
