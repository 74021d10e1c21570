"""Take a document tree; give DOCX bytes (python-docx for the package, raw XML for the body).

Tables are written as WordprocessingML directly: python-docx's cell API is
quadratic on long tables, and merges (``w:gridSpan``, ``w:vMerge``), repeated
header rows (``w:tblHeader``) and fixed column widths have no public API.
Every style names its East Asian font and ``zh-CN``, or Word and LibreOffice
pick other faces.
"""

from __future__ import annotations

import io
import re
import zlib
from datetime import datetime
from typing import Optional
from xml.sax.saxutils import escape

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .linebreak import even_lines, heading_lines, planned_lines, wrap_width
from .tree import Cell, Document, Paragraph, Table
from .zipfix import fix_package

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# Face names as on the officers' Windows machines; the set-up maps them to the
# Noto CJK faces through fontconfig for LibreOffice (see setup/fonts.conf).
SERIF = "仿宋_GB2312"
TITLE = "方正小标宋简体"
SANS = "黑体"
LATIN = "Times New Roman"

# kind -> (style name, size pt, bold, alignment, east-asian font)
PARAGRAPH_STYLES = {
    # 方正小标宋 is a heavy face already: no bold on top of it.
    "h1": ("BD Title", 22, False, "center", TITLE),
    "h2": ("BD Heading", 16, False, "center", SANS),
    "subtitle": ("BD Subtitle", 14, False, "center", SERIF),
    "unitline": ("BD Unit Line", 12, False, "left", SERIF),
    "field": ("BD Field", 12, False, "left", SERIF),
    "fieldtext": ("BD Field Text", 12, False, "both", SERIF),
    "signoff": ("BD Sign Off", 12, False, "left", SERIF),
    "sample": ("BD Sample", 12, True, "center", SANS),
    "body": ("BD Body", 16, False, "both", SERIF),
    "h3": ("BD Heading 3", 14, False, "left", SANS),
    "toc": ("BD TOC", 12, False, "left", SERIF),
    "caption": ("BD Caption", 12, False, "left", SERIF),
    "note": ("BD Note", 10.5, False, "left", SERIF),
    "cover-line": ("BD Cover Line", 16, False, "center", SERIF),
}
# Outline levels (Word's navigation pane and the TOC field): sections h2, parts h3.
# A form's title is the same on every form, so its project name (the paragraph or
# cell marked "heading") is the form's entry instead: 26 forms, 26 distinct names.
OUTLINE = {"h1": 0, "h2": 0, "h3": 1}
NO_OUTLINE = ("toc-title", "form-title")
CELL_STYLE = ("BD Cell", 10.5, False, "left", SERIF)
BUDGET_CELL_STYLE = ("BD Budget Cell", 10, False, "left", SERIF)  # style.css table.budget
CELL_LINE = 14.0  # points: style.css's line-height 1.4 at the budget tables' 10 pt

# Page geometry in millimetres: (width, height, top, right, bottom, left), after style.css.
PAGES = {
    "portrait": (210, 297, 37, 26, 30, 28),
    "landscape": (297, 210, 28, 37, 21, 35),
}
# The bottom margins are 5 mm smaller than the PDF's (35 and 26 mm): Word and LibreOffice
# set the same text a little taller than WeasyPrint, and the DOCX breaks its tables where
# the PDF does, so each PDF page's content must fit a Word page with room to spare.
TWIPS_PER_MM = 1440 / 25.4

