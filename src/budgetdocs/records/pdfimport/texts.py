"""Take a disclosure's text parts; give the record's texts: 主要职能, 机构设置, 名词解释, 项目经费情况说明.

Each part is read as paragraphs (:func:`~.pages.paragraphs`) and its list items by
their numbers, whose style becomes a setting (``职能编号``).  The 名词解释 is kept only
where it differs from the standard text the template prints for the document's level;
a text that speaks as the other level (``市级`` in a 区级 document) is listed in ``照印``,
as printed.  A part that is missing or cannot be read is listed by page (W410), never
filled in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from ...errors import Problem
from ...layout.projectnotes import HEADINGS
from ..publish import other_level, other_year, placeholder
from .pages import Document, flat, paragraphs

NUMBERINGS = (  # 职能编号 values and how each numbers an item
    ("（一）", re.compile(r"^[（(][一二三四五六七八九十百]+[）)]\s*")),
    ("一、", re.compile(r"^[一二三四五六七八九十百]+、\s*")),
    ("1.", re.compile(r"^\d+\s*[.．](?!\d)\s*")),
    ("1、", re.compile(r"^\d+\s*、\s*")),
)
INTRO = "主要职能包括"
TERM = re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*(?P<term>[^：:]+)[：:](?P<meaning>.+)$")
PROJECT_HEADING = re.compile(r"^[一二三四五六七八九十]+、\s*(?P<label>项目概述|项目概况|" + "|".join(l for _, l in HEADINGS[1:]) + r")\s*[：:]?\s*(?P<rest>.*)$")


@dataclass
class Texts:
    """The texts of a record, the settings their wording shows, and what could not be read."""

    overview: str = ""
    functions: list[str] = field(default_factory=list)
    organisation: dict = field(default_factory=dict)
    terms: Optional[list[dict]] = None  # None: the standard text
    verbatim: list[str] = field(default_factory=list)
    project_notes: list[dict] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _numbering(text: str) -> Optional[tuple[str, str]]:
    """(职能编号 style, the text without its number), or None for an unnumbered paragraph."""
    for style, pattern in NUMBERINGS:
        found = pattern.match(text)
        if found:
            return style, text[found.end():].strip()
    return None


def _missing(document: Document, texts: Texts, part: str, page: int = 1) -> None:
    texts.problems.append(document.problem(page, "W410", f"{part}：文件中找不到这一部分，记录中没有写入，请照原文补上", "warning"))


def read_texts(document: Document) -> Texts:
    """Every descriptive text part of the document."""
    texts = Texts()
    _functions(document, texts)
    _organisation(document, texts)
    _terms(document, texts)
    _project_notes(document, texts)
    _layout(document, texts)
    _published_checks(document, texts)
    previous = None
    for page in document.pages:  # a part the modern edition does not have: said once, not read
        if page.part == "unknown" and page.chars and page.number > 1 and (page.title or previous != "unknown"):
            if "绩效目标" in page.title:
                why = "是项目绩效目标申报表：import 只读预算公开文件本身，申报表请另建记录（docs/records.md）"
            else:
                why = "不是预算公开文件的已知部分，未读取"
            texts.problems.append(document.problem(page.number, "W410", f"{('“' + page.title + '”') if page.title else '这一页'}{why}", "warning"))
        previous = page.part
    return texts


PLACEHOLDER_KEYS = {"functions": "主要职能", "organisation": "机构设置", "terms": "名词解释", "notes": "项说明", "project": "项目经费情况说明"}


def _published_checks(document: Document, texts: Texts) -> None:
    """§5.6 on the text: no placeholder (XX, 待填写 …: kept as printed, in 照印) and no title
    naming another year than the report's."""
    for page in document.pages:
        named = other_year(page.title, document.year) if page.title else None
        if named:
            texts.problems.append(document.problem(page.number, "W411", f"标题“{page.title}”写着{named}年，但这是{document.year}年的预算", "warning"))
        if page.part in PLACEHOLDER_KEYS:
            for line in page.lines:
                mark = placeholder(line.text)
                if mark:
                    texts.problems.append(document.problem(page.number, "W411", f"{PLACEHOLDER_KEYS[page.part]}中有占位文字“{mark}”，照原文写入（照印）", "warning"))
                    if PLACEHOLDER_KEYS[page.part] not in texts.verbatim:
                        texts.verbatim.append(PLACEHOLDER_KEYS[page.part])


def _functions(document: Document, texts: Texts) -> None:
    pages = document.parts("functions")
    if not pages:
        _missing(document, texts, "主要职能")
        return
    title = re.sub(r"\s+", "", pages[0].title)
    suffix = title[len(document.name):-len("主要职能")] if title.startswith(document.name) else ""
    if suffix:
        texts.settings["名称后缀"] = suffix
    overview, items, style = [], [], None
    for _, para in paragraphs(pages, document.margins):
        numbered = _numbering(para)
        if numbered and (style is None or numbered[0] == style):
            style = numbered[0]
            items.append(numbered[1])
        elif items:
            items[-1] += para  # a second paragraph of an item: the record holds an item as one text
        elif not flat(para).startswith(INTRO):
            overview.append(para)
    if not items:
        texts.problems.append(document.problem(pages[0].number, "W410", "主要职能：读不出编号的职能条目，记录中没有写入", "warning"))
    texts.overview = "\n".join(overview)
    texts.functions = items
    if style and style != "（一）":
        texts.settings["职能编号"] = style


