"""budgetdocs import and new-year: numbers in from the budget tables, a unit carried to the next year."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from budgetdocs.cli import budgetdocs
from budgetdocs.records.importer import read_workbooks
from conftest import DATA

UNIT = "咨询服务中心"


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """A copy of the project data, the current folder (as a user runs the commands)."""
    shutil.copytree(DATA, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(*args):
    return CliRunner().invoke(budgetdocs, [str(a) for a in args])


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_render_import_render_gives_the_same_files(workspace):
    assert cli("render", "--year", 2023, "--unit", UNIT, "--jobs", 1).exit_code == 0
    folder = workspace / "output" / "2023" / UNIT
    before = outputs(folder)
    workbook = workspace / "tables.xlsx"
    shutil.copy(folder / f"2023年{UNIT}单位预算.xlsx", workbook)
    # the record's amounts are wrong now; the import puts the tables' amounts back
    record = workspace / "data" / "2023" / UNIT / "budget.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("人员经费: {一般公共预算: 1298764.80}", "人员经费: {一般公共预算: 1.00}").replace("{科目: \"30101\", 人员经费: 2412600.00}", "{科目: \"30101\", 人员经费: 2.00}"), encoding="utf-8")
    refused = cli("import", "--year", 2023, "--unit", UNIT, workbook)
    assert refused.exit_code == 1 and "--force" in refused.output
    # the 项 was all 人员经费 in the record (a 单位预算 splits 基本支出): it stays so
    assert "支出 2080505 人员经费.一般公共预算：1.00 → 1,298,764.80" in refused.output
    done = cli("import", "--year", 2023, "--unit", UNIT, "--force", workbook)
    assert done.exit_code == 0, done.output
    assert "主要职能" in record.read_text(encoding="utf-8")  # texts kept
    assert cli("render", "--year", 2023, "--unit", UNIT, "--jobs", 1).exit_code == 0
    assert outputs(folder) == before


def _unit_workbook(path: Path) -> None:
    """The tables as a unit keeps them in WPS: other sheet names, a merged title, the header
    lower down, codes in one column, amounts as text with separators, blanks for zero."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表3"
    ws.append(["2023年预算单位支出预算总表"])
    ws.merge_cells("A1:E1")
    ws.append(["编制单位：某单位", None, None, None, "单位：元"])
    ws.append([])
    ws.append(["科目编码", "科目名称", "合计", "基本支出", "项目支出"])
    for row in (
        ["208", "社会保障和就业支出", "1,500,000.00", "500,000.00", "1,000,000.00"],
        ["208 01", "人力资源和社会保障管理事务", "1,500,000.00", "500,000.00", "1,000,000.00"],
        ["208 01 50", "事业运行", "500,000.00", "500,000.00", None],
        ["2080199", "其他人力资源和社会保障管理事务支出", 1000000, None, 1000000],
        ["合计", None, "1,500,000.00", "500,000.00", "1,000,000.00"],
    ):
        ws.append(row)
    general = wb.create_sheet("表5")
    general.append(["2023年预算单位一般公共预算支出功能分类预算表"])
    general.append(["功能分类科目编码", "功能分类科目名称", "合计", "基本支出", "项目支出"])
    for row in (["2080150", "事业运行", 500000, 500000, None], ["2080199", "其他", 1000000, None, 1000000]):
        general.append(row)
    economic = wb.create_sheet("表8")
    economic.append(["2023年预算单位一般公共预算基本支出部门预算经济分类预算表"])
    economic.append(["编码", "名称", "合计", "人员经费", "公用经费"])
    economic.append(["301 01", "基本工资", "400,000", "400,000", ""])
    economic.append(["302 01", "办公费", "100,000", "", "100,000"])
    three = wb.create_sheet("表9")
    three.append(["2023年单位“三公”经费和机关运行经费预算表"])
    three.append(["合计", "因公出国(境)费", "公务接待费", "公务用车购置及运行费", None, None, "机关运行经费预算数"])
    three.append([None, None, None, "小计", "购置费", "运行费", None])
    three.append(["0.50", None, "0.50", None, None, None, None])
    wb.save(path)


def test_a_unit_workbook_is_read_as_a_person_reads_it(tmp_path):
    path = tmp_path / "单位.xlsx"
    _unit_workbook(path)
    result = read_workbooks([path])
    assert not result.problems, result.problems
    assert result.spending == {
        "2080150": {"基本支出": {"一般公共预算": Decimal("500000.00")}, "项目支出": {}},
        "2080199": {"基本支出": {}, "项目支出": {"一般公共预算": Decimal(1000000)}},
    }
    assert result.economic == {"30101": {"人员经费": Decimal(400000)}, "30201": {"公用经费": Decimal(100000)}}
    assert result.three_public["公务接待费"] == Decimal("0.50") and result.running_cost == 0


def test_a_wrong_subtotal_names_its_cell(tmp_path):
    path = tmp_path / "单位.xlsx"
    _unit_workbook(path)
    wb = openpyxl.load_workbook(path)
    wb["表3"]["C6"] = "1,500,001.00"  # the 款 row no longer adds up
    wb.save(path)
    problems = read_workbooks([path]).problems
    assert any(p.code == "E402" and p.file == "单位.xlsx!表3!C6" for p in problems), problems


