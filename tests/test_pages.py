"""Pages as a careful reader checks them: no row split, no merged label lost at a page
break, no header or label row stranded at a page foot, no page left a third blank before
a table that goes on.

Every document of the repository (``render --year Y --all`` for every year of the data,
and the Putuo examples) is laid out once a session exactly as the PDF writer lays it out
(``pdfparts.layout_part``, see ``pagecheck.repository``); the tests read WeasyPrint's
page boxes: which table rows landed on which page, which cells start on which row, and
how much of each page is left blank.  On every page, every row must carry every cell
that covers it (a 一级/二级 label that continues from the previous page is repeated), an
indicator's name and value are on one page (a row is never split), no page ends with a
header or label row and fewer than two of the rows under it, and no page is more than a
third blank before a table that goes on (a tall text row is broken across the pages
instead, its labels repeated).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

import pagecheck
from conftest import DATA
from budgetdocs.layout.html import BUILTIN_TEMPLATES
from budgetdocs.writers.paginate import HEAD, _descendants, _grid, _rows
from budgetdocs.writers.pdfparts import layout_part
from budgetdocs.writers.tree import CONTINUED
from lxml import html as lxml_html

CASES = pagecheck.CASES


def _parts(case: str):
    """(name, final HTML, page facts) of the parts holding a table of one case's documents."""
    for doc in pagecheck.repository():
        if doc.case == case:
            yield from doc.parts


def check_rows_and_labels(html: str, laid: pagecheck.Facts) -> int:
    """Assert that no row is split over pages, no label row ends a page and every merged
    cell is on every page of the rows it covers; return how many rows were checked."""
    pages = laid.rows
    checked = 0
    root = lxml_html.document_fromstring(html)
    for t, table in enumerate(root.iter("table")):
        rows = _rows(table)
        for r, tr in enumerate(rows):
            on = pages.get((t, r))
            if on is None or tr.get(HEAD):
                continue
            checked += 1
            # a row (an indicator's name and its value) is never split over two pages
            assert len(on) == 1, f"table {t} row {r} split over pages {on}: {tr.text_content()[:40]}"
            # a label row (一级指标/二级指标…, 子项目 header) is never the last row on its page
            if "keep" in (tr.get("class") or "").split() and r + 1 < len(rows) and (t, r + 1) in pages:
                assert pages[(t, r + 1)] == on, f"label row alone at a page foot: {tr.text_content()[:40]}"
        # every cell covering a row starts on that row's page: merged labels are repeated
        for anchor in _grid(rows):
            if anchor.rowspan == 1 or anchor.element.getparent().get(HEAD):
                continue
            first = pages.get((t, anchor.row))
            for r in range(anchor.row, anchor.row + anchor.rowspan):
                assert pages.get((t, r)) == first, (
                    f"merged cell “{anchor.element.text_content()[:20]}” (rows {anchor.row}–{anchor.row + anchor.rowspan - 1}) "
                    f"runs from page {first} onto page {pages.get((t, r))} without being repeated"
                )
    return checked


@pytest.mark.parametrize("case", CASES)
def test_no_row_or_label_lost_at_a_page_break(case):
    checked = sum(check_rows_and_labels(html, laid) for _name, html, laid in _parts(case))
    assert checked > 20


@pytest.mark.parametrize("case", CASES)
def test_no_header_stranded_and_no_page_half_blank(case):
    """No page ends with a header or label row (分解目标, 一级指标…, 子项目名称, a budget
    table's headings) and fewer than two of the rows under it, and none is more than a
    third blank before a table that goes on (issue 18: 2019 社保中心 p. 2, the 2023 汇总表
    pp. 36 and 45)."""
    found = [problem for name, html, laid in _parts(case) for problem in pagecheck.problems(html, laid, name)]
    assert not found, "\n".join(found)


def test_a_long_form_continues_with_its_labels():
    """The 2023 汇总表 has forms longer than a page: their continuation pages repeat the
    labels; a long 年度总体目标 is broken across two pages (pp. 36, 45), its label
    项目绩效目标 repeated above the rest of the text."""
    repeated = broken = 0
    for name, html, laid in _parts("data-2023"):
        if "汇总表" in name and max(max(p) for p in laid.rows.values()) > 0:
            root = lxml_html.document_fromstring(html)
            labels = [c.text_content() for c in root.iter("th") if c.text_content() in ("绩效指标", "产出指标")]
            repeated += max(0, labels.count("绩效指标") - sum(1 for _ in root.iter("h1")))
            for tr in root.iter("tr"):
                if CONTINUED in (tr.get("class") or "").split():
                    broken += 1
                    assert tr[0].text_content() == "项目绩效目标", tr.text_content()[:40]
                    text = tr.getprevious()
                    assert "page-start" in tr.get("class") and len(text.text_content()) > 100
    assert repeated > 0 and broken >= 2


