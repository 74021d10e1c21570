"""Real documents reproduced: the 2025 部门预算 of 上海市普陀区人民政府办公室, its 单位预算
twin, and the 2024 部门预算 of 万里街道 (shared/reference; their text in
tests/fixtures/reference).

Each example project (``examples/putuo-区政府办公室``, ``…单位``, ``examples/putuo-万里街道``)
holds one document as records (its own units, classifications and budget record).
Rendered from a copy of that folder as a user would, its PDF and its DOCX must hold at
least 99% of the reference text's character 3-grams, every amount of the tables must be
the reference's, and the PDF must have the reference's page count ±1; the two 2025
documents also every part on the reference's page ±1.  ``*.pages.txt`` is ``pdftotext``
of the reference PDF (pages separated by form feeds): where each part starts.

万里街道 is the variety: 元整数 tables with 0 in their empty cells, the per-item comparison
with percentages, （类）（款）（项） names, 33 items.  Its published tables fill their pages
differently (tables 2 and 3 leave their 合计 row alone on a page, which we never do; only
table 5 repeats its header rows on a continued page, where we repeat every table's), so
only its page count is held to ±1.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetdocs.cli import main
from conftest import FIXTURES, REPO
from seedtext import coverage, docx_text, pdf_text

REFERENCES = FIXTURES / "reference"
# id → (example folder, reference stem, year, unit, document stem)
EXAMPLES = {
    "部门预算": ("putuo-区政府办公室", "putuo-2025-区政府办公室-部门预算", 2025, "区政府办公室", "2025年区政府办公室部门预算"),
    "单位预算": ("putuo-区政府办公室单位", "putuo-2025-区政府办公室-单位预算", 2025, "区政府办公室", "2025年区政府办公室单位预算"),
    "万里街道": ("putuo-万里街道", "putuo-2024-万里街道-部门预算", 2024, "万里街道", "2024年万里街道部门预算"),
}
# Leader dots of the contents page are drawn, not written: a run of them is layout, not text.
LEADERS = re.compile(r"[…．.]{3,}")
# an amount of the tables: with 分 (91,016,775.35) or whole 元 with separators (156,211,123)
AMOUNT = re.compile(r"(?<![\d,.])\d{1,3}(?:(?:,\d{3})*\.\d{2}|(?:,\d{3})+)(?![\d.])")


def reference(kind: str, suffix: str = "txt") -> str:
    return (REFERENCES / f"{EXAMPLES[kind][1]}.{suffix}").read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=list(EXAMPLES))
def rendered(request, tmp_path_factory) -> tuple[str, Path]:
    """An example rendered from a copy of its folder, as `cd …; render --year 2025 --unit 区政府办公室`:
    (its kind, the stem of its three files)."""
    kind = request.param
    folder, _, year, unit, stem = EXAMPLES[kind]
    root = tmp_path_factory.mktemp("putuo") / "putuo"
    shutil.copytree(REPO / "examples" / folder / "data", root / "data")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, ["--year", str(year), "--unit", unit])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert "警告" not in result.output, result.output
    return kind, root / "output" / str(year) / unit / stem


def pdf_layout_text(path: Path) -> str:
    """The PDF's text extracted as the reference's was (``pdftotext -layout``): a table's
    cells then follow each other in the same order in both, so the 3-grams that span two
    cells of a row count for both alike."""
    return pdf_text(path, layout=True)


@pytest.mark.parametrize("suffix,reader", [("pdf", pdf_layout_text), ("docx", docx_text)])
def test_reference_text_reproduced(rendered, suffix, reader):
    kind, stem = rendered
    share, missing = coverage(LEADERS.sub(" ", reference(kind)), reader(stem.with_suffix(f".{suffix}")))
    assert share >= 0.99, f"{kind}: {share:.2%} of the reference's 3-grams in the {suffix}; missing e.g. {missing[:40]}"


def _tables(text: str, kind: str) -> str:
    """The text from the first table's title (after the contents page) to 其他相关情况说明."""
    year = EXAMPLES[kind][2]
    title = f"{year}年预算单位财务收支预算总表" if kind == "单位预算" else f"{year}年部门财务收支预算总表"
    start = [m.start() for m in re.finditer(title, text)][-1]
    return text[start : text.rindex("其他相关情况说明")]


def test_every_table_amount_equal(rendered):
    kind, stem = rendered
    theirs = Counter(AMOUNT.findall(_tables(reference(kind), kind)))
    ours = Counter(AMOUNT.findall(_tables(pdf_text(stem.with_suffix(".pdf")), kind)))
    assert len(theirs) > 50
    assert ours == theirs, (ours - theirs, theirs - ours)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def part_pages(pages: list[str], titles: list[str]) -> dict[str, int]:
    """The page (1-based) each title first appears on after the contents page."""
    found = {}
    flat = [_flat(p) for p in pages]
    for title in titles:
        key = _flat(title)
        found[title] = next((i + 1 for i, page in enumerate(flat) if i >= 2 and key in page), 0)
    return found


