"""Seed reproduction: the seeds' text appears in what `render --all` writes for their year."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from seedtext import coverage, docx_text, pdf_text

SEEDS = FIXTURES / "seeds"
# seed file, year, first line of the forms part (001 starts with the disclosure)
CASES = [
    ("000_f7fc035cebcc2849.txt", 2019, "上海市财政支出项目绩效目标申报表"),
    ("001_2373ed3f454b66e3.txt", 2017, "上海市财政支出项目绩效目标申报表"),
    ("002_7afd7b1555bf85c6.txt", 2020, None),
    ("003_a643829a048b0740.txt", 2023, None),
    ("004_4aef5326443e4e0d.txt", 2019, None),
]


def seed_forms_text(name: str, start: str | None) -> str:
    text = (SEEDS / name).read_text(encoding="utf-8")
    if start:
        text = text[text.index(start) :]
    return text


@pytest.fixture(scope="module")
def rendered(seed_years) -> Path:
    """Every year of the repository's data rendered once a session (conftest.seed_years)."""
    return seed_years


def year_text(out: Path, year: int, suffix: str, reader) -> str:
    files = sorted((out / str(year)).rglob(f"*.{suffix}"))
    assert files, f"no {suffix} for {year}"
    return "\n".join(reader(f) for f in files)


@pytest.mark.parametrize("name,year,start", CASES, ids=[c[0][:3] for c in CASES])
def test_seed_text_in_docx(rendered, name, year, start):
    share, missing = coverage(seed_forms_text(name, start), year_text(rendered, year, "docx", docx_text))
    assert share >= 0.98, f"{name}: {share:.2%} of 3-grams in DOCX; missing e.g. {missing[:40]}"


@pytest.mark.parametrize("name,year,start", CASES, ids=[c[0][:3] for c in CASES])
def test_seed_text_in_pdf(rendered, name, year, start):
    share, missing = coverage(seed_forms_text(name, start), year_text(rendered, year, "pdf", pdf_text))
    assert share >= 0.96, f"{name}: {share:.2%} of 3-grams in PDF; missing e.g. {missing[:40]}"


def test_measure_sees_a_missing_cell():
    """The measure is not vacuous: dropping text lowers the coverage."""
    seed = "项目名称\t12333热线全媒体智能咨询平台项目经费\n备注\t无"
    assert coverage(seed, "项目名称 12333热线全媒体智能咨询平台项目经费 备注 无")[0] == 1.0
    assert coverage(seed, "项目名称 备注 无")[0] < 0.5
    # width, spaces and thousands separators do not count
    assert coverage("金额：1,732,000.00（元）", "金额:1732000.00(元)")[0] == 1.0


def test_whole_seed_001_in_the_2017_disclosure(rendered):
    """Seed 001 in full — 职能, 机构设置, 编制说明, eight tables, 相关情况说明, three forms."""
    folder = rendered / "2017" / "人社局"
    seed = (SEEDS / "001_2373ed3f454b66e3.txt").read_text(encoding="utf-8")
    share, missing = coverage(seed, docx_text(folder / "2017年人社局部门预算.docx"))
    assert share >= 0.98, f"{share:.2%} in DOCX; missing e.g. {missing[:40]}"
    share, missing = coverage(seed, pdf_text(folder / "2017年人社局部门预算.pdf"))
    assert share >= 0.96, f"{share:.2%} in PDF; missing e.g. {missing[:40]}"
