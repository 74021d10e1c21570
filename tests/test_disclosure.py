"""The 部门/单位预算 disclosure: identities, tables, generated narrative, pages, bookmarks, marking."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from budgetdocs.records.budget import change, chinese_number, wan, wan1
from budgetdocs.build import Project, plan
from budgetdocs.cli import main
from conftest import DATA, FIXTURES, REPO, write_record
from seedtext import docx_text, normalise, pdf_text

SEED_001 = (FIXTURES / "seeds" / "001_2373ed3f454b66e3.txt").read_text(encoding="utf-8")


def budget_plan(year: int, unit: str):
    the_plan = plan(Project(REPO, DATA, REPO / "output"), year, [unit], False)
    return the_plan.budgets[the_plan.units[0][0].folder]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("disclosure")
    for year, unit in ((2017, "人社局"), (2023, "咨询服务中心")):
        result = CliRunner().invoke(main, ["--year", str(year), "--unit", unit, "--data", str(DATA), "--out", str(out)])
        assert result.exit_code == 0, result.output
    return out


def test_narrative_numbers():
    assert wan(Decimal("374419955")) == "37,442"
    assert wan(Decimal("3100400331")) == "310,040"
    assert wan(Decimal("15000")) == "2"  # half-up
    assert wan(Decimal("14999")) == "1"
    assert wan1(Decimal("327.0")) == "327" and wan1(Decimal("1197.1")) == "1197.1" and wan1(Decimal("13950.10")) == "13950.1"
    assert change(Decimal("1197.1"), Decimal("1524.1")) == ("减少", "327")
    assert change(Decimal("624.3"), Decimal("624.3")) == ("持平", "")
    assert change(Decimal("1.5"), Decimal("1.2")) == ("增加", "0.3")
    assert change(Decimal("1"), None) is None
    assert [chinese_number(n) for n in (1, 9, 10, 11, 15, 20, 21)] == ["一", "九", "十", "十一", "十五", "二十", "二十一"]


@pytest.mark.parametrize("year,unit", [(2017, "人社局"), (2023, "咨询服务中心")])
def test_identities_hold(year, unit):
    view = budget_plan(year, unit).view
    spend, income, fiscal = view.spending_table, view.income_table, view.fiscal_table
    assert view.total == income.total[0] == spend.total[0]
    assert view.fiscal_total == sum(view.income[s] for s in ("一般公共预算", "政府性基金", "国有资本经营"))
    for row in spend.rows:
        assert row.values[0] == row.values[1] + row.values[2]
    for row in income.rows:
        assert row.values[0] == sum(row.values[1:])
    for rows in (spend, income, fiscal, view.economic_table):
        by_code = {r.code: r for r in rows.rows}
        for r in rows.rows:
            children = [c for c in rows.rows if c.code.startswith(r.code) and c.level == r.level + 1]
            if children:
                assert r.values == [sum(v) for v in zip(*(c.values for c in children))], r.code
        assert rows.total == [sum(v) for v in zip(*(r.values for r in rows.rows if r.level == 0))]
        assert by_code
    econ = view.economic_table
    assert econ.total[0] == econ.total[1] + econ.total[2] == view.general_table.total[1]
    tp = view.budget.three_public.current
    assert tp.total == tp.abroad + tp.reception + tp.cars and tp.cars == tp.car_purchase + tp.car_running
    pr = view.budget.procurement
    assert pr.total == pr.goods + pr.works + pr.services


def test_2017_seed_figures():
    view = budget_plan(2017, "人社局").view
    assert view.spending_table.total == [Decimal(3100400331), Decimal(877094869), Decimal(2223305462)]
    assert view.economic_table.total == [Decimal(877094869), Decimal(693765596), Decimal(183329273)]
    rows = {r.code: r for r in view.spending_table.rows}
    assert len(view.spending_table.rows) == 45  # 5 类 + 11 款 + 29 项, as in seed 001
    assert rows["2011001"].name == "行政运行"
    assert rows["2011001"].values == [Decimal(92685618), Decimal(92595618), Decimal(90000)]
    assert rows["210"].name == "医疗卫生与计划生育支出"
    assert {r.code: r.name for r in view.economic_table.rows}["310"] == "其他资本性支出"
    assert view.budget.three_public.prior.total == Decimal("1524.1")


def _narrative(text: str) -> list[str]:
    """The seed's narrative sentences, normalised."""
    notes = text[text.index("2017年部门预算编制说明") : text.index("单位：元")]
    other = text[text.index("上海市人力资源和社会保障局部门相关情况说明") : text.index("效目标见《绩效目标申报表》。") + 14]
    headings = ("2017年部门预算编制说明", "上海市人力资源和社会保障局部门相关情况说明", "一、“三公”经费预算",
                "二、机关运行经费预算", "三、政府采购情况", "四、预算绩效情况")
    sentences = []
    for chunk in (notes, other):
        flat = normalise(chunk)
        for heading in headings:
            flat = flat.replace(normalise(heading), "")
        sentences += [s for s in re.split(r"(?<=[。：])", flat) if len(s) > 6]
    return sentences


