"""The DOCX as Word needs it: valid footers, rows that never split, contents with page numbers, one entry per form."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from budgetdocs.cli import main
from conftest import DATA
from seedtext import pdf_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docx")
    for year, unit in ((2023, "咨询服务中心"), (2023, "人社局")):
        result = CliRunner().invoke(main, ["--year", str(year), "--unit", unit, "--data", str(DATA), "--out", str(out), "--format", "pdf,docx"])
        assert result.exit_code == 0, result.output
    return out


def part(path: Path, name: str):
    return etree.fromstring(zipfile.ZipFile(path).read(name))


def test_footers_rows_and_properties(rendered):
    for path in sorted(rendered.rglob("*.docx")):
        package = zipfile.ZipFile(path)
        footers = [n for n in package.namelist() if n.startswith("word/footer")]
        assert footers
        for name in footers:
            for p in part(path, name).iter(f"{W}p"):
                ppr = p.findall(f"{W}pPr")
                assert len(ppr) <= 1 and (not ppr or p[0] is ppr[0]), f"{path.name}:{name}: pPr must be one and first"
        body = part(path, "word/document.xml")
        for row in body.iter(f"{W}tr"):
            assert row.find(f"{W}trPr/{W}cantSplit") is not None
        assert body.find(f".//{W}tblHeader") is not None or "汇总表" in path.name
        # every section break sits in a one-point paragraph: a full page never spills a blank one
        for sect in body.iter(f"{W}sectPr"):
            holder = sect.getparent().getparent()
            if holder.tag == f"{W}p":
                assert holder.find(f"{W}pPr/{W}spacing").get(f"{W}line") == "20"
                assert not "".join(holder.itertext()).strip()
        app = package.read("docProps/app.xml").decode()
        assert "<Application>budgetdocs</Application>" in app and "Microsoft" not in app
        assert "docProps/thumbnail.jpeg" not in package.namelist()


def test_contents_carry_the_pdf_page_numbers(rendered):
    folder = rendered / "2023" / "咨询服务中心"
    docx = folder / "2023年咨询服务中心单位预算.docx"
    body = part(docx, "word/document.xml")
    entries = []
    for p in body.iter(f"{W}p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(f"{W}val") == "BDTOC":
            text = "".join(t.text or "" for t in p.iter(f"{W}t"))
            assert p.find(f".//{W}tab") is not None and p.find(f"{W}pPr/{W}tabs/{W}tab").get(f"{W}leader") == "dot"
            entries.append(text)
    assert len(entries) >= 16
    # the PDF's contents lines: title, leader dots, page number
    lines = {re.sub(r"\s+", "", line) for line in pdf_text(folder / "2023年咨询服务中心单位预算.pdf").splitlines() if "...." in line}
    printed = {re.sub(r"\.{2,}", "", line) for line in lines}
    for entry in entries:
        assert entry.replace(" ", "") in printed, (entry, sorted(printed))
    # each number is a PAGEREF to a bookmark on its heading, so a reader that lays the
    # DOCX out itself (LibreOffice) or updates fields (Word) shows its own page
    bookmarks = {b.get(f"{W}name") for b in body.iter(f"{W}bookmarkStart")}
    refs = [t.text.split()[1] for t in body.iter(f"{W}instrText") if t.text.strip().startswith("PAGEREF")]
    assert len(refs) == len(entries) and set(refs) <= bookmarks
    # every table of the disclosure is ruled
    for table in body.iter(f"{W}tbl"):
        assert table.find(f"{W}tblPr/{W}tblBorders/{W}insideH").get(f"{W}val") == "single"
    assert "w:updateFields" not in zipfile.ZipFile(docx).read("word/settings.xml").decode()


def test_one_distinct_outline_entry_per_form(rendered):
    body = part(rendered / "2023" / "人社局" / "2023年度项目绩效目标汇总表.docx", "word/document.xml")
    entries = ["".join(p.itertext()) for p in body.iter(f"{W}p") if p.find(f"{W}pPr/{W}outlineLvl") is not None]
    forms = entries[1:]  # the cover title first
    assert len(forms) == 26 and len(set(forms)) == 26, entries


def test_docx_and_xlsx_break_where_the_pdf_does(rendered, tmp_path):
    """The 汇总表's long forms: Word tables split at the PDF's page starts, every piece
    opening with its labels (no vMerge continuation in a piece's first row); the XLSX
    has the same manual page breaks."""
    import openpyxl

    out = tmp_path / "x"
    result = CliRunner().invoke(main, ["--year", "2023", "--unit", "人社局", "--data", str(DATA), "--out", str(out), "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    body = part(rendered / "2023" / "人社局" / "2023年度项目绩效目标汇总表.docx", "word/document.xml")
    breaks = [p for p in body.iter(f"{W}p") if p.find(f"{W}pPr/{W}pageBreakBefore") is not None]
    assert len(breaks) >= 10
    for brk in breaks:
        table = brk.getnext()
        assert table.tag == f"{W}tbl"
        first = table.find(f"{W}tr")
        merges = [tc.find(f"{W}tcPr/{W}vMerge") for tc in first.findall(f"{W}tc")]
        assert all(m is None or m.get(f"{W}val") == "restart" for m in merges), "a label missing at the top of a page"
    wb = openpyxl.load_workbook(next((out / "2023" / "人社局").glob("*.xlsx")))
    assert sum(len(ws.row_breaks.brk) for ws in wb.worksheets) == len(breaks)


def test_labels_break_evenly_by_their_width_not_by_characters(rendered):
    """The text is the records' text: no joiner (U+2060, which a search in Word misses and
    the record loader refuses), no line break inside a cell's paragraph, no run of its
    own for a text's tail.  A short label that needs two or three lines is set on even
    lines by indents that narrow its paragraph: at its style's size, in the width left
    between the indents, a word processor filling lines leaves no character alone on the
    last line, and that width is clear of a character's edge (the faces' metrics may
    differ a little)."""
    import math
    import unicodedata

    from budgetdocs.writers.linebreak import NO_LINE_END, NO_LINE_START

    path = rendered / "2023" / "人社局" / "2023年度项目绩效目标汇总表.docx"
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    assert "\u2060" not in xml and "\ufeff" not in xml and "w:eastAsia=\"en-US\"" not in xml
    body = part(path, "word/document.xml")
    styles = part(path, "word/styles.xml")
    size = {s.get(f"{W}styleId"): int(s.find(f"{W}rPr/{W}sz").get(f"{W}val")) * 10  # twips per em
            for s in styles.iter(f"{W}style") if s.find(f"{W}rPr/{W}sz") is not None}
    narrowed = 0
    for table in body.iter(f"{W}tbl"):
        margins = table.find(f"{W}tblPr/{W}tblCellMar")
        padding = sum(int(margins.find(f"{W}{side}").get(f"{W}w")) for side in ("left", "right"))
        for tc in table.iter(f"{W}tc"):
            width = int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w"))
            for p in tc.findall(f"{W}p"):
                assert p.find(f".//{W}br") is None, "".join(p.itertext())
                ind = p.find(f"{W}pPr/{W}ind")
                text = "".join(t.text or "" for t in p.iter(f"{W}t"))
                if ind is None:
                    continue
                room = width - padding - sum(int(ind.get(f"{W}{side}", 0)) for side in ("left", "right"))
                em = size[p.find(f"{W}pPr/{W}pStyle").get(f"{W}val")]
                if not all(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text) or set(text) & (NO_LINE_START | NO_LINE_END):
                    continue  # (the CJK-only texts are checked here: one em a character)
                per_line = room // em
                assert 0.2 <= room / em - per_line <= 0.8, (text, room / em)
                lines = math.ceil(len(text) / per_line)
                assert 2 <= lines <= 3 and len(text) - (lines - 1) * per_line >= 2, (text, per_line)
                narrowed += 1
    assert narrowed > 200


def test_line_heights_are_the_pdfs(rendered):
    """Table text and the narrative are set on exact line heights, as style.css sets
    them: Writer's "single" and "1.5 lines" for the CJK faces are 1.45 and 2.2 em, so its
    rows ran taller than the PDF's and a page's last rows went to a page of their own."""
    docx = next(rendered.rglob("2023年咨询服务中心单位预算.docx"))
    styles = part(docx, "word/styles.xml")
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}

    def spacing(name: str) -> tuple[str, str]:
        style = styles.xpath(f'//w:style[w:name/@w:val="{name}"]', namespaces=ns)[0]
        element = style.find("w:pPr/w:spacing", ns)
        return element.get(f"{{{ns['w']}}}line"), element.get(f"{{{ns['w']}}}lineRule")

    assert spacing("BD Cell") == ("280", "exact")  # the forms: 1.4 × 10 pt
    # the modern disclosure, as the published documents set it: 12 pt on 15 pt lines
    assert spacing("BD Budget Cell") == ("300", "exact")
    assert spacing("BD Body") == ("300", "exact")
    # the nine budget tables are set in 12 pt as in the PDF, the forms in 10.5 pt
    sizes = {name: styles.xpath(f'//w:style[w:name/@w:val="{name}"]/w:rPr/w:sz/@w:val', namespaces=ns) for name in ("BD Cell", "BD Budget Cell")}
    assert sizes == {"BD Cell": ["21"], "BD Budget Cell": ["24"]}
    body = zipfile.ZipFile(docx).read("word/document.xml").decode()
    assert body.count('w:val="BDBudgetCell"') > 500 and body.count('w:val="BDCell"') > 100


def test_budget_table_labels_break_at_their_own_size():
    """A budget table's text is 10 pt: a 14-character 科目名称 fits its 25 % column on one
    line, as in the PDF; measured at the forms' 10.5 pt it was broken into two."""
    from budgetdocs.writers.docx import BUDGET_EM, EM, balanced_lines

    name = "机关事业单位职业年金缴费支出"
    assert balanced_lines(name, 3189, BUDGET_EM) == [name]
    assert len(balanced_lines(name, 3189, EM)) == 2