def test_new_year_carries_the_unit_as_a_draft(workspace):
    result = cli("new-year", "--unit", UNIT, "--from", 2023)
    assert result.exit_code == 0, result.output
    folder = workspace / "data" / "2024" / UNIT
    budget = (folder / "budget.yaml").read_text(encoding="utf-8")
    assert "草稿: true" in budget and "主要职能" in budget
    form = next(p for p in folder.glob("01-*.yaml")).read_text(encoding="utf-8")
    assert re.search(r"计划开始日期: '?2024-01-01'?\n", form) and re.search(r"计划完成日期: '?2024-12-31'?\n", form)
    assert "草稿: true" in form
    assert re.search(r"W121 仍写着2023年", result.output)  # texts that name the old year, with their line
    again = cli("new-year", "--unit", UNIT, "--from", 2023)
    assert again.exit_code == 2 and "不会覆盖" in again.output
    # the draft renders, marked on every page, and compares with 2023 from the 2023 record
    rendered = cli("render", "--year", 2024, "--unit", UNIT, "--format", "pdf", "--jobs", 1)
    assert rendered.exit_code == 0 and "W120" in rendered.output, rendered.output
    from pypdf import PdfReader

    pdf = PdfReader(str(workspace / "output" / "2024" / UNIT / f"2024年{UNIT}单位预算.pdf"))
    assert all("草稿" in page.extract_text() for page in pdf.pages)
    assert "比2023年预算持平" in "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    strict = cli("render", "--year", 2024, "--unit", UNIT, "--strict")
    assert strict.exit_code == 1 and "W120" in strict.output


def test_unknown_codes_join_the_project_classification_marked_unchecked(workspace, tmp_path):
    path = tmp_path / "单位.xlsx"
    _unit_workbook(path)
    wb = openpyxl.load_workbook(path)
    for sheet, cell in (("表3", "A7"), ("表5", "A3")):
        wb[sheet][cell] = "2080150" if sheet == "表5" else "208 01 50"
    wb["表8"]["A4"] = "302 77"
    wb["表8"]["B4"] = "测试新款"
    wb.save(path)
    shutil.rmtree(workspace / "data" / "2023" / UNIT)
    result = cli("import", "--year", 2023, "--unit", UNIT, path)
    assert result.exit_code == 0, result.output
    assert "经济分类科目 30277（测试新款）不在2023年科目表中" in result.output
    economic = (workspace / "data" / "classifications" / "2023" / "经济分类.yaml").read_text(encoding="utf-8")
    assert '"30277": 测试新款   # 未核对' in economic
    record = (workspace / "data" / "2023" / UNIT / "budget.yaml").read_text(encoding="utf-8")
    assert "请填写" in record and '科目: "30277"' in record


def test_a_folder_copied_by_hand_is_noticed(workspace):
    """Copying 2023 to 2024 without new-year: the forms' dates say so (W122)."""
    shutil.copytree(workspace / "data" / "2023" / UNIT, workspace / "data" / "2024" / UNIT)
    result = cli("check", "--year", 2024, "--unit", UNIT)
    assert "W122" in result.output and "早于2024年" in result.output, result.output


def test_table_1_disagreeing_with_table_3_is_reported(workspace):
    assert cli("render", "--year", 2023, "--unit", UNIT, "--format", "xlsx", "--jobs", 1).exit_code == 0
    path = workspace / "output" / "2023" / UNIT / f"2023年{UNIT}单位预算.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["预算单位财务收支预算总表"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "收入总计")
    ws.cell(row=cell.row, column=cell.column + 1).value = 1.0
    wb.save(path)
    problems = read_workbooks([path]).problems
    assert any(p.code == "E402" and "收入总计" in p.message and p.file.startswith(path.name + "!预算单位财务收支预算总表!") for p in problems), problems


def test_the_records_split_of_basic_spending_is_kept_where_it_adds_up():
    """The tables print 基本支出 per 项; the record's 人员经费/公用经费 split is kept where it
    still adds up, a 项 all 人员经费 stays so, and a split both ways that no longer adds
    up is written as 基本支出 with a warning (W240)."""
    from decimal import Decimal as D

    from budgetdocs.records.importer import keep_split

    current = {"支出": [
        {"科目": "2010301", "人员经费": {"一般公共预算": 80}, "公用经费": {"一般公共预算": 20}},
        {"科目": "2080505", "人员经费": {"一般公共预算": 5}},
        {"科目": "2010350", "人员经费": {"一般公共预算": 7}, "公用经费": {"一般公共预算": 3}},
    ]}
    leaves = {"支出": [
        {"科目": "2010301", "基本支出": {"一般公共预算": D(100)}},
        {"科目": "2080505", "基本支出": {"一般公共预算": D(6)}},
        {"科目": "2010350", "基本支出": {"一般公共预算": D(11)}, "项目支出": {"一般公共预算": D(1)}},
    ]}
    problems = keep_split(leaves, current, "budget.yaml")
    kept, single, changed = leaves["支出"]
    assert kept == {"科目": "2010301", "人员经费": {"一般公共预算": D(80)}, "公用经费": {"一般公共预算": D(20)}}
    assert single == {"科目": "2080505", "人员经费": {"一般公共预算": D(6)}}
    assert changed["基本支出"] == {"一般公共预算": D(11)} and "人员经费" not in changed
    assert [p.code for p in problems] == ["W240"] and "2010350" in problems[0].message
