"""The pages as a careful reader checks them, on WeasyPrint's page boxes, for every
document of the repository (laid out once a test session, see :func:`repository`).

A part is laid out exactly as the PDF writer lays it out (``pdfparts.layout_part``);
:func:`facts` reads off its page boxes which pages each table row is on and how much of
each page is left blank at its foot.  :func:`problems` lists, for a part:

- a row on two pages (an indicator's name and its value apart);
- a page that ends with a header or label row (a repeated ``thead``, 分解目标,
  一级指标/二级指标…, a budget table's column headings) and fewer than two of the rows
  under it — all of them when they are fewer — while the table goes on on the next page
  (the two halves of a row broken across pages count as one row);
- a page more than a third blank before a table that goes on on the next page (the
  issue asks for half; the pages it names were 49.5 % blank).

:func:`stranded` applies the same rule to any pagination of a table's rows: the DOCX's
and the XLSX's.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lxml import html as lxml_html

from budgetdocs.writers.paginate import HEAD, ROW, TABLE, _descendants, _rows
from budgetdocs.writers.tree import CONTINUED, header_row

REPO = Path(__file__).resolve().parents[1]
BLANK = 1 / 3  # a page before a table that goes on is never more blank than this (issue 18: half)
# every document of the repository: (project folder, year), as `render --year Y --all` in the
# folder renders them (the examples as from copies of their folders: nothing is written here)
PROJECTS = [(REPO, 2017), (REPO, 2019), (REPO, 2020), (REPO, 2023),
            (REPO / "examples" / "putuo-区政府办公室", 2025), (REPO / "examples" / "putuo-区政府办公室单位", 2025),
            (REPO / "examples" / "putuo-万里街道", 2024)]


def _classes(element) -> list[str]:
    return (element.get("class") or "").split()


@dataclass
class Facts:
    """What a part's page boxes show: (table, row) → the pages the row is on (repeated
    header rows left out), and per page the share of its content area blank at its foot."""

    rows: dict[tuple[int, int], list[int]]
    blank: list[float]


def facts(document) -> Facts:
    """Read :class:`Facts` off a laid-out WeasyPrint document."""
    seen: dict[tuple[int, int], list[int]] = {}
    blank = []
    for number, page in enumerate(document.pages):
        box = page._page_box
        top = box.content_box_y()
        bottom = top
        for child in _descendants(box):
            name = type(child).__name__
            if name in ("LineBox", "TableRowBox", "TableBox"):
                bottom = max(bottom, child.position_y + child.margin_height())
            element = getattr(child, "element", None)
            if name == "TableRowBox" and element is not None and element.get(ROW) is not None and not element.get(HEAD):
                key = (int(element.get(TABLE)), int(element.get(ROW)))
                if number not in seen.setdefault(key, []):
                    seen[key].append(number)
        blank.append((top + box.height - bottom) / box.height)
    return Facts(seen, blank)


def stranded(rows: list, pages: list, has_head: bool = False) -> list[int]:
    """Where a table's pages end stranded: the indices of the header or label rows (-1 for
    a repeated ``thead``) that end a page with fewer than two of the rows under them (all of
    them, when fewer) while the table goes on.  ``rows`` are the table's body rows
    (``<tr>``), ``pages`` the page each starts on (None: not laid out).  The rows under a
    header are those to the next header row or the table's end; the two parts of a row
    broken across pages are one row, and its first part fills the page it ends."""
    found = []
    heads = [header_row(tr) for tr in rows]
    laid = [p for p in pages if p is not None]
    for page in sorted(set(laid))[:-1]:  # (on its last page a table has all its rows)
        on = [i for i, p in enumerate(pages) if p == page]
        header = next((i for i in reversed(on) if heads[i]), None)
        if header is None and not has_head:
            continue
        start = on[0] if header is None else header + 1  # a repeated thead heads the page
        end = next((i for i in range(start, len(rows)) if heads[i]), len(rows))
        under = [i for i in range(start, end) if CONTINUED not in _classes(rows[i])]
        here = [i for i in under if pages[i] == page]
        # a row broken across pages fills the page: a header above its first part is not alone
        broken = bool(here) and here[-1] + 1 < len(rows) and CONTINUED in _classes(rows[here[-1] + 1])
        if len(here) < min(2, len(under)) and not broken:
            found.append(-1 if header is None else header)
    return found


def problems(html: str, laid: Facts, where: str = "") -> list[str]:
    """What a reader would find wrong on the pages of a laid-out part (see the module)."""
    root = lxml_html.document_fromstring(html)
    found = []
    last_page: dict[int, int] = {}
    for t, table in enumerate(root.iter("table")):
        every = _rows(table)
        body = [(r, tr) for r, tr in enumerate(every) if not tr.get(HEAD)]
        on = [laid.rows.get((t, r)) for r, _tr in body]
        pages = [p[0] if p else None for p in on]
        if any(pages):
            last_page[t] = max(p[-1] for p in on if p)
        for (r, tr), p in zip(body, on):
            if p and len(p) > 1:
                found.append(f"{where}: table {t} row {r} runs over pages {p}: {tr.text_content().strip()[:30]}")
        has_head = len(body) < len(every)
        for index in stranded([tr for _r, tr in body], pages, has_head):
            what = "its repeated header" if index < 0 else f"“{body[index][1].text_content().strip()[:20]}”"
            found.append(f"{where}: table {t} leaves {what} at the foot of a page with too few rows under it")
        for index, ((r, tr), page) in enumerate(zip(body, pages)):
            if page is None or page == 0 or laid.blank[page - 1] <= BLANK:
                continue
            goes_on = any(p is not None and p < page for p in pages[:index])
            joined = index == 0 and "joined" in _classes(table) and last_page.get(t - 1) == page - 1
            if goes_on or joined:
                found.append(f"{where}: page {page - 1} is {laid.blank[page - 1]:.0%} blank before table {t} goes on")
                break
    return found


def case_name(root: Path, year: int) -> str:
    """A project of :data:`PROJECTS` as a test id: ``data-2023``, ``putuo-万里街道-2024``."""
    return f"{'data' if root == REPO else root.name}-{year}"


CASES = [case_name(root, year) for root, year in PROJECTS]


@dataclass
class Laid:
    """One document of the repository as the PDF writer lays it out."""

    case: str  # the project and year it is rendered from (:func:`case_name`)
    name: str  # year/unit/document
    html: str  # the document's layout HTML as the DOCX and XLSX writers get it
    parts: list  # (part name, final part HTML, Facts) of each part holding a table


def _documents():
    from budgetdocs.build import Project, documents, plan

    for root, year in PROJECTS:
        project = Project.at(root)
        for doc in documents(project, plan(project, year, [], True)):
            yield case_name(root, year), f"{year}/{doc.folder.name}/{doc.stem}", doc.html


def _lay_out(item: tuple[str, int, str]):
    name, index, part_html = item
    from budgetdocs.layout.html import BUILTIN_TEMPLATES
    from budgetdocs.writers.pdfparts import layout_part

    final, document = layout_part(part_html, [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)
    return name, index, final, facts(document)


@functools.lru_cache(maxsize=None)
def repository() -> tuple[Laid, ...]:
    """Every document of the repository laid out as the PDF writer lays it out, once a
    session (two worker processes, about 15 s): ``render --year Y --all`` for every year
    of ``data/`` and for each Putuo example."""
    from budgetdocs.writers.paginate import body_of
    from budgetdocs.writers.pdfparts import split

    docs = []
    work = []
    for case, name, html in _documents():
        _head, parts = split(html)
        docs.append((case, name, html, parts))
        work += [(name, part.index, part.html) for part in parts if "<table" in part.html and not part.is_toc]
    results: dict[tuple[str, int], tuple[str, Facts]] = {}
    with ProcessPoolExecutor(min(2, os.cpu_count() or 1)) as pool:
        for name, index, final, laid in pool.map(_lay_out, sorted(work, key=lambda w: -len(w[2])), chunksize=1):
            results[(name, index)] = (final, laid)
    laid_out = []
    for case, name, html, parts in docs:
        head = html[: html.index("<body>") + len("<body>")]
        body = "".join(body_of(results[(name, p.index)][0] if (name, p.index) in results else p.html) for p in parts)
        laid_out.append(Laid(case, name, f"{head}{body}</body></html>",
                             [(f"{name}#{p.index}", *results[(name, p.index)]) for p in parts if (name, p.index) in results]))
    return tuple(laid_out)


def document_parts(year: int, unit: str) -> list:
    """The parts holding a table of one unit's last document in the repository data (its
    forms): ``pdfparts.Part`` objects, not laid out."""
    from budgetdocs.build import Project, documents, plan
    from budgetdocs.writers.pdfparts import split

    project = Project.at(REPO)
    doc = documents(project, plan(project, year, [unit], False))[-1]
    return [part for part in split(doc.html)[1] if "<table" in part.html and not part.is_toc]


SENTENCE = "推进业务流程标准化建设，提高服务质量和群众满意度，"  # 25 characters


def variants():
    """Forms with rows of other heights than the repository's: (name, part HTML).  A 2019
    form (three-column 分解目标) whose 年度绩效目标 takes 1 to 41 lines (a page), so that
    its 分解目标 header rows meet every place of a page foot; a 2023 form whose 年度总体目标
    takes 2 to 74 lines, from a short row to one taller than a page."""
    from budgetdocs.build import Project, form_documents, plan
    from budgetdocs.layout.html import make_environment, render_html
    from budgetdocs.writers.pdfparts import split

    project = Project.at(REPO)
    env = make_environment(None)
    for year, unit, field, lines, per_line in ((2019, "社保中心", "annual_goal", range(1, 45, 4), 35),
                                               (2023, "人社局", "annual_goal", range(2, 81, 12), 17)):
        unit_obj, forms = plan(project, year, [unit], False).units[0]
        for count in lines:
            text = (SENTENCE * (count * per_line // len(SENTENCE) + 1))[: count * per_line - 1] + "。"
            form = dataclasses.replace(forms[0], form=forms[0].form.model_copy(update={field: text}))
            (_stem, context), = form_documents(year, unit_obj, [form])
            html = render_html(env, "forms.html.j2", **context)
            for part in split(html)[1]:
                if "<table" in part.html:
                    yield f"{year} {unit} {field} {count} lines", part.html


def lay_out_variant(item: tuple[str, str]):
    """(name, final HTML, Facts) of one of :func:`variants`."""
    name, html = item
    _name, _index, final, laid = _lay_out((name, 0, html))
    return name, final, laid


def must_keep(rows: list) -> set[int]:
    """The rows of a table (``<tr>``) a word processor or spreadsheet must keep with the
    row after them for no page to strand a header: every header or label row of the body
    with a row after it, and the first row under a run of them when two rows or more
    follow before the next header row or the table's end (the two halves of a row broken
    across pages count once, and are never kept together: a page starts between them)."""
    heads = [header_row(tr) for tr in rows]
    keep = set()
    for i, tr in enumerate(rows[:-1]):
        if heads[i]:
            if tr.getparent().tag != "thead":
                keep.add(i)
        elif i and heads[i - 1] and CONTINUED not in _classes(rows[i + 1]):
            end = next((j for j in range(i + 1, len(rows)) if heads[j]), len(rows))
            if len([j for j in range(i, end) if CONTINUED not in _classes(rows[j])]) >= 2:
                keep.add(i)
    return keep


def tables_of(doc: Laid):
    """(layout HTML rows, tree table) of every table of a document, in order."""
    from budgetdocs.writers.tree import Table, parse

    tree = parse(doc.html)
    tables = [block for section in tree.sections for block in section.blocks if isinstance(block, Table)]
    html_tables = list(lxml_html.document_fromstring(doc.html).iter("table"))
    assert len(tables) == len(html_tables), doc.name
    return tree, [(_rows(h), t) for h, t in zip(html_tables, tables)]
