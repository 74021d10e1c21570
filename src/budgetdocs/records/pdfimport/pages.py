"""Take a published disclosure's PDF; give its pages as parts: titled text lines and ruled tables.

A page's part is found by its title's meaning (``…主要职能``, ``2025年部门预算编制说明``,
``…支出预算总表``), never by its number; a page without a title continues the part
before it (a table or a text running over).  A title is a line set larger than the
page's body text.  Tables are read by their ruling (pdfplumber's lines and rectangles)
and their cells by where the words stand; the text lines outside them are the body.

A file that cannot be read as such a document is refused with a located reason
(:class:`Refused`): not a PDF or damaged (E410), no text layer, a scan (E411), not a
budget disclosure (E412), the 2017 edition (E413).  Bounds are checked before parsing.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Optional

from ...errors import Problem
from ..importer import TITLES

MAX_FILE = 64 * 1024 * 1024  # a disclosure is a few hundred KB; a scan of one some MB
MAX_PAGES = 400  # the largest 部门预算 runs to about 150 pages
TITLE_RATIO = 1.3  # a title is set at least this much larger than the page's body text
FOLIO = re.compile(r"^[-—–－\s]*\d{1,3}[-—–－\s]*$")  # a page number alone on its line
COVER = re.compile(r"^(?P<region>.*?)(?P<year>(?:19|20)\d{2})年(?P<level>市级|区级)?(?P<kind>部门|单位)预算$")
COVER_NAME = re.compile(r"^预算(?P<who>主管部门|单位)[:：](?P<name>.+)$")
NOTES_TITLE = re.compile(r"(?P<year>(?:19|20)\d{2})年(?P<kind>部门|单位)预算编制说明$")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})年")

# The parts of a modern disclosure, by the end of their titles (the tables' from the workbook importer).
TABLE_PARTS = {"summary": "t1", "income": "t2", "spending": "t3", "fiscal": "t4", "general": "t5",
               "fund": "t6", "state": "t7", "economic": "t8", "three": "t9"}
PART_NAMES = {
    "cover": "封面", "toc": "目录", "functions": "主要职能", "organisation": "机构设置", "terms": "名词解释",
    "notes": "编制说明", "t1": "表1 财务收支预算总表", "t2": "表2 收入预算总表", "t3": "表3 支出预算总表",
    "t4": "表4 财政拨款收支预算总表", "t5": "表5 一般公共预算支出功能分类预算表", "t6": "表6 政府性基金预算支出功能分类预算表",
    "t7": "表7 国有资本经营预算支出功能分类预算表", "t8": "表8 一般公共预算基本支出经济分类预算表",
    "t9": "表9 “三公”经费和机关运行经费预算表", "other": "其他相关情况说明", "project": "项目经费情况说明", "unknown": "未知部分",
}


def flat(text: str) -> str:
    """Text for matching: NFKC (widths, 　 spaces) with every space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


class Refused(Exception):
    """The file is not a modern disclosure that can be read: one located problem, nothing written."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class Line:
    """One line of text as set on the page."""

    text: str
    x0: float
    x1: float
    top: float
    size: float


@dataclass
class Cell:
    """A table cell's text and its left and right edges."""

    text: str
    x0: float
    x1: float


@dataclass
class Ruled:
    """One ruled table of a page: its rows of cells (merged cells once, at their first column)."""

    page: int
    rows: list[list[Cell]]
    top: float
    bottom: float


@dataclass
class Page:
    """One page: its title, the part it belongs to, its body lines, tables and folio."""

    number: int
    width: float
    height: float
    title: str = ""
    part: str = ""
    lines: list[Line] = field(default_factory=list)  # body lines (not the title, not in a table, not the folio)
    tables: list[Ruled] = field(default_factory=list)
    folio: bool = False  # a page number printed at its foot
    body_size: float = 0.0
    chars: int = 0

    @property
    def landscape(self) -> bool:
        """Whether the page is set landscape (the modern edition's pages all are)."""
        return self.width > self.height