def _titles(kind: str) -> list[str]:
    who = "部门" if kind == "部门预算" else "预算单位"
    tables = [
        "财务收支预算总表",
        "收入预算总表",
        "支出预算总表",
        "财政拨款收支预算总表",
        "一般公共预算支出功能分类预算表",
        "政府性基金预算支出功能分类预算表",
        "国有资本经营预算支出功能分类预算表",
        "一般公共预算基本支出部门预算经济分类预算表",
    ]
    titles = ["上海市普陀区人民政府办公室主要职能", "上海市普陀区人民政府办公室机构设置", "名词解释", f"2025年{kind[:2]}预算编制说明"]
    titles += [f"2025年{who}{t}" for t in tables]
    titles += [f"2025年{kind[:2]}“三公”经费和机关运行经费预算表", "其他相关情况说明"]
    if kind == "部门预算":
        titles.append("区政府督查及建议提案工作业务经费项目经费情况说明")
    return titles


def test_pages_as_published(rendered):
    """The reference's page count ±1, and every part on the reference's page ±1."""
    kind, stem = rendered
    theirs = reference(kind, "pages.txt").split("\f")[:-1]
    ours = pdf_text(stem.with_suffix(".pdf")).split("\f")[:-1]
    assert abs(len(ours) - len(theirs)) <= 1, f"{kind}: {len(ours)} pages, the reference {len(theirs)}"
    if kind == "万里街道":
        return  # see the module's docstring
    titles = _titles(kind)
    want, got = part_pages(theirs, titles), part_pages(ours, titles)
    assert all(want.values()), want
    off = {t: (got[t], want[t]) for t in titles if abs(got[t] - want[t]) > 1}
    assert not off, f"{kind}: parts off their published page (ours, theirs): {off}"


SENTENCES = {
    "部门预算": (
        "2025年，上海市普陀区人民政府办公室收入预算9,101.68万元，其中：财政拨款收入9,101.68万元，比2024年预算减少2,389.52万元；"
        "事业收入0万元；事业单位经营收入0万元；其他收入0万元。",
        "政府性基金拨款支出预算0万元，比2024年预算持平；国有资本经营预算拨款支出预算0万元，比2024年预算持平。",
        "财政拨款收入支出减少的主要原因是项目调整。",
        "2.“一般公共服务支出-政府办公厅（室）及相关机构事务-一般行政管理事务”科目4,614万元，",
        "2025年“三公”经费预算数为867.50万元，与2024年预算持平。其中：",
        "（一）因公出国（境）费839万元，与2024年预算持平。",
        "2025年上海市普陀区人民政府办公室下属1家机关和1家事业单位财政拨款的机关运行经费预算为213.28万元。",
        "2025年本部门政府采购预算34万元，其中：政府采购货物预算0万元、政府采购工程预算0万元、政府采购服务预算34万元。",
        "按照本区预算绩效管理工作的总体要求，本部门1个预算单位开展了2025年项目预算绩效目标编报工作，编报绩效目标的项目11个，涉及项目预算资金6626万元。",
        "区政府督查及建议提案工作业务经费项目经费情况说明",
    ),
    "单位预算": (
        "上海市普陀区人民政府办公室设10个内设机构，包括：（一）秘书科（联络科）。组织、协调和管理区政府系统的全区性大型活动。",
        "（十）区域合作科。拟订本区国内区域合作交流的规划和计划，并组织实施。",
        "2025年单位预算编制说明",
        "财政拨款收入支出减少的主要原因是项目调整。",
        "2025年度本单位政府采购预算34万元，其中：政府采购货物预算0万元、政府采购工程预算0万元、政府采购服务预算34万元。",
        "2025年本单位面向中小企业预留政府采购项目预算金额34万元，其中，预留给小型和微型企业的政府采购项目预算为34万元。",
        "2025年度，本单位编报绩效目标的项目共11个，涉及项目预算资金6626万元。",
        "2025年单位预算安排购置车辆0辆",
    ),
    "万里街道": (
        "2024年，上海市普陀区人民政府万里街道办事处收入预算15621.11万元，其中：财政拨款收入15621.11万元，比2023年预算减少"
        "876.75万元；事业收入0.00万元；事业单位经营收入0.00万元；其他收入0.00万元。",
        "2023年当年预算执行数为60.13万元，2024年预算安排25.77万元，比2023年预算执行数减少57.14%。主要原因是：项目调整。",
        "（一）因公出国（境）费0万元，比2023年预算持平",
        "2024年上海市普陀区人民政府万里街道办事处（部门）下属1家机关和1家参公事业单位财政拨款的机关运行经费预算为443.18万元",
        "2024年本部门政府采购预算1662.44万元，其中：政府采购货物预算93.98万元、政府采购工程预算815.87万元、",
    ),
}


def test_narrative_sentences_as_published(rendered):
    """The computed sentences read as the published ones, word for word."""
    kind, stem = rendered
    if kind not in SENTENCES:
        return
    text = _flat(pdf_text(stem.with_suffix(".pdf")))
    missing = [s for s in SENTENCES[kind] if _flat(s) not in text]
    assert not missing, missing


def test_unit_prints_no_project_notes_and_no_folios(rendered):
    """Neither example prints page numbers (设置.页码: false), as published; a 单位预算 has
    no 项目经费情况说明 and its contents no seventh part."""
    kind, stem = rendered
    pages = pdf_text(stem.with_suffix(".pdf")).split("\f")[:-1]
    assert not any(re.search(r"—\s*\d+\s*—", p) for p in pages)
    if kind == "单位预算":
        assert "项目经费情况说明" not in _flat(pages[1]) and "七、" not in pages[1]
