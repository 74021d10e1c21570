"""The DOCX as Word needs it: valid footers, rows that never split, contents with page numbers, one entry per form."""

from __future__ import annotations

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


def test_long_texts_keep_their_last_two_characters_together(rendered):
    """A text left to wrap ends in a run of its own: its last two characters with a WORD
    JOINER between them, marked as not Chinese (LibreOffice's Chinese line breaking
    ignores the joiner); the run keeps the cell's East Asian face."""
    body = part(rendered / "2023" / "人社局" / "2023年度项目绩效目标汇总表.docx", "word/document.xml")
    tails = [r for r in body.iter(f"{W}r") if r.find(f"{W}rPr/{W}lang") is not None]
    assert len(tails) > 500
    for run in tails:
        text = "".join(run.itertext())
        after = run.getnext()
        assert text[1] == "\u2060" and (after is None or after.tag != f"{W}r"), text
    texts = ["".join(p.itertext()) for p in body.iter(f"{W}p")]
    assert any(t.endswith("\u2060况") or t.endswith("\u2060率") for t in texts)


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

    assert spacing("BD Cell") == ("280", "exact")  # 1.4 × 10 pt
    assert spacing("BD Budget Cell") == ("280", "exact")
    assert spacing("BD Body") == ("480", "exact")  # 1.5 × 16 pt
    # the nine budget tables are set in 10 pt as in the PDF, the forms in 10.5 pt
    sizes = {name: styles.xpath(f'//w:style[w:name/@w:val="{name}"]/w:rPr/w:sz/@w:val', namespaces=ns) for name in ("BD Cell", "BD Budget Cell")}
    assert sizes == {"BD Cell": ["21"], "BD Budget Cell": ["20"]}
    body = zipfile.ZipFile(docx).read("word/document.xml").decode()
    assert body.count('w:val="BDBudgetCell"') > 500 and body.count('w:val="BDCell"') > 100


def test_budget_table_labels_break_at_their_own_size():
    """A budget table's text is 10 pt: a 14-character 科目名称 fits its 25 % column on one
    line, as in the PDF; measured at the forms' 10.5 pt it was broken into two."""
    from budgetdocs.writers.docx import BUDGET_EM, EM, balanced_lines

    name = "机关事业单位职业年金缴费支出"
    assert balanced_lines(name, 3189, BUDGET_EM) == [name]
    assert len(balanced_lines(name, 3189, EM)) == 2