@dataclass
class Document:
    """A disclosure's pages, grouped into parts in their order."""

    path: Path
    pages: list[Page]
    year: int = 0
    kind: str = ""  # 部门 or 单位
    name: str = ""  # the unit's full name, from the cover
    region: str = ""
    level: str = ""
    cover_page: int = 0
    margins: tuple[float, float] = (0.0, 0.0)  # left and right edges of the body text on the text pages

    @property
    def shown(self) -> str:
        """The file's name, as messages and the record name it."""
        return self.path.name

    def parts(self, part: str) -> list[Page]:
        """The pages of every occurrence of a part, in order."""
        return [p for p in self.pages if p.part == part]

    def runs(self, part: str) -> list[list[Page]]:
        """Each occurrence of a part as its own run of pages (one per 项目经费情况说明)."""
        runs: list[list[Page]] = []
        for page in self.pages:
            if page.part != part:
                continue
            if page.title or not runs or runs[-1][-1].number != page.number - 1:
                runs.append([])
            runs[-1].append(page)
        return runs

    def problem(self, page: int, code: str, message: str, severity: str = "error") -> Problem:
        """A problem of this file located at a page (0: the whole file)."""
        return Problem(self.shown, page, 0, code, message, severity)


def _refuse(path: Path, page: int, code: str, message: str) -> Refused:
    return Refused(Problem(path.name, page, 0, code, message))


def open_pdf(path: Path):
    """The file as pdfplumber reads it, or :class:`Refused` (E410) with why it cannot be read."""
    import pdfplumber

    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise _refuse(path, 0, "E410", f"无法读取文件：{exc.strerror or exc}") from None
    if size > MAX_FILE:
        raise _refuse(path, 0, "E410", f"文件有 {size / 1048576:.1f} MB，超过预算公开文件的合理大小（{MAX_FILE // 1048576} MB），未读取")
    if b"%PDF-" not in head:
        raise _refuse(path, 0, "E410", "不是PDF文件（文件开头没有 %PDF- 标记）：请确认下载的是公开的PDF原件")
    try:
        pdf = pdfplumber.open(path)
        count = len(pdf.pages)
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds for a damaged file
        why = "PDF有密码保护，无法读取" if "password" in f"{type(exc).__name__}{exc}".lower() else f"PDF已损坏，无法解析（{type(exc).__name__}）"
        raise _refuse(path, 0, "E410", f"{why}：请重新下载公开的PDF原件") from None
    if count == 0:
        raise _refuse(path, 0, "E410", "PDF没有页面（文件可能不完整）：请重新下载")
    if count > MAX_PAGES:
        raise _refuse(path, 0, "E410", f"PDF有 {count} 页，超过预算公开文件的合理页数（{MAX_PAGES}），未读取")
    return pdf


def _page(pdf_page, number: int) -> Page:
    page = Page(number, float(pdf_page.width), float(pdf_page.height))
    chars = [c for c in pdf_page.chars if c["text"].strip()]
    page.chars = len(chars)
    if not chars:
        return page
    sizes = Counter(round(float(c["size"]), 1) for c in chars)
    page.body_size = sizes.most_common(1)[0][0]
    found = pdf_page.find_tables()
    boxes = []
    for table in found:
        if max((len(row.cells) for row in table.rows), default=0) < 3:
            continue  # a frame around text (a 目录 set in a table), not a table of figures
        x0, top, x1, bottom = table.bbox
        boxes.append((x0, top, x1, bottom))
        rows = []
        texts = table.extract()
        for row, row_texts in zip(table.rows, texts):
            cells = [Cell((text or "").strip(), box[0], box[2]) for box, text in zip(row.cells, row_texts) if box is not None]
            rows.append(cells)
        page.tables.append(Ruled(number, rows, top, bottom))
    for entry in pdf_page.extract_text_lines(return_chars=True):
        text = entry["text"].strip()
        if not text:
            continue
        mid = (entry["top"] + entry["bottom"]) / 2
        if any(x0 - 1 <= entry["x0"] and entry["x1"] <= x1 + 1 and top <= mid <= bottom for x0, top, x1, bottom in boxes):
            continue
        size = median(float(c["size"]) for c in entry["chars"] if c["text"].strip()) if entry["chars"] else page.body_size
        page.lines.append(Line(text, float(entry["x0"]), float(entry["x1"]), float(entry["top"]), round(size, 1)))
    page.lines.sort(key=lambda l: (round(l.top), l.x0))
    if page.lines and FOLIO.match(page.lines[-1].text) and page.lines[-1].top > page.height * 0.85:
        page.folio = True
        page.lines.pop()
    # The title: the first lines set larger than the body, in the top half (a banner or a
    # running head above it stays body text).
    first = next((i for i, l in enumerate(page.lines[:4]) if l.size >= page.body_size * TITLE_RATIO and l.top < page.height / 2), None)
    if first is not None:
        last = first
        while last + 1 < len(page.lines) and page.lines[last + 1].size >= page.body_size * TITLE_RATIO:
            last += 1
        page.title = "".join(l.text for l in page.lines[first : last + 1])
        del page.lines[first : last + 1]
    return page