# The modern edition (sections of class "modern"), as style.css sets it after the published
# documents: 宋体 12 pt text on 15 pt lines, 18 pt headings, a 36 pt 楷体 cover title, a 14 pt
# 仿宋 目录 on 21.5 pt lines, tables in 12 pt on rows of 24.6 pt, text 20 mm from the left
# edge and 21 mm from the right, from 24 mm below the top to 23 mm above the bottom (here
# 18: 5 mm to spare, as above; the footer 10 mm from the edge, below the text).
SONG = "宋体"
KAI = "楷体"
# kind (or a heading's class) -> (style name, size pt, bold, alignment, east-asian font,
# exact line height, points above, points below), for the paragraphs of a modern section.
# In a document with modern sections the roles only the disclosure has (contents entry,
# body, sub-heading, caption, note, cover line, budget table cell) keep their style names at
# these sizes; the headings, which the forms attached to it share, get styles of their own.
MODERN_STYLES = {
    "h1": ("BD Modern Title", 36, True, "center", KAI, 43, 81, 0),
    "cover-line": ("BD Cover Line", 18, False, "center", KAI, 23, 82, 0),
    "h2": ("BD Modern Heading", 18, False, "center", SONG, 23, 0, 27),
    "table-title": ("BD Modern Table Title", 18, False, "center", SONG, 23, 0, 8),
    "toc-title": ("BD Modern TOC Title", 20, False, "center", SONG, 26, 0, 22),
    "h3": ("BD Heading 3", 12, False, "left", SONG, 15, 0, 0),
    "body": ("BD Body", 12, False, "both", SONG, 15, 0, 0),
    "toc": ("BD TOC", 14, False, "left", SERIF, 21.5, 0, 0),
    "caption": ("BD Caption", 12, False, "left", SONG, 15, 0, 8),
    "note": ("BD Note", 12, False, "left", SONG, 15, 4, 0),
}
MODERN_CELL_STYLE = ("BD Budget Cell", 12, False, "left", SONG)
MODERN_LINE = 15.0  # points: the tables' line height
MODERN_TOC_INDENT = (280, 840, 280)  # twips: a part's entry, a table's entry (left), the right
MODERN_ROW = 492  # twips: 24.6 pt, a table row's height (at least)
MODERN_RULE = 8  # eighths of a point: the tables' 1 pt rules
PAGES["modern"] = (297, 210, 24, 21, 18, 20)
FOOTER_DISTANCE = {"modern": 10}  # mm from the bottom edge; 20 elsewhere


