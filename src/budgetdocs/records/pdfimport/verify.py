"""Take an imported record and the PDF it came from; give how much of the PDF the record renders back.

The record is rendered (PDF only) in a temporary copy of the project's data, and the new
PDF is read as the source was (:func:`~.pages.read_document`).  Three figures: the
share of the source's text found in the new PDF (character 3-grams within a line or a
table row, compared without widths, spaces, thousands separators or 目录 leader dots:
the measure the tests hold the example projects to), every amount of the nine tables
and every 万元 figure of the sentences (found, or listed with its page), and the page
counts.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .pages import Document, Page, read_document

TABLES = ("t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9")
LEADERS = re.compile(r"[…．.·]{3,}")
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
TABLE_AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+)$")
WAN = re.compile(r"(\d[\d,]*(?:\.\d+)?)万元")
TEXT_SHARE = 0.98  # what a faithful import renders back at least (the examples hold 99%)


def _normal(text: str) -> str:
    text = LEADERS.sub("", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", "", THOUSANDS.sub("", text))


def _pieces(page: Page) -> list[str]:
    """A page's text as it reads: its title, its lines, each table row's cells in order."""
    rows = [" ".join(c.text for c in row) for table in page.tables for row in table.rows]
    return [page.title] + [l.text for l in page.lines] + rows


@dataclass
class Verification:
    """The figures of one comparison."""

    text_share: float = 0.0
    grams: int = 0
    missing_text: list[str] = field(default_factory=list)
    amounts: int = 0
    missing_amounts: list[tuple[int, str]] = field(default_factory=list)  # (source page, amount)
    figures: int = 0
    missing_figures: list[tuple[int, str]] = field(default_factory=list)
    pages: tuple[int, int] = (0, 0)  # source, rendered
    rendered: Path = Path()

    @property
    def passed(self) -> bool:
        """≥ 98% of the text, every table amount, the page count ±1."""
        return self.text_share >= TEXT_SHARE and not self.missing_amounts and abs(self.pages[0] - self.pages[1]) <= 1

    def lines(self) -> list[str]:
        """The figures as the command prints them."""
        out = [f"  文字：原PDF的 {self.text_share:.1%} 在重新生成的PDF中（按3字片段比较，共 {self.grams:,} 个）"]
        if self.missing_text:
            out.append(f"    未找到的片段如：{'、'.join(self.missing_text[:12])}")
        shown = "、".join(f"{a}（第{p}页）" for p, a in self.missing_amounts[:10])
        out.append(f"  表格金额：原PDF {self.amounts} 个，" + (f"有 {len(self.missing_amounts)} 个不在重新生成的表格中：{shown}" if self.missing_amounts else "全部相同"))
        shown = "、".join(f"{a}万元（第{p}页）" for p, a in self.missing_figures[:10])
        out.append(f"  说明中的万元数：原PDF {self.figures} 个，" + (f"有 {len(self.missing_figures)} 个没有印出：{shown}" if self.missing_figures else "全部印出"))
        out.append(f"  页数：原PDF {self.pages[0]} 页，重新生成 {self.pages[1]} 页")
        return out


def _amounts(document: Document) -> Counter:
    found: Counter = Counter()
    for page in document.pages:
        if page.part in TABLES:
            for table in page.tables:
                for row in table.rows:
                    for cell in row:
                        text = re.sub(r"\s+", "", cell.text)
                        if TABLE_AMOUNT.match(text) and (page.part == "t9" or "," in text or "." in text):
                            found[(text, page.part)] += 1
    return found


def _figures(document: Document) -> list[tuple[int, str]]:
    """Every 万元 figure of the 编制说明 and 其他相关情况说明, with its page (lines joined: a
    figure may wrap)."""
    return [(page.number, value) for page in document.pages if page.part in ("notes", "other")
            for value in WAN.findall(re.sub(r"\s+", "", "".join(l.text for l in page.lines)))]


def compare(source: Document, rendered: Document) -> Verification:
    """How much of ``source`` the ``rendered`` document holds."""
    result = Verification(pages=(len(source.pages), len(rendered.pages)), rendered=rendered.path)
    flat = "".join(_normal(piece) for page in rendered.pages for piece in _pieces(page))
    have = {flat[i : i + 3] for i in range(len(flat) - 2)}
    missing = []
    total = 0
    for page in source.pages:
        for piece in _pieces(page):
            text = _normal(piece)
            grams = [text[i : i + 3] for i in range(len(text) - 2)]
            total += len(grams)
            missing += [g for g in grams if g not in have]
    result.grams = total
    result.text_share = 1 - len(missing) / total if total else 1.0
    result.missing_text = list(dict.fromkeys(missing))
    theirs, ours = _amounts(source), _amounts(rendered)
    pages = {}
    for page in source.pages:
        for table in page.tables:
            for row in table.rows:
                for cell in row:
                    pages.setdefault((re.sub(r"\s+", "", cell.text), page.part), page.number)
    result.amounts = sum(theirs.values())
    result.missing_amounts = sorted((pages.get(key, 0), key[0]) for key, n in (theirs - ours).items() for _ in range(n))
    theirs_f = _figures(source)
    ours_f = Counter(value for _, value in _figures(rendered))
    result.figures = len(theirs_f)
    for page, value in theirs_f:
        if ours_f[value]:
            ours_f[value] -= 1
        else:
            result.missing_figures.append((page, value))
    return result


def verify(project, source: Document, year: int, folder: str, jobs: int = 1) -> tuple[Verification, list]:
    """Render the unit's record of ``year`` (PDF) in a temporary copy of the project's data and
    compare it with ``source``: (the figures, the render's warnings)."""
    from ...build import Project, plan, render_with_stats, scratch_data
    from ...store import private_folder

    with scratch_data(project, "budgetdocs-verify-") as root:
        data = root / "data"
        for y in (year - 1, year):
            if (project.data / str(y) / folder).is_dir():
                shutil.copytree(project.data / str(y) / folder, data / str(y) / folder)
        scratch_project = Project.at(root)
        the_plan = plan(scratch_project, year, [folder], False)
        cache, _why = private_folder(scratch_project.cache)  # the user's layout cache, as render uses it (only if private)
        outputs, _ = render_with_stats(scratch_project, the_plan, ["pdf"], jobs, cache is not None)
        document = next(o for o in outputs if o.path.suffix == ".pdf" and o.path.stem.endswith("预算"))
        pdf = root / document.path.name
        pdf.write_bytes(document.data)
        return compare(source, read_document(pdf)), the_plan.warnings