def test_2017_narrative_word_for_word(rendered):
    folder = rendered / "2017" / "人社局"
    pdf = re.sub(r"—\d+—", "", normalise(pdf_text(folder / "2017年人社局部门预算.pdf")))  # page footers
    docx = normalise(docx_text(folder / "2017年人社局部门预算.docx"))
    sentences = _narrative(SEED_001)
    assert len(sentences) >= 15
    for sentence in sentences:
        assert sentence in docx, sentence
        assert sentence in pdf, sentence


def test_2017_titles_and_captions(rendered):
    text = pdf_text(rendered / "2017" / "人社局" / "2017年人社局部门预算.pdf")
    for title in (
        "2017年部门财务收支预算总表", "2017年部门收入预算总表", "2017年部门支出预算总表", "2017年部门财政拨款收支预算总表",
        "2017年部门一般公共预算支出功能分类预算表", "2017年部门政府性基金预算支出功能分类预算表",
        "2017年部门一般公共预算基本支出经济分类预算表", "2017年上海市人力资源和社会保障局部门“三公”经费和机关运行经费预算情况表",
    ):
        assert title in text, title
    assert text.count("编制部门：上海市人力资源和社会保障局") == 8
    assert "单位：万元" in text and "国有资本经营预算支出功能分类预算表" not in text
    # code columns: 201 10 01 in three cells
    assert re.search(r"201\s+10\s+01\s+行政运行", text)


MODERN_TABLES_UNIT = [
    "2023年预算单位财务收支预算总表", "2023年预算单位收入预算总表", "2023年预算单位支出预算总表",
    "2023年预算单位财政拨款收支预算总表", "2023年预算单位一般公共预算支出功能分类预算表",
    "2023年预算单位政府性基金预算支出功能分类预算表", "2023年预算单位国有资本经营预算支出功能分类预算表",
    "2023年预算单位一般公共预算基本支出部门预算经济分类预算表", "2023年单位“三公”经费和机关运行经费预算表",
]


def test_pages_bookmarks_and_orientation(rendered):
    """Modern edition: every disclosure page landscape (the attached forms portrait), a bookmark per part and table."""
    path = rendered / "2023" / "咨询服务中心" / "2023年咨询服务中心单位预算.pdf"
    reader = PdfReader(str(path))
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append((item.title, reader.get_destination_page_number(item)))

    walk(reader.outline)
    names = [t for t, _ in titles]
    assert [t for t in names if t in MODERN_TABLES_UNIT] == MODERN_TABLES_UNIT, names
    for section in ("主要职能", "机构设置", "名词解释", "2023年单位预算编制说明", "其他相关情况说明", "绩效目标申报表：12333热线咨询平台项目经费"):
        assert any(section in n for n in names), section
    first_form = min(page for title, page in titles if title.startswith("绩效目标申报表："))
    for number, page in enumerate(reader.pages):
        box = page.mediabox
        assert (box.width > box.height) == (number < first_form), number
        assert "示例" in page.extract_text()
    text = normalise(pdf_text(path))
    for empty in ("政府性基金预算", "国有资本经营预算"):
        assert normalise(f"注：本单位2023年无{empty}财政拨款安排的预算，故本表为空表。") in text
    assert normalise("上海市2023年市级单位预算") in text and normalise("预算单位：上海市人力资源和社会保障局咨询服务中心") in text
    # amounts with 分, as the published tables print them
    assert "77,321,474.11" in pdf_text(path)