def _part_of(title: str) -> Optional[str]:
    key = flat(title)
    if not key:
        return None
    if key in ("目录", "目次"):
        return "toc"
    if key.endswith("主要职能"):
        return "functions"
    if key.endswith("机构设置"):
        return "organisation"
    if key == "名词解释":
        return "terms"
    if key.endswith("预算编制说明"):
        return "notes"
    for kind, ending in TITLES:
        if key.endswith(flat(ending)):
            return TABLE_PARTS[kind]
    if key.endswith("其他相关情况说明"):
        return "other"
    if key.endswith("项目经费情况说明"):
        return "project"
    if key.endswith("相关情况说明"):
        return "related-2017"
    return "unknown"


def read_document(path: Path) -> Document:
    """Every page of the file, its part named by its title; :class:`Refused` when the file
    is not a modern disclosure with a text layer."""
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # a damaged file is said once, as E410, not in pdfminer's words
    pdf = open_pdf(path)
    pages: list[Page] = []
    try:
        for index, pdf_page in enumerate(pdf.pages, 1):
            try:
                pages.append(_page(pdf_page, index))
            except Exception as exc:  # noqa: BLE001 - a damaged page object: pdfminer raises many kinds
                raise _refuse(path, index, "E410", f"这一页无法解析（{type(exc).__name__}），PDF可能已损坏：请重新下载公开的PDF原件") from None
            pdf_page.close()
    finally:
        pdf.close()
    if sum(p.chars for p in pages) < 20:
        raise _refuse(path, 1, "E411", f"PDF没有文字层（{len(pages)} 页都读不出文字，像是扫描件或图片）：无法读出文字和数字；"
                                      "请找网站上发布的原始PDF（可以选中文字的那种），或按 docs/records.md 手工填写记录")
    document = Document(path, pages)
    _cover(document)
    part = ""
    for page in pages:
        if page.number == document.cover_page:
            page.part = "cover"
            part = ""
            continue
        found = _part_of(page.title)
        if found is not None:
            part = found
        page.part = part or "unknown"
    _edition(document)
    text = [l for p in pages if p.part in TEXT_PARTS for l in p.lines]
    if text:
        document.margins = (min(l.x0 for l in text), max(l.x1 for l in text))
    return document


TEXT_PARTS = ("functions", "organisation", "terms", "notes", "other", "project")


def read_cover(path: Path) -> Document:
    """The cover alone (the first two pages): year, 部门/单位, name, 地区 and 级次 when it
    prints them, so that a wrong ``--year`` or an existing record is said before the whole
    file is read.  :class:`Refused` (E410) when the file cannot be opened."""
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    pdf = open_pdf(path)
    try:
        pages = []
        for index, pdf_page in enumerate(pdf.pages[:2], 1):
            try:
                pages.append(_page(pdf_page, index))
            except Exception:  # noqa: BLE001 - said with its page when the whole file is read
                break
    finally:
        pdf.close()
    document = Document(path, pages)
    _cover(document)
    return document


def _cover(document: Document) -> None:
    """Year, 部门/单位, 地区, 级次 and the unit's name from the cover (first pages) or, failing that,
    from the titles of the 编制说明 and 主要职能."""
    for page in document.pages[:2]:
        texts = [_plain(page.title)] + [_plain(l.text) for l in page.lines]
        joined = [t for t in texts if t]
        for text in joined:
            found = COVER.match(text)
            if found and not document.year:
                document.year, document.kind = int(found["year"]), found["kind"]
                document.region, document.level = found["region"], found["level"] or ""
                document.cover_page = page.number
            named = COVER_NAME.match(text)
            if named and not document.name:
                document.name = _plain(named["name"])
                document.kind = document.kind or ("部门" if named["who"] == "主管部门" else "单位")
                document.cover_page = document.cover_page or page.number
    for page in document.pages:
        found = NOTES_TITLE.search(flat(page.title))
        if found and not document.year:
            document.year, document.kind = int(found["year"]), found["kind"]
        title = _plain(page.title)
        if not document.name and title.endswith("主要职能") and len(title) > 4:
            document.name = title[: -len("主要职能")]


