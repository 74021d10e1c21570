"""A real document reproduced: the 2025 部门预算 of 上海市普陀区人民政府办公室 (shared/reference).

The example project ``examples/putuo-区政府办公室`` holds the document as records
(its own units, classifications and budget record).  Rendered from that folder
as a user would, its PDF and DOCX must hold at least 98% of the reference text's
character 3-grams, and every amount of the nine tables must be the reference's.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetdocs.cli import main
from conftest import FIXTURES, REPO
from seedtext import coverage, docx_text, pdf_text

EXAMPLE = REPO / "examples" / "putuo-区政府办公室"
REFERENCE = (FIXTURES / "reference" / "putuo-2025-区政府办公室-部门预算.txt").read_text(encoding="utf-8")
STEM = "2025年区政府办公室部门预算"
# Leader dots of the contents page are drawn, not written: a run of them is layout, not text.
LEADERS = re.compile(r"[…．.]{3,}")
AMOUNT = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})*\.\d{2}(?![\d])")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """The example rendered from a copy of its folder, as `cd …; render --year 2025 --unit 区政府办公室`."""
    root = tmp_path_factory.mktemp("putuo") / "putuo"
    shutil.copytree(EXAMPLE / "data", root / "data")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, ["--year", "2025", "--unit", "区政府办公室"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert "警告" not in result.output, result.output
    return root / "output" / "2025" / "区政府办公室"


def reference_text() -> str:
    return LEADERS.sub(" ", REFERENCE)


@pytest.mark.parametrize("suffix,reader", [("pdf", pdf_text), ("docx", docx_text)])
def test_reference_text_reproduced(rendered, suffix, reader):
    share, missing = coverage(reference_text(), reader(rendered / f"{STEM}.{suffix}"))
    assert share >= 0.98, f"{share:.2%} of the reference's 3-grams in the {suffix}; missing e.g. {missing[:40]}"


def _tables(text: str) -> str:
    start = text.index("2025年部门财务收支预算总表\n编制部门") if "2025年部门财务收支预算总表\n编制部门" in text else None
    if start is None:  # ours: the table part starts at the first table title after the contents page
        start = [m.start() for m in re.finditer("2025年部门财务收支预算总表", text)][-1]
    end = text.rindex("其他相关情况说明")
    return text[start:end]


def test_every_table_amount_equal(rendered):
    theirs = Counter(AMOUNT.findall(_tables(REFERENCE)))
    ours = Counter(AMOUNT.findall(_tables(pdf_text(rendered / f"{STEM}.pdf"))))
    assert len(theirs) > 50
    assert ours == theirs, (ours - theirs, theirs - ours)


def test_narrative_sentences_as_published(rendered):
    """The computed sentences read as the published ones, word for word."""
    text = re.sub(r"\s+", "", pdf_text(rendered / f"{STEM}.pdf"))
    for sentence in (
        "2025年，上海市普陀区人民政府办公室收入预算9,101.68万元，其中：财政拨款收入9,101.68万元，比2024年预算减少2,389.52万元；"
        "事业收入0万元；事业单位经营收入0万元；其他收入0万元。",
        "政府性基金拨款支出预算0万元，比2024年预算持平；国有资本经营预算拨款支出预算0万元，比2024年预算持平。",
        "财政拨款收入支出减少的主要原因是项目调整。",
        "2.“一般公共服务支出-政府办公厅（室）及相关机构事务-一般行政管理事务”科目4,614万元，",
        "2025年“三公”经费预算数为867.50万元，与2024年预算持平。其中：",
        "（一）因公出国（境）费839万元，与2024年预算持平。",
        "2025年上海市普陀区人民政府办公室下属1家机关和1家事业单位财政拨款的机关运行经费预算为213.28万元。",
        "2025年本部门政府采购预算34万元，其中：政府采购货物预算0万元、政府采购工程预算0万元、政府采购服务预算34万元。",
        "编报绩效目标的项目11个，涉及项目预算资金6,626万元。",
        "区政府督查及建议提案工作业务经费项目经费情况说明",
    ):
        assert sentence in text, sentence
