"""The three writers: structure of the DOCX and XLSX, PDF safety, same bytes twice."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from budgetdocs.build import plan, render_with_stats
from budgetdocs.errors import RenderError
from budgetdocs.layout.html import BUILTIN_TEMPLATES
from budgetdocs.writers.tree import parse
from budgetdocs.writers.pdf import write_pdf
from conftest import write_record
from test_units_loader import MINIMAL_2023

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HOSTILE = MINIMAL_2023.replace("年度总体目标: 目标", '年度总体目标: "=HYPERLINK(\\"http://x\\")"').replace(
    '"≥2200"', '"<b>粗体</b><script>alert(1)</script>"'
) + "项目总目标: \"+1-2@3\"\n"


def render(project, text: str, formats=("pdf", "docx", "xlsx")):
    write_record(project, 2023, "局本部", "01-测试.yaml", text)
    outputs, _ = render_with_stats(project, plan(project, 2023, ["局本部"], False), formats)
    return {o.path.suffix[1:]: o.data for o in outputs}


def docx_xml(data: bytes, part: str = "word/document.xml"):
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(part))


def test_docx_structure(project):
    data = render(project, MINIMAL_2023, ["docx"])["docx"]
    root = docx_xml(data)
    tables = root.findall(f".//{W}tbl")
    assert len(tables) == 2  # the project block and the indicator block, drawn as one grid
    # a one-point paragraph between them: each keeps its own grid in every word processor
    spacer = tables[0].getnext()
    assert spacer.tag == f"{W}p" and spacer.getnext() is tables[1]
    assert spacer.find(f"{W}pPr/{W}spacing").get(f"{W}line") == "20"
    grid = [int(c.get(f"{W}w")) for c in tables[0].iter(f"{W}gridCol")]
    assert len(grid) == 6 and abs(sum(grid) - 8844) < 6  # 156 mm text block, explicit widths
    assert [int(c.get(f"{W}w")) for c in tables[1].iter(f"{W}gridCol")][3] > grid[3]  # 三级指标 wide
    for row in root.iter(f"{W}tr"):  # no row breaks across pages
        assert row.find(f"{W}trPr/{W}cantSplit") is not None
    assert tables[0].find(f".//{W}tblLayout").get(f"{W}type") == "fixed"
    # 项目资金 (元) spans four rows: one restart and three continuations in column 1
    merges = [tc.find(f"{W}tcPr/{W}vMerge") for tc in tables[0].iter(f"{W}tc")]
    assert sum(1 for m in merges if m is not None and m.get(f"{W}val") == "restart") >= 3
    spans = [int(g.get(f"{W}val")) for g in tables[0].iter(f"{W}gridSpan")]
    assert 5 not in spans and 2 in spans
    # every row fills the six grid columns
    for tr in tables[0].iter(f"{W}tr"):
        assert sum(int((tc.find(f"{W}tcPr/{W}gridSpan") if tc.find(f"{W}tcPr/{W}gridSpan") is not None else etree.Element("x", {f"{W}val": "1"})).get(f"{W}val")) for tc in tr.findall(f"{W}tc")) == 6
    sect = root.find(f".//{W}sectPr")
    size = sect.find(f"{W}pgSz")
    assert (size.get(f"{W}w"), size.get(f"{W}h")) == ("11906", "16838")
    styles = docx_xml(data, "word/styles.xml")
    fonts = [f.get(f"{W}eastAsia") for f in styles.iter(f"{W}rFonts")]
    assert fonts and all(fonts), "every style names an East Asian font"
    assert {l.get(f"{W}eastAsia") for l in styles.iter(f"{W}lang")} == {"zh-CN"}
    footer = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/footer")]
    assert footer and b"PAGE" in zipfile.ZipFile(io.BytesIO(data)).read(footer[0])


def test_docx_repeats_header_rows(project):
    text = (Path(__file__).parent / "fixtures" / "form2020.yaml").read_text(encoding="utf-8")
    write_record(project, 2020, "咨询服务中心", "01-a.yaml", text)
    outputs, _ = render_with_stats(project, plan(project, 2020, ["咨询服务中心"], False), ["docx", "xlsx"])
    data = {o.path.suffix[1:]: o.data for o in outputs}
    root = docx_xml(data["docx"])
    header_rows = root.findall(f".//{W}tr/{W}trPr/{W}tblHeader")
    assert len(header_rows) == 1
    breaks = root.findall(f".//{W}pageBreakBefore")
    assert len(breaks) == 1  # 2020年绩效目标 starts page two
    ws = openpyxl.load_workbook(io.BytesIO(data["xlsx"])).worksheets[0]
    assert ws.print_title_rows and ws.print_title_rows.startswith("$")
    assert ws.row_breaks.brk


def test_xlsx_numbers_and_inert_text(project):
    data = render(project, HOSTILE, ["xlsx"])["xlsx"]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    cells = {c.coordinate: c for row in ws.iter_rows() for c in row if c.value is not None}
    numbers = [c for c in cells.values() if c.data_type == "n"]
    assert numbers and all(c.number_format == "#,##0.00" for c in numbers)
    assert Decimal(str(max(c.value for c in numbers))) == Decimal("1732000.1")
    assert not [c for c in cells.values() if c.data_type == "f"], "no formulas"
    texts = [c.value for c in cells.values() if isinstance(c.value, str)]
    assert '=HYPERLINK("http://x")' in texts and "+1-2@3" in texts
    assert "<b>粗体</b><script>alert(1)</script>" in texts
    assert ws.merged_cells.ranges
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1
    raw = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in raw


def test_html_text_is_escaped(project):
    data = render(project, HOSTILE, ["docx"])["docx"]
    text = "".join(docx_xml(data).itertext())
    assert "<b>粗体</b><script>alert(1)</script>" in text


def test_same_input_same_bytes(project):
    first = render(project, MINIMAL_2023)
    second = render(project, MINIMAL_2023)
    assert first.keys() == {"pdf", "docx", "xlsx"}
    for fmt in first:
        assert first[fmt] == second[fmt], fmt
    for fmt in ("docx", "xlsx"):
        infos = zipfile.ZipFile(io.BytesIO(first[fmt])).infolist()
        assert {i.date_time for i in infos} == {(2023, 1, 1, 0, 0, 0)}
        core = zipfile.ZipFile(io.BytesIO(first[fmt])).read("docProps/core.xml").decode()
        assert "2023-01-01T00:00:00Z" in core


def test_pdf_embeds_cjk_font(project, tmp_path):
    import subprocess

    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(render(project, MINIMAL_2023, ["pdf"])["pdf"])
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), fonts  # embedded


def test_missing_glyph_is_an_error():
    html = '<html lang="zh-CN"><head><link rel="stylesheet" href="style.css"></head><body><section><p>龘𪚥</p></section></body></html>'
    with pytest.raises(RenderError, match="缺少字形"):
        write_pdf(html, [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)


@pytest.mark.parametrize("href", ["file:///etc/passwd", "../../../../etc/passwd", "http://example.com/a.css"])
def test_pdf_reads_only_template_assets(href, tmp_path):
    html = f'<html lang="zh-CN"><head><link rel="stylesheet" href="style.css"></head><body><section><p>正文</p><a rel="attachment" href="{href}">附件</a><img src="{href}"></section></body></html>'
    try:
        data = write_pdf(html, [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)
    except RenderError as exc:
        assert "blocked" in str(exc) or "not found" in str(exc)
        return
    assert b"root:x:0:0" not in data and b"/EmbeddedFile" not in data


def test_tree_rejects_layout_the_writers_cannot_show():
    with pytest.raises(RenderError, match="lang"):
        parse("<html><body></body></html>")
    with pytest.raises(RenderError, match="not allowed"):
        parse('<html lang="zh-CN"><body><section><div>x</div></section></body></html>')


def test_a_short_label_is_planned_in_even_lines():
    """A short label broken into even lines never has a leftover last line (the DOCX
    keeps it so by the paragraph's width, the XLSX by line breaks: no character is
    added to the text, see tests/test_docx_text.py)."""
    from budgetdocs.writers.linebreak import even_lines

    lines = even_lines("档案实施数字化后，应该满足多方面的运用需求情况", 11.9)
    assert len(lines) > 1 and min(len(line) for line in lines) > 2, lines
