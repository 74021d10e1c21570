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

No row is stranded at a page foot, and no page is left half blank before a table
that goes on:

- a header or label row keeps with the row after it, and the first row under a run
  of them with the second (``keep-next``, :func:`budgetdocs.writers.tree.kept_rows`):
  the rows a header heads start on its page two at a time, or all of them when they
  are fewer;
- a text row that does not fit the rest of a page is broken there rather than moved
  whole (:func:`rows_to_break`), when it is taller than a third of a page and moving it
  would leave a quarter of the page blank (or a third of it, whatever its height), or
  when it is taller than a page: its text cells are cut at a line end into two rows, the
  second starting the next page (``continued``), and its labels and amounts merged over
  both, so that the labels are repeated on the next page as any merge a break cuts.
  The first part holds three lines at least, the rest two.  The rows are broken in the
  part before its merges are cut, one a section a lay-out (a break moves what follows
  it), and the cutting starts again from the new lay-out (:func:`.pdfparts.layout_part`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Iterable, Optional

from lxml import html as lxml_html

from .tree import CONTINUED, KEEP, KEEP_NEXT, grid, kept_rows

TABLE = "data-bd-t"  # table number within the part
ROW = "data-bd-r"  # row number within its table (thead rows included)
HEAD = "data-bd-h"  # a repeated header row
# A row breaks across pages (its text cut into two rows) only
TALL = 1 / 3  # when taller than this share of a page and
BLANK = 1 / 4  # moving it whole leaves this share of the page before blank,
HALF = 1 / 3  # or moving it leaves this share blank (whatever its height),
MIN_LINES = 3  # with this many lines at least on the first page
MIN_REST = 2  # and this many on the next (a long cell's; a short one may move whole)
SAFETY = 2.0  # CSS px kept free at the page foot: the estimate of the first row's height


def mark(html: str) -> str:
    """Number every table and row of a part, so that the layout can be read back, and
    mark the rows that keep with the next (``keep-next``, see :func:`.tree.kept_rows`)."""
    root = lxml_html.document_fromstring(html)
    for t, table in enumerate(root.iter("table")):
        table.set(TABLE, str(t))
        rows = _rows(table)
        for r, row in enumerate(rows):
            row.set(TABLE, str(t))
            row.set(ROW, str(r))
            if row.getparent().tag == "thead":
                row.set(HEAD, "1")
            _set_class(row, KEEP_NEXT, False)
        for r in kept_rows(rows):
            if KEEP not in _classes(rows[r]):
                _set_class(rows[r], KEEP_NEXT, True)
    return lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


def _classes(element) -> list[str]:
    return (element.get("class") or "").split()


def _set_class(element, name: str, on: bool) -> None:
    classes = [c for c in _classes(element) if c != name] + ([name] if on else [])
    if classes:
        element.set("class", " ".join(classes))
    elif "class" in element.attrib:
        del element.attrib["class"]


def _rows(table) -> list:
    return [tr for group in table if group.tag in ("thead", "tbody") for tr in group if tr.tag == "tr"]


def page_breaks(document) -> dict[int, list[int]]:
    """Per table number, the body rows that start a page after the table's first page."""
    first_page = {key: fragments[0].page for key, fragments in _row_fragments(document).items()}
    table_start: dict[int, int] = {}
    for (t, _r), number in first_page.items():
        table_start[t] = min(number, table_start.get(t, number))
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


def has_body_rowspans(html: str) -> bool:
    """True when a body row of a table of the part holds a merged cell (a page break
    could cut it); a quick test on the marked HTML, before any lay-out."""
    root = lxml_html.document_fromstring(html)
    return any(int(cell.get("rowspan", "1") or 1) > 1 for body in root.iter("tbody") for cell in body.iter("td", "th"))


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


# --- rows that break across pages -------------------------------------------------


@dataclass
class _Fragment:
    """A row's box on one page."""

    page: int
    box: object


def _row_fragments(document) -> dict[tuple[int, int], list[_Fragment]]:
    """(table, row) → the row's boxes, page by page (repeated header rows left out)."""
    found: dict[tuple[int, int], list[_Fragment]] = {}
    for number, page in enumerate(document.pages):
        for box in _descendants(page._page_box):
            element = getattr(box, "element", None)
            if element is None or type(box).__name__ != "TableRowBox":
                continue
            t, r = element.get(TABLE), element.get(ROW)
            if t is None or r is None or element.get(HEAD):
                continue
            found.setdefault((int(t), int(r)), []).append(_Fragment(number, box))
    return found


def _page_area(page) -> tuple[float, float]:
    """(top, bottom) of a page's content area, in CSS px."""
    box = page._page_box
    top = box.content_box_y()
    return top, top + box.height


def _bottom(box) -> float:
    return box.position_y + box.height


@dataclass
class _Line:
    """A line of a text cell: the paragraph it belongs to and its characters (not spaces)."""

    paragraph: int
    chars: int
    bottom: Optional[float]  # below the cell's content top, None on a later page


def _cell_lines(cells: list, paragraphs: list) -> list[_Line]:
    """The lines of one cell's boxes (its fragments on successive pages, the first one's
    positions kept), each with its paragraph (an index into ``paragraphs``, the ``<p>``
    elements of the cell, or the cell itself)."""
    lines = []
    for index, cell in enumerate(cells):
        top = cell.content_box_y()
        stack = [(child, cell.element) for child in reversed(cell.children)]
        while stack:
            box, owner = stack.pop()
            if type(box).__name__ == "LineBox":
                text = "".join(getattr(b, "text", "") for b in _descendants(box) if type(b).__name__ == "TextBox")
                chars = sum(1 for ch in text if not ch.isspace())
                paragraph = next((i for i, p in enumerate(paragraphs) if p is owner), 0)
                lines.append(_Line(paragraph, chars, _bottom(box) - top if index == 0 else None))
                continue
            element = getattr(box, "element", None)
            if element is not None and any(p is element for p in paragraphs):
                owner = element
            stack.extend((child, owner) for child in reversed(getattr(box, "children", []) or []))
    return [line for line in lines if line.chars]


def _cut_cell(lines: list[_Line], room: float) -> Optional[int]:
    """How many of a cell's lines go on the first page: those that fit ``room``; None when
    all of them do.  The rest are never one line alone."""
    fits = 0
    while fits < len(lines) and lines[fits].bottom is not None and lines[fits].bottom <= room:
        fits += 1
    if fits == len(lines):
        return None
    return max(0, min(fits, len(lines) - MIN_REST))


def _break_plan(fragments: list[_Fragment], room: float) -> Optional[dict[int, tuple[int, int]]]:
    """Where to cut a row's text cells so that its first part is ``room`` px high at most:
    column → (paragraph, characters before the cut in it), for every text cell that does
    not fit; None when the row cannot be broken there (no text cell, or too few lines
    on either side)."""
    first = fragments[0].box
    if not first.children:
        return None  # (every column of the row merged from above)
    cells = {cell.grid_x: [cell] for cell in first.children}
    for fragment in fragments[1:]:
        for cell in fragment.box.children:
            cells.setdefault(cell.grid_x, []).append(cell)
    # what a cell adds to its text: its padding as the stylesheet sets it (a box's has the
    # padding that centres a shorter cell, and none at the foot of a page it runs over)
    # and its rules (the top one, twice: the bottom one of a split row is not drawn)
    padding = max(_padding(c, "top") + _padding(c, "bottom") for c in first.children)
    rules = 2 * max(c.border_top_width for c in first.children)
    room -= padding + rules
    plan: dict[int, tuple[int, int]] = {}
    longest = (0, 0)  # (lines, lines on the first page) of the longest cell cut
    for col, boxes in sorted(cells.items()):
        element = boxes[0].element
        if not _text_cell(element) or boxes[0].rowspan != 1:
            continue
        paragraphs = [child for child in element if child.tag == "p"] or [element]
        lines = _cell_lines(boxes, paragraphs)
        keep = _cut_cell(lines, room)
        if keep is None:
            continue
        longest = max(longest, (len(lines), keep))
        if keep == 0:
            plan[col] = (0, 0)
            continue
        paragraph = lines[keep].paragraph
        plan[col] = (paragraph, sum(line.chars for line in lines[:keep] if line.paragraph == paragraph))
    if not plan or longest[1] < MIN_LINES:
        return None
    return plan


def _padding(cell, side: str) -> float:
    """A cell's padding on ``side`` (top, bottom) as the stylesheet sets it, in CSS px."""
    value = cell.style[f"padding_{side}"]
    return value.value if getattr(value, "unit", None) == "px" else getattr(cell, f"padding_{side}")


def _text_cell(element) -> bool:
    """A cell whose text breaks with its row (not a label, an amount or a centred merge)."""
    classes = (element.get("class") or "").split()
    return element.tag == "td" and "num" not in classes and "center" not in classes


def rows_to_break(document, html: str) -> dict[tuple[int, int], dict[int, tuple[int, int]]]:
    """The rows of a laid-out part to break across pages, and where: (table, row) →
    :func:`_break_plan`'s cut.  At most one a section (each starts a page; a break moves
    what follows it), the first its lay-out needs."""
    root = lxml_html.document_fromstring(html)
    section_of = {}
    for t, table in enumerate(root.iter("table")):
        section = next((a for a in table.iterancestors() if a.tag == "section"), None)
        section_of[t] = id(section)
    rows_of = {t: _rows(table) for t, table in enumerate(root.iter("table"))}
    fragments = _row_fragments(document)
    height = {n: _page_area(page)[1] - _page_area(page)[0] for n, page in enumerate(document.pages)}
    found: dict[tuple[int, int], dict[int, tuple[int, int]]] = {}
    sections_done: set[int] = set()
    order = sorted(fragments.items(), key=lambda item: (item[1][0].page, item[0]))
    for (t, r), pieces in order:
        if section_of.get(t) in sections_done or (t, r - 1) not in fragments:
            continue
        before = fragments[(t, r - 1)][-1]
        plan = None
        if before.page < pieces[0].page and not (CONTINUED in _classes(rows_of[t][r]) and before.page == pieces[0].page - 1):
            plan = _moved(document, fragments, rows_of[t], t, r, before, height[before.page])
        if plan is None and len(pieces) > 1:
            # the row runs onto the next page (it is taller than a page): cut it where it does
            bottom = _page_area(document.pages[pieces[0].page])[1]
            cut = _break_plan(pieces, bottom - pieces[0].box.position_y - SAFETY)
            plan = (r, cut) if cut else None
        if plan is None:
            continue
        found[(t, plan[0])] = plan[1]
        sections_done.add(section_of.get(t))
    return found


def _moved(document, fragments, rows, t: int, r: int, before: _Fragment, page_height: float):
    """(row, cut) when row ``r`` starts a page and the page before is left blank at its
    foot because a text row (``r`` or one kept with it) did not fit there, and that row
    is tall or the blank is half the page; else None."""
    first_page = fragments[(t, r)][0].page
    bottom = _page_area(document.pages[before.page])[1]
    end = _bottom(before.box)
    blank = (bottom - end) / page_height
    if blank < BLANK:
        return None
    used = end
    for k in range(r, len(rows)):
        pieces = fragments.get((t, k))
        if pieces is None or pieces[0].page != first_page:
            return None
        if used + pieces[0].box.height <= bottom - SAFETY:
            used += pieces[0].box.height
            continue
        tall = sum(piece.box.height for piece in pieces) > TALL * page_height
        if not tall and blank <= HALF:
            return None
        cut = _break_plan(pieces, bottom - used - SAFETY)
        return (k, cut) if cut else None
    return None


JOIN = "data-bd-join"  # on a continued cell: its first paragraph goes on from the cell above


def break_rows(html: str, plans: dict[tuple[int, int], dict[int, tuple[int, int]]]) -> str:
    """Break each planned row into two rows: the text cells' first lines in the first,
    the rest in the second (``continued``: it starts a page); the row's labels and
    amounts, and the merges crossing it, span both (a page break then repeats them).
    A row that is already the first part of a broken row (it did not fit the page
    before either) gives its rest to the row that continues it."""
    if not plans:
        return html
    root = lxml_html.document_fromstring(html)
    tables = list(root.iter("table"))
    for (t, r), plan in sorted(plans.items(), key=lambda item: (item[0][0], -item[0][1])):
        rows = _rows(tables[t])
        row = rows[r]
        after = rows[r + 1] if r + 1 < len(rows) and CONTINUED in _classes(rows[r + 1]) else None
        rest = after
        if rest is None:
            rest = row.makeelement("tr", {k: v for k, v in row.attrib.items() if not k.startswith("data-bd-")})
            for name in ("page-start", KEEP, KEEP_NEXT):
                _set_class(rest, name, False)
            _set_class(rest, CONTINUED, True)
            rest.set("style", "break-before: page")  # (in the layout, not the stylesheet a user may replace)
        grid_now = _grid(rows)
        going_on = {a.col: a.element for a in grid_now if a.row == r + 1} if after is not None else {}
        for anchor in grid_now:
            cell = anchor.element
            if after is None and anchor.row < r < anchor.row + anchor.rowspan:
                _set_span(cell, anchor.rowspan + 1)  # a merge crossing the row covers both parts
            elif anchor.row == r:
                if anchor.rowspan == 1 and _text_cell(cell):
                    if after is not None and anchor.col not in plan:
                        continue  # the cell fits: what goes on below it stays as it was
                    cut = plan[anchor.col] if anchor.col in plan else _whole(cell)
                    head, tail = _cut_text(cell, *cut)
                    row.replace(cell, head)
                    if cut[1]:
                        tail.set(JOIN, "1")
                    elif JOIN in tail.attrib:
                        del tail.attrib[JOIN]
                    if after is None:
                        rest.append(tail)
                    else:
                        below = going_on[anchor.col]
                        after.replace(below, _joined(tail, below))
                elif after is None:
                    _set_span(cell, anchor.rowspan + 1)
        if after is None:
            row.addnext(rest)
            rest.tail, row.tail = row.tail, None
    return mark(lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>"))


def _joined(first, second):
    """The text of cell ``first`` followed by that of cell ``second`` (the parts of one
    cell's text on two rows), as one cell with ``first``'s attributes; when ``second``
    goes on with the paragraph ``first`` ends with (``data-bd-join``), one paragraph."""
    cell = _copy(first)
    cell.tail = second.tail
    join = second.get(JOIN) is not None
    firsts = [child for child in first if child.tag == "p"]
    seconds = [_copy(child) for child in second if child.tag == "p"]
    if not firsts and not seconds:  # one paragraph each, the cells' own text
        if join or not _has_text(cell):
            _append_inline(cell, second)
        else:
            _append_inline(cell, second, separator=True)
        return cell
    if not firsts and _has_text(first):  # (a bare first part: make it a paragraph)
        paragraph = cell.makeelement("p", {})
        paragraph.text, cell.text = cell.text, None
        for child in list(cell):
            paragraph.append(child)
        cell.append(paragraph)
    if not seconds and _has_text(second):
        paragraph = second.makeelement("p", {})
        _append_inline(paragraph, second)
        seconds = [paragraph]
    existing = [child for child in cell if child.tag == "p"]
    if join and existing and seconds:
        _append_inline(existing[-1], seconds.pop(0))
    for paragraph in seconds:
        cell.append(paragraph)
    return cell


def _append_inline(target, source, separator: bool = False) -> None:
    """Append ``source``'s text and inline children to ``target``'s."""
    text = ("\n" if separator else "") + (source.text or "")
    if len(target):
        target[-1].tail = (target[-1].tail or "") + text
    else:
        target.text = (target.text or "") + text
    for child in source:
        target.append(copy.deepcopy(child))


def _whole(cell) -> tuple[int, int]:
    """A cut after all of a cell's text (the cell fits the first part: the second is empty)."""
    paragraphs = [child for child in cell if child.tag == "p"]
    return (len(paragraphs), 0) if paragraphs else (1, 0)


def _cut_text(cell, paragraph: int, chars: int):
    """Two copies of a text cell: its text before the cut (paragraph ``paragraph``, after its
    first ``chars`` characters that are not spaces) and after it."""
    head = cell.makeelement(cell.tag, dict(cell.attrib))
    tail = cell.makeelement(cell.tag, dict(cell.attrib))
    head.tail = cell.tail
    paragraphs = [child for child in cell if child.tag == "p"]
    if not paragraphs:  # the cell's text is its one paragraph
        if paragraph >= 1:
            first, second = _split_inline(cell, 10**9)
        else:
            first, second = _split_inline(cell, chars)
        for target, source in ((head, first), (tail, second)):
            target.text = source.text
            for child in list(source):
                target.append(child)
        return head, tail
    for index, p in enumerate(paragraphs):
        if index < paragraph:
            head.append(_copy(p))
        elif index > paragraph or chars == 0:
            tail.append(_copy(p))
        else:
            first, second = _split_inline(p, chars)
            if _has_text(first):
                head.append(first)
            if _has_text(second):
                tail.append(second)
    return head, tail


def _copy(element):
    twin = copy.deepcopy(element)
    twin.tail = None
    return twin


def _has_text(element) -> bool:
    return bool("".join(element.itertext()).strip())


def _split_inline(node, chars: int):
    """(first, second): copies of ``node`` with its first ``chars`` characters that are not
    spaces in the first, the rest in the second (inline children cut as needed)."""
    first = node.makeelement(node.tag, dict(node.attrib))
    second = node.makeelement(node.tag, dict(node.attrib))
    left = [chars]

    def take(text):
        if text is None:
            return None, None
        if left[0] <= 0:
            return None, text
        count = 0
        for i, ch in enumerate(text):
            if ch.isspace():
                continue
            if count == left[0]:
                left[0] = 0
                return text[:i], text[i:]
            count += 1
        left[0] -= count
        return text, None

    def add_text(parent, text):
        if not text:
            return
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + text
        else:
            parent.text = (parent.text or "") + text

    a, b = take(node.text)
    add_text(first, a)
    add_text(second, b)
    for child in node:
        if left[0] > 0:
            ca, cb = _split_inline(child, left[0])
            consumed = sum(1 for ch in "".join(child.itertext()) if not ch.isspace())
            left[0] = max(0, left[0] - consumed)
            if _has_text(ca):
                first.append(ca)
            if _has_text(cb):
                second.append(cb)
        else:
            second.append(_copy(child))
        a, b = take(child.tail)
        add_text(first, a)
        add_text(second, b)
    return first, second