def test_docx_sections_toc_and_xlsx_sheets(rendered):
    folder = rendered / "2023" / "咨询服务中心"
    data = (folder / "2023年咨询服务中心单位预算.docx").read_bytes()
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert xml.count('w:orient="landscape"') >= 9
    assert "PAGEREF _Toc_t1" in xml and 'w:name="_Toc_t1"' in xml and xml.count("<w:tblHeader/>") >= 9
    footer = "".join(zipfile.ZipFile(io.BytesIO(data)).read(n).decode() for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if "footer" in n)
    assert "示例" in footer
    wb = openpyxl.load_workbook(folder / "2023年咨询服务中心单位预算.xlsx")
    assert wb.sheetnames[:2] == ["封面", "说明"]
    assert sum(1 for n in wb.sheetnames if n.startswith(("预算单位", "单位")) and n.endswith("表")) == 9
    ws = wb["预算单位支出预算总表"]
    numbers = [c for row in ws.iter_rows() for c in row if c.data_type == "n" and c.value is not None]
    assert numbers and all(c.number_format == "#,##0.00" for c in numbers)
    assert Decimal(str(ws.cell(row=ws.max_row, column=5).value)) == Decimal("77321474.11")
    assert ws.print_title_rows  # a table's header rows on every page it runs to
    assert all(ws.oddFooter.right.text == "示例" for ws in wb.worksheets)


def test_unknown_code_and_disagreeing_totals_are_located(project):
    budget = (DATA / "2023" / "咨询服务中心" / "budget.yaml").read_text(encoding="utf-8")
    shutil_copy = (DATA / "classifications")
    import shutil

    shutil.copytree(shutil_copy, project.data / "classifications")
    bad = budget.replace('科目: "2080506"', '科目: "2080599"', 1).replace('科目: "2080150"', '科目: "2089950"', 1)
    bad = bad.replace('{科目: "30101", 人员经费: 2412600.00}', '{科目: "30101", 人员经费: 2412600.01}')
    write_record(project, 2023, "咨询服务中心", "budget.yaml", bad)
    result = CliRunner().invoke(main, ["--year", "2023", "--unit", "咨询服务中心", "--data", str(project.data), "--out", str(project.out), "--check"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if '科目: "2089950"' in text)
    assert any(f"budget.yaml:{line}:5: E203" in l and "208 99" in l for l in lines), result.output
    assert any("E204" in l and "15,415,322.11" in l and "15,415,322.12" in l for l in lines), result.output


def test_unit_table_one_splits_basic_spending():
    """A 单位预算's 财务收支预算总表: per 类, 合计 = 人员经费 + 公用经费 + 项目支出, and the
    人员经费 / 公用经费 totals are table 8's (the flagship's record splits each 项)."""
    view = budget_plan(2023, "咨询服务中心").view
    for row in view.split_table.rows:
        total, people, office, project = row.values
        assert total == people + office + project, row.code
    assert [r.code for r in view.split_categories] == [r.code for r in view.categories]
    total, people, office, project = view.split_table.total
    assert total == view.total and project == view.spending_table.total[2]
    assert (people, office) == (view.economic_table.total[1], view.economic_table.total[2])
    assert (people, office) == (Decimal("13002218.05"), Decimal("2413104.06"))


def test_unit_layout_wording(rendered):
    """The flagship is a 单位预算 in the 单位 layout: split table 1, 内设机构, 单位 wording."""
    text = re.sub(r"\s+", "", pdf_text(rendered / "2023" / "咨询服务中心" / "2023年咨询服务中心单位预算.pdf"))
    for words in ("2023年预算单位财务收支预算总表", "人员经费", "13,002,218.05", "2,413,104.06", "（九）办公室",
                  "经济分类科目编码", "部门经济分类科目名称", "2023年单位“三公”经费和机关运行经费预算表", "编制单位："):
        assert words in text, words
    assert "编制部门" not in text and "部门预算经济分类科目编码" not in text