def test_planned_lines_and_the_width_that_sets_them():
    """The width a label is narrowed to is wider than its longest planned line and narrower
    than any line with the first piece of the next (halfway, for faces set a little wider
    or narrower); where a piece's width depends on the application (a curly quote is half
    an em in a Latin face, one in a CJK face) nothing is planned.  A title keeps its last
    two characters together, as the PDF does; no line ends with an opening bracket."""
    from budgetdocs.writers.linebreak import even_lines, heading_lines, planned_lines, wrap_width

    assert planned_lines("项目实施计划", 5.0) == (["项目实", "施计划"], 3.5)
    assert 6.4 < wrap_width(["团-重要节点活", "动开展费用"]) < 7.3  # the hyphen a third of an em
    assert wrap_width(["“三支一扶”人", "员培训完成率"]) is None
    # even lines a greedy fill cannot give (9, 8 + 1) are filled again to the longest line
    assert planned_lines("档案实施数字化后，应该满足多方面的运用需求情况", 11.9)[0] == [
        "档案实施数字化后，", "应该满足多方面的运", "用需求情况"]
    assert heading_lines("2017年上海市人力资源和社会保障局部门预算", 20.1) == ["2017年上海市人力资源和社会保障局部门", "预算"]
    assert heading_lines("上海市人力资源和社会保障局咨询服务中心2023年度项目绩效目标汇总表", 20.1) == [
        "上海市人力资源和社会保障局咨询服务中心", "2023年度项目绩效目标汇总表"]
    assert heading_lines("项目名称", 20.1) == ["项目名称"]
    for capacity in (9.6, 11, 12):
        lines = even_lines("处级党政领导干部参加培训累计学时数（含网络培训学时数）", capacity)
        assert not any(line.endswith("（") for line in lines[:-1]), lines