def _organisation(document: Document, texts: Texts) -> None:
    pages = document.parts("organisation")
    if not pages:
        _missing(document, texts, "机构设置")
        return
    intro, units, departments = [], [], []
    for _, para in paragraphs(pages, document.margins):
        numbered = _numbering(para)
        if numbered and numbered[0] == "（一）":  # 内设机构, printed （一）name。duties
            name, _, duties = numbered[1].partition("。")
            departments.append({"名称": name.strip(), "职责": duties.strip()})
        elif numbered and not departments:  # 预算单位, printed 1.name
            units.append(numbered[1])
        elif units or departments:
            target = departments[-1] if departments else None
            if target is not None:
                target["职责"] += para
            else:
                units[-1] += para
        else:
            intro.append(para)
    organisation: dict = {}
    counted = f"{document.name}设{len(departments)}个内设机构，包括："
    if intro and not (departments and len(intro) == 1 and flat(intro[0]) == flat(counted)):
        organisation["说明"] = "\n".join(intro)
    if units:
        organisation["单位"] = units
    if departments:
        organisation["内设机构"] = departments
    if not organisation:
        texts.problems.append(document.problem(pages[0].number, "W410", "机构设置：这一页没有读出文字，记录中没有写入", "warning"))
    texts.organisation = organisation


def standard_terms(level: str) -> Optional[list[tuple[str, str]]]:
    """The 名词解释 the built-in template prints for a level, read from the template itself
    (None when it cannot be read: the document's terms are then kept as printed)."""
    from jinja2 import Environment

    from ...layout.html import BUILTIN_TEMPLATES

    try:
        source = (BUILTIN_TEMPLATES / "disclosure-2019.html.j2").read_text(encoding="utf-8")
        found = re.search(r"\{%\s*set\s+standard_terms\s*=\s*(\[.*?\])\s*%\}", source, re.S)
        terms = Environment().compile_expression(found.group(1))(s={"level": level}) if found else None
        return [(str(t), str(m)) for t, m in terms] if terms else None
    except Exception:  # noqa: BLE001 - a template changed beyond this reading: keep the printed terms
        return None


def _terms(document: Document, texts: Texts) -> None:
    pages = document.parts("terms")
    if not pages:
        _missing(document, texts, "名词解释")
        return
    terms = []
    for page, para in paragraphs(pages, document.margins):
        found = TERM.match(para)
        if found:
            terms.append({"名词": found["term"].strip(), "解释": found["meaning"].strip()})
        elif terms:
            terms[-1]["解释"] += para
        else:
            texts.problems.append(document.problem(page, "W410", f"名词解释：读不出“{para[:20]}”的名词和解释，未写入", "warning"))
    level = document.level or "市级"
    standard = standard_terms(level)
    if standard is not None and [(flat(t["名词"]), flat(t["解释"])) for t in terms] == [(flat(a), flat(b)) for a, b in standard]:
        return  # the standard text, which the template prints
    texts.terms = terms
    if any(other_level(t["解释"], level, document.region) for t in terms):
        texts.verbatim.append("名词解释")


def _project_notes(document: Document, texts: Texts) -> None:
    for run in document.runs("project"):
        title = re.sub(r"\s+", "", run[0].title)
        name = title[: -len("项目经费情况说明")]
        note: dict = {"项目名称": name} if name else {}
        if not name:
            texts.settings["项目说明标题"] = False
        current: Optional[str] = None
        for _, para in paragraphs(run, document.margins):
            heading = PROJECT_HEADING.match(para)
            if heading:
                label = heading["label"]
                if label == "项目概况":
                    texts.settings["项目说明首项"] = "项目概况"
                current = "项目概述" if label == "项目概况" else label
                note[current] = heading["rest"]
            elif current is not None:
                note[current] = f"{note[current]}\n{para}" if note[current] else para
            else:
                texts.problems.append(document.problem(run[0].number, "W410", f"项目经费情况说明：标题下的“{para[:20]}”不在任何小标题下，未写入", "warning"))
        if len(note) <= 1:
            texts.problems.append(document.problem(run[0].number, "W410", "项目经费情况说明：读不出“一、项目概述”等小标题下的文字，未写入", "warning"))
            continue
        texts.project_notes.append(note)


def _layout(document: Document, texts: Texts) -> None:
    """Page numbers and the 目录's numbers and leader dots, as printed."""
    body = [p for p in document.pages if p.part not in ("cover", "toc")]
    if body and sum(p.folio for p in body) * 2 < len(body):
        texts.settings["页码"] = False
    toc = document.parts("toc")
    lines = [flat(l.text) for p in toc for l in p.lines]
    if toc and lines:
        if not any(re.search(r"\d+$", l) and re.search(r"[…．.·]{2,}", l) or re.search(r"\D\d{1,3}$", l) for l in lines):
            texts.settings["目录页码"] = False
        if not any(re.search(r"[…．.·]{3,}", l) for l in lines):
            texts.settings["目录引导点"] = False

