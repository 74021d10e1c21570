"""Pages as a careful reader checks them: no row split, no merged label lost at a page break.

The forms' parts are laid out exactly as the PDF writer lays them out
(``pdfparts.layout_part``); the test then reads WeasyPrint's page boxes: which
table rows landed on which page, and which cells start on which row.  On every
page, every row must carry every cell that covers it (a 一级/二级 label that
continues from the previous page is repeated), an indicator's name and value
are on one page (a row is never split), and a label row is never the last row
of a page.
"""

from __future__ import annotations

import pytest

from budgetdocs.build import Project, documents, plan
from budgetdocs.layout.html import BUILTIN_TEMPLATES
from budgetdocs.writers.paginate import HEAD, ROW, TABLE, _descendants, _grid, _rows
from budgetdocs.writers.pdfparts import layout_part, split
from conftest import DATA, REPO
from lxml import html as lxml_html

CASES = [(2023, "人社局"), (2019, "社保中心"), (2019, "咨询服务中心"), (2017, "人社局")]


def _pages(document) -> dict[tuple[int, int], list[int]]:
    """(table, row) → pages the row appears on."""
    seen: dict[tuple[int, int], list[int]] = {}
    for number, page in enumerate(document.pages):
        for box in _descendants(page._page_box):
            element = getattr(box, "element", None)
            if type(box).__name__ == "TableRowBox" and element is not None and element.get(ROW) is not None:
                if element.get(HEAD):
                    continue
                key = (int(element.get(TABLE)), int(element.get(ROW)))
                if number not in seen.setdefault(key, []):
                    seen[key].append(number)
    return seen


def _laid_out(year: int, unit: str):
    project = Project(REPO, DATA, REPO / "output")
    the_plan = plan(project, year, [unit], False)
    for doc in documents(project, the_plan):
        _, parts = split(doc.html)
        for part in parts:
            if "<table" in part.html and not part.is_toc:
                yield layout_part(part.html, [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)


@pytest.mark.parametrize("year,unit", CASES, ids=[f"{y}-{u}" for y, u in CASES])
def test_no_row_or_label_lost_at_a_page_break(year, unit):
    checked = 0
    for html, document in _laid_out(year, unit):
        pages = _pages(document)
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
    assert checked > 20


def test_a_long_form_continues_with_its_labels():
    """The 2023 汇总表 has forms longer than a page: their continuation pages repeat the labels."""
    repeated = 0
    for html, document in _laid_out(2023, "人社局"):
        if len(document.pages) > 1:
            root = lxml_html.document_fromstring(html)
            labels = [c.text_content() for c in root.iter("th") if c.text_content() in ("绩效指标", "产出指标")]
            repeated += max(0, labels.count("绩效指标") - sum(1 for _ in root.iter("h1")))
    assert repeated > 0


def test_the_check_sees_a_lost_label(monkeypatch):
    """Without the repetition (WeasyPrint's own rowspan handling) the check above fails."""
    from budgetdocs.writers import paginate

    monkeypatch.setattr(paginate, "split_rowspans", lambda html, breaks: html)
    with pytest.raises(AssertionError, match="without being repeated"):
        test_no_row_or_label_lost_at_a_page_break(2023, "人社局")


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