def _part(year: int, unit: str, index: int = 0) -> str:
    """The HTML of part ``index`` of a unit's forms (the first holding a table by default)."""
    parts = pagecheck.document_parts(year, unit)
    return next((p for p in parts if p.index == index), parts[0]).html


def test_the_check_sees_a_lost_label(monkeypatch):
    """Without the repetition (WeasyPrint's own rowspan handling) the check above fails."""
    from budgetdocs.writers import paginate

    monkeypatch.setattr(paginate, "split_rowspans", lambda html, breaks: html)
    html, document = layout_part(_part(2023, "人社局", 11), [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)
    with pytest.raises(AssertionError, match="without being repeated"):
        check_rows_and_labels(html, pagecheck.facts(document))


def test_the_check_sees_stranded_rows_and_blank_pages(monkeypatch):
    """Laid out as before issue 18 (a label row kept with one row only, a tall text row
    moved whole), 2019 社保中心 ends p. 2 with the 分解目标 header rows and one row, and
    the 2023 汇总表 leaves half of p. 36 blank: the check sees both."""
    from budgetdocs.writers import paginate
    from budgetdocs.writers.tree import KEEP

    monkeypatch.setattr(paginate, "kept_rows", lambda rows: {r for r, tr in enumerate(rows) if KEEP in (tr.get("class") or "").split()})
    monkeypatch.setattr(paginate, "rows_to_break", lambda document, html: {})
    found = []
    for year, unit, index in ((2019, "社保中心", 0), (2023, "人社局", 11)):
        html, document = layout_part(_part(year, unit, index), [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)
        found += pagecheck.problems(html, pagecheck.facts(document), f"{year} {unit}")
    assert any("2019 社保中心" in f and "分解目标" in f and "too few rows" in f for f in found), found
    assert any("2023 人社局" in f and "blank before table 0" in f for f in found), found


def test_rows_of_every_height_break_well():
    """Records other than the repository's (``pagecheck.variants``): a 2019 form whose
    年度绩效目标 takes 1 to 41 lines (the 分解目标 header rows meet every place of a page
    foot) and a 2023 form whose 年度总体目标 takes 2 to 74 lines (from a short row to one
    taller than a page): no page strands a header or is left a third blank, no row is
    split, every label is repeated."""
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(pagecheck.lay_out_variant, pagecheck.variants(), chunksize=1))
    broken = 0
    for name, html, laid in results:
        assert not pagecheck.problems(html, laid, name), pagecheck.problems(html, laid, name)
        check_rows_and_labels(html, laid)
        broken += sum(CONTINUED in (tr.get("class") or "").split() for tr in lxml_html.document_fromstring(html).iter("tr"))
    assert broken >= 6  # tall rows were met, and broken


def test_no_closing_row_or_last_item_opens_a_page_alone(tmp_path):
    """The 2017 disclosure: the 备注 row and sign-off of a form never open a page by
    themselves (the last indicator row comes along, its label repeated), and the list of
    units never leaves its last item alone on a page (its 19 units now fit one page; the
    rule is tested on lists of every length below)."""
    import subprocess

    from click.testing import CliRunner

    from budgetdocs.cli import main

    result = CliRunner().invoke(main, ["--year", "2017", "--unit", "人社局", "--data", str(DATA), "--out", str(tmp_path), "--format", "pdf"])
    assert result.exit_code == 0, result.output
    pdf = next(tmp_path.rglob("*.pdf"))
    count = int(subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.split("Pages:")[1].split()[0])
    for page in range(1, count + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("—")]
        assert not (lines and lines[0].startswith(("备注", "需要说明的其它问题"))), (page, lines[:3])
        assert not (len(lines) == 1 and "、上海市" in lines[0]), (page, lines)


def test_a_list_never_leaves_its_last_item_alone_on_a_page():
    """A 机构设置 list of any length (17 to 44 units, so that every place a page can
    break in the list is met): the last page of the list never holds its last item alone."""
    from budgetdocs.writers.pdf import layout_document

    checked = 0
    for count in range(17, 45):
        items = "".join(f'<p class="body item">{n}、上海市人力资源和社会保障局下属单位</p>' for n in range(1, count + 1))
        html = (
            '<html lang="zh-CN"><head><meta charset="utf-8"><link rel="stylesheet" href="style.css"></head><body>'
            f'<section class="text portrait"><h2>机构设置</h2><p class="body">本部门中，具体包括：</p>{items}</section></body></html>'
        )
        document = layout_document(html, [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)
        per_page = [
            sum(1 for box in _descendants(page._page_box)
                if type(box).__name__ == "BlockBox" and getattr(box, "element", None) is not None and "item" in (box.element.get("class") or ""))
            for page in document.pages
        ]
        assert per_page[-1] != 1, (count, per_page)
        checked += len(per_page) > 1
    assert checked >= 5  # lists that cross a page were met