def _plain(text: str) -> str:
    """A name as printed, spaces removed, its full-width brackets kept."""
    return re.sub(r"\s+", "", text)


def _edition(document: Document) -> None:
    """E412 when the file is not a budget disclosure; E413 for the 2017 edition (2017–2018)."""
    parts = {p.part for p in document.pages}
    known = parts & {"notes", "t1", "t2", "t3", "t5", "t8", "other", "related-2017"}
    if len(known) < 2 and not document.year:
        titles = [p.title for p in document.pages if p.title][:3]
        seen = f"（读到的标题：{'、'.join(titles)}）" if titles else "（没有读到任何标题）"
        raise _refuse(document.path, 1, "E412", "不是部门预算或单位预算的公开文件：找不到封面“…年…部门（单位）预算”、预算编制说明和预算表"
                                                + seen + "；import 只读预算公开文件（PDF）和预算表格（XLSX）")
    old = next((p for p in document.pages if p.part == "related-2017"), None)
    portrait = next((p for p in document.pages if p.part == "notes" and not p.landscape), None)
    if old is not None or (document.year and document.year <= 2018) or (portrait is not None and "other" not in parts):
        where = old or portrait or next((p for p in document.pages if p.part == "notes"), document.pages[0])
        why = (f"“{old.title}”是2017版式的四部分相关情况说明" if old is not None
               else f"{document.year}年的公开文件" if document.year and document.year <= 2018 else "竖版页面，没有“其他相关情况说明”")
        raise _refuse(document.path, where.number, "E413",
                      f"这是2017版式（2017—2018年）的预算公开文件（{why}）：import 只读2019年起的现代版式；"
                      "2017版式的记录请按 docs/records.md 的“Budget record”手工填写")
    if not (known & {"t3", "t5"}):
        raise _refuse(document.path, 1, "E412", "找不到支出预算总表或一般公共预算支出功能分类预算表：这份PDF不像完整的预算公开文件，未读取")
    if not document.year or not document.name:
        missing = "、".join(w for w, v in (("年度", document.year), ("单位名称", document.name)) if not v)
        raise _refuse(document.path, 1, "E412", f"封面上读不出{missing}（应为“上海市2025年市级部门预算”和“预算主管部门：…”）")


def paragraphs(pages: list[Page], margins: Optional[tuple[float, float]] = None) -> list[tuple[int, str]]:
    """The body of a run of pages as paragraphs, each with the page it starts on.

    A line starts a paragraph when it is indented, follows a line that stopped short of
    the right margin, or starts with a list number (``1.``, ``（一）``, ``一、``); wrapped
    lines are joined without a space (the text is Chinese).
    """
    result: list[tuple[int, str]] = []
    lines = [(p.number, l) for p in pages for l in p.lines]
    if not lines:
        return result
    left = min([l.x0 for _, l in lines] + ([margins[0]] if margins and margins[1] else []))
    right = max([l.x1 for _, l in lines] + ([margins[1]] if margins and margins[1] else []))
    previous: Optional[Line] = None
    for number, line in lines:
        size = line.size or 12
        indented = line.x0 > left + size * 0.8
        # A line that stopped short ends its paragraph, unless the next line's first word (a
        # number, a Latin word: set without a break) could not have fitted in the room left.
        lead = re.match(r"[0-9A-Za-z.,%/\-]*", line.text).group()
        short = previous is not None and right - previous.x1 > max(size * 2.5, (len(lead) * 0.6 + 1.5) * size)
        if previous is None or indented or short or LIST_START.match(line.text):
            result.append((number, line.text))
        else:
            result[-1] = (result[-1][0], _join(result[-1][1], line.text))
        previous = line
    return result


LIST_START = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、|\d+\s*[.．、](?!\d))")


def _join(before: str, after: str) -> str:
    if re.search(r"[A-Za-z]$", before) and re.match(r"[A-Za-z]", after):
        return f"{before} {after}"
    return before + after