def _fonts(rpr, east_asian: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr, value in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:eastAsia", east_asian), ("w:cs", LATIN)):
        fonts.set(qn(attr), value)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _style(doc, name: str, size: float, bold: bool, align: str, east_asian: str):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if name != "Normal":
        style.base_style = styles["Normal"]
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.name = LATIN
    _fonts(style.element.get_or_add_rPr(), east_asian)
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    jc = {"left": 0, "center": 1, "right": 2, "both": 3}[align]
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    fmt.alignment = [WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY][jc]
    return style


def _setup_styles(doc, modern: bool = False) -> dict[str, str]:
    """Create the paragraph styles (with ``modern``, the modern edition's too: see
    :data:`MODERN_STYLES`, as ``modern:<kind>``); return kind -> style id."""
    _style(doc, "Normal", 12, False, "left", SERIF)
    # docDefaults too, so that table-level text with no style still gets CJK faces.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _fonts(rpr, SERIF)
    # The template's own styles (headings, captions…) get the CJK face too.
    for fonts in list(doc.styles.element.iter(qn("w:rFonts"))):
        _fonts(fonts.getparent(), SERIF)
    ids = {}
    for kind, spec in list(PARAGRAPH_STYLES.items()) + [("cell", CELL_STYLE), ("budget-cell", BUDGET_CELL_STYLE)]:
        style = _style(doc, *spec)
        ids[kind] = style.style_id
        if kind in ("cell", "budget-cell"):
            # table text on an exact line height, as style.css sets it (1.4 × the budget
            # tables' 10 pt): Writer's "single" for the CJK faces is 1.45 em, which made
            # rows taller than the PDF's and pushed a page's last rows onto a page of their own
            style.paragraph_format.line_spacing = Pt(CELL_LINE)
        if kind == "body":  # narrative: two-character indent, 1.5 lines, as in style.css
            style.paragraph_format.first_line_indent = Pt(2 * spec[1])
            style.paragraph_format.line_spacing = Pt(spec[1] * 1.5)  # exactly, as style.css (Writer's 1.5 lines is 2.2 em for CJK)
    if modern:
        specs = list(MODERN_STYLES.items()) + [("cell", MODERN_CELL_STYLE + (MODERN_LINE, 0, 0))]
        for kind, (name, size, bold, align, face, line, before, after) in specs:
            style = _style(doc, name, size, bold, align, face)
            ids["modern:" + kind] = style.style_id
            fmt = style.paragraph_format
            fmt.space_before, fmt.space_after = Pt(before), Pt(after)
            fmt.line_spacing = Pt(line)  # exactly, as style.css sets it
            if kind == "toc":
                fmt.left_indent, fmt.right_indent = Pt(MODERN_TOC_INDENT[0] / 20), Pt(MODERN_TOC_INDENT[2] / 20)
            if kind in ("body", "h3"):  # the body indented 2 characters, a sub-heading 1
                fmt.first_line_indent = Pt(size * (2 if kind == "body" else 1))
    return ids


def _style_key(block: Paragraph, classes: tuple[str, ...] = ()) -> str:
    """The key in the ids of :func:`_setup_styles` of a paragraph in a section of ``classes``."""
    if "modern" in classes:
        key = next((c for c in ("table-title", "toc-title") if c in block.classes), block.kind)
        if key in MODERN_STYLES:
            return "modern:" + key
    return block.kind


def _run_xml(text: str, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    parts = text.split("\t")
    body = "<w:tab/>".join(f'<w:t xml:space="preserve">{escape(p)}</w:t>' for p in parts)
    return f"<w:r>{props}{body}</w:r>"


def _bookmark(ident: str) -> str:
    """A Word bookmark name for an element id (letters, digits and _; at most 40 characters)."""
    return ("_Toc_" + re.sub(r"[^0-9A-Za-z_]", "_", ident))[:40]


def _bookmarked(ident: str, runs: str) -> str:
    # The id follows from the name (ids are unique because names are): the same
    # document always gives the same bytes.
    number = zlib.crc32(ident.encode("utf-8")) & 0x7FFFFFFF
    return f'<w:bookmarkStart w:id="{number}" w:name="{_bookmark(ident)}"/>{runs}<w:bookmarkEnd w:id="{number}"/>'


def _field(instruction: str, shown: str) -> str:
    """A complex field (begin, instruction, separate, its shown result, end)."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{escape(instruction)}</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"{_run_xml(shown)}"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def _heading_narrowed(block: Paragraph, text_width: int, section_classes: tuple[str, ...]) -> str:
    """Indents that set a centred title or heading that wraps (a cover's title) where the
    word processor breaks it, but with its last two characters together, as the PDF
    sets it (:func:`.heading_lines` at its style's size): formatting, not characters."""
    key = _style_key(block, section_classes)
    spec = MODERN_STYLES.get(key.removeprefix("modern:")) if key.startswith("modern:") else PARAGRAPH_STYLES.get(key)
    if spec is None or spec[3] != "center" or "\t" in block.text:
        return ""
    em = round(20 * spec[1])
    box = wrap_width(heading_lines(block.text, text_width / em))
    spare = text_width - round(box * em) if box is not None else 0
    return f'<w:ind w:left="{spare // 2}" w:right="{spare - spare // 2}"/>' if spare > 0 else ""


def _paragraph_xml(block: Paragraph, style_id: str, text_width: int, pages: Optional[dict[str, int]] = None,
                   section_classes: tuple[str, ...] = ()) -> str:
    """One paragraph; its properties in the schema's order (CT_PPrBase).  In a section of
    class "plain" a contents entry has no page number, in one of class "noleaders" no
    leader dots (both: the bare entry); in a "modern" one the spacing and indents come
    from the modern styles."""
    modern = "modern" in section_classes
    numbers = "plain" not in section_classes
    leaders = "noleaders" not in section_classes
    ppr = f'<w:pStyle w:val="{style_id}"/>'
    if block.kind in ("h2", "h3", "field") and "toc-title" not in block.classes:
        ppr += "<w:keepNext/>"  # a heading (or a 2020 field label) stays with what follows
    if block.page_break_before:
        ppr += "<w:pageBreakBefore/>"
    if block.kind == "sample":
        ppr += '<w:pBdr>' + "".join(
            f'<w:{side} w:val="single" w:sz="12" w:space="1" w:color="C00000"/>' for side in ("top", "left", "bottom", "right")
        ) + "</w:pBdr>"
    if block.kind == "toc":
        if numbers or leaders:
            stop = text_width - (MODERN_TOC_INDENT[2] if modern else 0)
            leader = ' w:leader="dot"' if leaders else ""
            ppr += f'<w:tabs><w:tab w:val="right"{leader} w:pos="{stop}"/></w:tabs>'
        if "sub" in block.classes:
            ppr += f'<w:ind w:left="{MODERN_TOC_INDENT[1] if modern else 480}"/>'
    elif "\t" in block.text:
        ppr += f'<w:tabs><w:tab w:val="right" w:pos="{text_width}"/></w:tabs>'
    if "cover-title" in block.classes and not modern:  # the title a third down the page, as in the PDF (modern: its style)
        ppr += '<w:spacing w:before="2600" w:after="600"/>'
    elif block.kind == "cover-line" and not modern:
        ppr += '<w:spacing w:before="600"/>'
    ppr += _heading_narrowed(block, text_width, section_classes)
    if "heading" in block.classes:
        ppr += '<w:outlineLvl w:val="0"/>'
    elif block.kind in OUTLINE and not set(NO_OUTLINE) & set(block.classes):
        ppr += f'<w:outlineLvl w:val="{OUTLINE[block.kind]}"/>'
    # the text as it is: no character is added to steer its line breaking
    runs = "".join(_run_xml(r.text, r.bold) for r in block.runs)
    if block.kind == "toc" and not numbers and leaders:
        runs += _run_xml("\t")  # the leader dots run to the right margin, no number after them
    elif block.kind == "toc" and numbers and pages and block.target in pages:
        # A PAGEREF to the heading's bookmark whose shown result is the page the PDF
        # prints: every reader shows a number without updating fields, and a reader
        # that lays the DOCX out itself (LibreOffice) or updates fields (Word) shows
        # the page of its own layout.
        runs += _run_xml("\t") + _field(f" PAGEREF {_bookmark(block.target)} \\h ", str(pages[block.target]))
    elif block.anchor:
        runs = _bookmarked(block.anchor, runs)
    if block.kind == "sample":
        runs = runs.replace("<w:r>", '<w:r><w:rPr><w:color w:val="C00000"/></w:rPr>', 1) if "<w:rPr>" not in runs else runs
    return f'<w:p xmlns:w="{W_NS}"><w:pPr>{ppr}</w:pPr>{runs}</w:p>'


KEEP_MERGE = 20  # a merged label of at most this many rows keeps its rows on one page


def _kept_rows(table: Table) -> set[int]:
    """Rows whose paragraphs keep with the next row: header and label rows and the first
    row under them (``Table.keep``, see :func:`.tree.kept_rows`: no page ends with a header
    and fewer than two rows under it), and all but the last
    row of a merge under a 一级/二级 label (so where Word must break a page the PDF did
    not, it breaks between groups, and the next group starts with its label).  The
    block labels of the first column span whole pages and are left out."""
    kept = set(table.keep)
    if table.row_count - table.header_rows > 3:
        kept.add(table.row_count - 2)  # the last row never stands alone on a page
    for cell in table.cells:
        if cell.col > 0 and 1 < cell.rowspan <= KEEP_MERGE:
            kept.update(range(cell.row, cell.row + cell.rowspan - 1))
    return kept


CELL_MARGINS = 170  # twips, left + right (tblCellMar)
MODERN_CELL_MARGINS = 60  # the modern edition's 1.5 pt either side (style.css)
EM = round(20 * CELL_STYLE[1])  # twips per full-width character at the cells' 10.5 pt
BUDGET_EM = round(20 * BUDGET_CELL_STYLE[1])  # … and at the budget tables' 10 pt
MODERN_EM = round(20 * MODERN_CELL_STYLE[1])  # … and at the modern edition's 12 pt


def balanced_lines(text: str, width: int, em: int = EM) -> list[str]:
    """A short cell text of ``width`` twips, set ``em`` twips to the full-width character,
    broken into even lines (see :mod:`.linebreak`)."""
    return even_lines(text, (width - CELL_MARGINS) / em)


def _narrowed(text: str, room: int, align: str, em: int) -> str:
    """Indents (``<w:ind>``) that narrow a paragraph ``room`` twips wide, set ``em`` twips
    to the full-width character, to the width where the word processor's own line
    breaking sets a short text in the even lines :func:`.planned_lines` plans
    (``项目实施/计划``, never ``项目实施计/划``): formatting, not characters, so the text
    reads, searches and copies as it prints.  Empty for a text on one line, or one
    whose lines cannot be planned."""
    box = planned_lines(text, room / em)[1]
    if box is None:
        return ""
    spare = room - round(box * em)
    if spare <= 0:  # the paragraph is narrower than the box: its own width breaks the text
        return ""
    if align == "center":  # the lines stay centred
        return f'<w:ind w:left="{spare // 2}" w:right="{spare - spare // 2}"/>'
    if align == "right":
        return f'<w:ind w:left="{spare}"/>'
    return f'<w:ind w:right="{spare}"/>'


def _cell_xml(cell: Cell, width: int, style_id: str, merge: str, keep: bool = False, em: int = EM,
              margins: int = CELL_MARGINS) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if cell.colspan > 1:
        props += f'<w:gridSpan w:val="{cell.colspan}"/>'
    if merge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif merge == "continue":
        props += "<w:vMerge/>"
    props += '<w:vAlign w:val="center"/>'
    keep_next = "<w:keepNext/>" if keep else ""
    if merge == "continue":
        return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:pPr><w:pStyle w:val=\"{style_id}\"/>{keep_next}</w:pPr></w:p></w:tc>"
    jc = {"left": "left", "center": "center", "right": "right"}[cell.align]
    paras = cell.paragraphs or [""]
    outline = '<w:outlineLvl w:val="0"/>' if "heading" in cell.classes else ""
    # a short label (one paragraph, not an amount) on even lines; longer texts wrap as they may
    ind = _narrowed(paras[0], width - margins, jc, em) if len(paras) == 1 and paras[0] and cell.value is None else ""
    body = "".join(
        f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/>{keep_next}{ind}<w:jc w:val="{jc}"/>{outline}</w:pPr>'
        f'{_run_xml(p) if p else ""}</w:p>'
        for p in paras
    )
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>"


def _table_xml(table: Table, text_width: int, style_id: str, modern: bool = False) -> list[str]:
    """The table as Word tables: one per page the PDF gave it (its merges were cut
    where the PDF starts a page), each after a one-point paragraph that starts a
    new page, each repeating the header rows: Word breaks where the PDF does."""
    starts = sorted(r for r in table.page_starts if table.header_rows < r < table.row_count)
    bounds = [table.header_rows] + starts + [table.row_count]
    heads = list(range(table.header_rows))
    pieces = []
    for index, (low, high) in enumerate(zip(bounds, bounds[1:])):
        if index:
            pieces.append(BREAK.format(ns=W_NS, style=style_id))
        pieces.append(_table_part(table, text_width, style_id, heads + list(range(low, high)), modern))
    return pieces


def _table_part(table: Table, text_width: int, style_id: str, rows: list[int], modern: bool = False) -> str:
    """The table's ``rows`` as one Word table; ``modern``: in the modern edition's 12 pt
    on rows of at least 24.6 pt, ruled 1 pt."""
    total = sum(table.widths)
    cols = [round(text_width * w / total) for w in table.widths]
    margins = MODERN_CELL_MARGINS if modern else CELL_MARGINS
    side = margins // 2
    border = '<w:{0} w:val="single" w:sz="%d" w:space="0" w:color="000000"/>' % (MODERN_RULE if modern else 6)
    borders = "".join(border.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    if not table.ruled:
        borders = "".join(f'<w:{side} w:val="nil"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    out = [
        f'<w:tbl xmlns:w="{W_NS}"><w:tblPr><w:tblW w:w="{sum(cols)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="{side}" w:type="dxa"/>'
        f'<w:bottom w:w="28" w:type="dxa"/><w:right w:w="{side}" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>'
    ]
    out.extend(f'<w:gridCol w:w="{w}"/>' for w in cols)
    out.append("</w:tblGrid>")
    grid = table.grid()
    kept = _kept_rows(table)
    for r in rows:
        # A row never breaks across pages; header rows repeat on every page.
        trpr = "<w:cantSplit/>" + (f'<w:trHeight w:val="{MODERN_ROW}" w:hRule="atLeast"/>' if modern else "")
        trpr += "<w:tblHeader/>" if r < table.header_rows else ""
        out.append(f"<w:tr><w:trPr>{trpr}</w:trPr>")
        c = 0
        while c < table.col_count:
            cell = grid[r][c]
            assert cell is not None
            width = sum(cols[cell.col : cell.col + cell.colspan])
            if cell.row == r:
                merge = "restart" if cell.rowspan > 1 and cell.row + 1 in rows else ""
            else:
                merge = "continue"
            # the last row of a part never keeps with what follows: the PDF starts a
            # page after it, and a row kept with that page break moves to the next page alone
            out.append(_cell_xml(cell, width, style_id, merge, keep=r in kept and r != rows[-1],
                                 em=MODERN_EM if modern else BUDGET_EM if table.compact else EM, margins=margins))
            c = cell.col + cell.colspan
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def _page(section, orientation: str) -> int:
    """Set the Word section's page (``orientation``: a key of :data:`PAGES`); return the text width in twips."""
    width, height, top, right, bottom, left = PAGES[orientation]
    section.orientation = WD_ORIENT.LANDSCAPE if width > height else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin, section.right_margin = Mm(top), Mm(right)
    section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
    section.header_distance, section.footer_distance = Mm(15), Mm(FOOTER_DISTANCE.get(orientation, 20))
    return round((width - left - right) * TWIPS_PER_MM)


def _footer(section, sample: bool, style_id: str, numbered: bool = True, draft: bool = False) -> None:
    """The section's own footer: ``— PAGE —`` (and 示例), or only 示例 on the front matter."""
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    for old in p._p.findall(qn("w:pPr")):  # one pPr, first in the paragraph
        p._p.remove(old)
    p._p.insert(
        0,
        parse_xml(
            f'<w:pPr xmlns:w="{W_NS}"><w:pStyle w:val="{style_id}"/><w:jc w:val="center"/></w:pPr>'
        ),
    )
    if draft:
        p._p.append(parse_xml(f'<w:r xmlns:w="{W_NS}"><w:rPr><w:b/><w:color w:val="C00000"/></w:rPr><w:t xml:space="preserve">草稿　　</w:t></w:r>'))
    if not numbered:
        if sample:
            p._p.append(parse_xml(f'<w:r xmlns:w="{W_NS}"><w:rPr><w:b/><w:color w:val="C00000"/></w:rPr><w:t xml:space="preserve">示例</w:t></w:r>'))
        return
    xml = (
        f'<w:r xmlns:w="{W_NS}"><w:t xml:space="preserve">— </w:t></w:r>',
        f'<w:fldSimple xmlns:w="{W_NS}" w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>',
        f'<w:r xmlns:w="{W_NS}"><w:t xml:space="preserve"> —</w:t></w:r>',
    )
    for part in xml:
        p._p.append(parse_xml(part))
    if sample:
        p._p.append(parse_xml(f'<w:r xmlns:w="{W_NS}"><w:rPr><w:b/><w:color w:val="C00000"/></w:rPr><w:t xml:space="preserve">　　示例</w:t></w:r>'))


# Children of w:sectPr in the schema's order (CT_SectPr).
_SECTPR_ORDER = [
    "headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc",
    "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg",
    "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange",
]


def _order_sectpr(sect) -> None:
    """Put a sectPr's children in the order the schema requires."""
    rank = {qn(f"w:{name}"): i for i, name in enumerate(_SECTPR_ORDER)}
    children = sorted(sect, key=lambda child: rank.get(child.tag, len(rank)))
    for child in children:
        sect.append(child)




# Where the PDF starts a page inside a table: a one-point paragraph that starts a page.
BREAK = (
    '<w:p xmlns:w="{ns}"><w:pPr><w:pStyle w:val="{style}"/><w:pageBreakBefore/>'
    '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
    '<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr></w:pPr></w:p>'
)
# The paragraph Word needs after a table (and the one holding a section break):
# one point high, so that a table filling its page leaves no blank page behind.
SPACER = (
    '<w:p xmlns:w="{ns}"><w:pPr><w:pStyle w:val="{style}"/>'
    '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
    '<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr></w:pPr></w:p>'
)


def _shrink(paragraph, style_id: str) -> None:
    """Make a section-break paragraph one point high (it keeps its sectPr)."""
    ppr = paragraph.find(qn("w:pPr"))
    sect = ppr.find(qn("w:sectPr"))
    for child in list(ppr):
        ppr.remove(child)
    template = parse_xml(SPACER.format(ns=W_NS, style=style_id)).find(qn("w:pPr"))
    for child in template:
        ppr.append(child)
    ppr.append(sect)  # sectPr comes last in pPr


def _settings(settings) -> None:
    """Chinese theme fonts, and a zoom Word's schema accepts (python-docx's template
    drops the required w:percent); both edited in place, where the schema puts them."""
    lang = settings.find(qn("w:themeFontLang"))
    if lang is None:
        lang = parse_xml(f'<w:themeFontLang xmlns:w="{W_NS}"/>')
        anchor = settings.find(qn("w:clrSchemeMapping"))
        if anchor is not None:
            anchor.addprevious(lang)
        else:
            settings.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    zoom = settings.find(qn("w:zoom"))
    if zoom is not None and zoom.get(qn("w:percent")) is None:
        zoom.set(qn("w:percent"), "100")


def write_docx(document: Document, date: datetime, pages: Optional[dict[str, int]] = None) -> bytes:
    """Write the tree as DOCX: one Word section per tree section, same cells and merges.

    ``pages`` maps ids to the page numbers the PDF prints: the contents entries
    carry them.  The front matter (cover, contents) has no page number and the
    first section after it starts at page 1, as in the PDF.
    """
    doc = new_docx()
    ids = _setup_styles(doc, modern=any("modern" in s.classes for s in document.sections))
    body = doc.element.body
    # Drop the template's empty first paragraph, keep its final sectPr.
    for p in body.findall(qn("w:p")):
        body.remove(p)
    numbered_yet = False
    footer_numbered = None
    for index, section in enumerate(document.sections):
        if index > 0:
            doc.add_section(WD_SECTION.NEW_PAGE)
            _shrink(body.findall(qn("w:p"))[-1], ids["cell"])
            for restart in body.sectPr.findall(qn("w:pgNumType")):  # the copy keeps counting
                body.sectPr.remove(restart)
        word_section = doc.sections[index]
        modern = "modern" in section.classes
        text_width = _page(word_section, "modern" if modern else section.orientation)
        # a section of class "nofolio" (设置.页码 false) shows no page number; its pages count
        numbered = not section.front and "nofolio" not in section.classes
        if index == 0 or (not section.front and numbered != footer_numbered):
            _footer(word_section, document.sample, ids["cell"], numbered=numbered, draft=document.draft)
            footer_numbered = numbered
        if not section.front and not numbered_yet:
            numbered_yet = True
            if index > 0:
                sect = word_section._sectPr
                sect.append(parse_xml(f'<w:pgNumType xmlns:w="{W_NS}" w:start="1"/>'))
                _order_sectpr(sect)
        anchor = body.sectPr
        for position, block in enumerate(section.blocks):
            if isinstance(block, Paragraph):
                # Contents entries are plain paragraphs whose numbers are PAGEREF fields
                # (not one TOC field: LibreOffice would keep a TOC field's stored
                # numbers even where its own pages fall differently).
                style = ids.get(_style_key(block, section.classes), ids.get(block.kind, ids["body"]))
                element = parse_xml(_paragraph_xml(block, style, text_width, pages, section.classes))
            else:
                cell_style = ids["modern:cell"] if modern else ids["budget-cell"] if block.compact else ids["cell"]
                *before, last = [parse_xml(x) for x in _table_xml(block, text_width, cell_style, modern)]
                for piece in before:
                    anchor.addprevious(piece)
                element = last
            anchor.addprevious(element)
            last_of_document = index == len(document.sections) - 1 and position == len(section.blocks) - 1
            # (a "joined" table gets the one-point paragraph too: LibreOffice would merge two
            # adjacent tables into one grid and misplace the second one's columns)
            if isinstance(block, Table) and (position < len(section.blocks) - 1 or last_of_document):
                # Word needs a paragraph between two tables and after the last one
                # (a section's last table is followed by its section-break paragraph).
                anchor.addprevious(parse_xml(SPACER.format(ns=W_NS, style=ids["cell"])))
    _settings(doc.settings.element)
    buffer = io.BytesIO()
    doc.save(buffer)
    return fix_package(buffer.getvalue(), document.title, document.author, date)