def test_no_docx_page_strands_a_header():
    """Every document of the repository (laid out once for tests/test_pages.py): the DOCX
    starts a page (a page break, its table cut, the labels repeated) at every row the PDF
    starts a page with, so none of those pages ends with a header or label row and fewer
    than two of the rows under it; and where Word breaks a page of its own (its fonts set
    a page a little differently), every paragraph of a header row and of the first row
    under it keeps with the next (``keepNext``), as the PDF keeps them."""
    from datetime import datetime

    import pagecheck
    from budgetdocs.writers.docx import write_docx

    kept = pieces_seen = 0
    for doc in pagecheck.repository():
        tree, tables = pagecheck.tables_of(doc)
        body = etree.fromstring(zipfile.ZipFile(io.BytesIO(write_docx(tree, datetime(2023, 1, 1)))).read("word/document.xml"))
        word_tables = list(body.iter(f"{W}tbl"))
        at = 0
        for rows, table in tables:
            heads = table.header_rows
            starts = sorted(r for r in table.page_starts if heads < r < table.row_count)
            bounds = [heads] + starts + [table.row_count]
            pages = [sum(1 for s in starts if s <= r) for r in range(heads, table.row_count)]
            assert not pagecheck.stranded(rows[heads:], pages, heads > 0), (doc.name, rows[0].text_content()[:30])
            keep = pagecheck.must_keep(rows)
            for low, high in zip(bounds, bounds[1:]):
                piece = word_tables[at]
                at += 1
                pieces_seen += 1
                word_rows = piece.findall(f"{W}tr")[heads:]
                assert len(word_rows) == high - low, doc.name
                for r, word_row in zip(range(low, high - 1), word_rows):
                    if r in keep:
                        kept += 1
                        paragraphs = list(word_row.iter(f"{W}p"))
                        assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in paragraphs), (
                            f"{doc.name}: row {r} ({rows[r].text_content().strip()[:20]}) does not keep with the next")
        assert at == len(word_tables), doc.name
    assert kept > 100 and pieces_seen > 200
