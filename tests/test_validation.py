"""Every check: one valid and one broken record, asserting the code, the file and the line."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from budgetdocs.records.checks import parse_date
from budgetdocs.build import plan
from budgetdocs.cli import main
from conftest import DATA, write_record
from test_units_loader import MINIMAL_2023

MINIMAL_2019 = """\
项目名称: 测试项目
项目类型: 经常性专项业务费
资金用途: 政府购买服务
开始时间: 2019-1-1
结束时间: 2019-12-31
项目总预算: 300
项目当年预算: 300
子项目:
  - {名称: 甲, 金额: 100}
  - {名称: 乙, 金额: 200}
"""

BUDGET_2023 = (DATA / "2023" / "咨询服务中心" / "budget.yaml").read_text(encoding="utf-8")


def run(project, year, unit, *extra):
    args = ["--year", str(year), "--unit", unit, "--data", str(project.data), "--out", str(project.out), "--check", *extra]
    return CliRunner().invoke(main, args)


def located(result, code: str, file: str, line: int) -> bool:
    return any(f"{file}:{line}:" in l and code in l for l in result.output.splitlines())


FORM_CASES = [
    # (year, folder, file, valid text, broken text, code, line)
    (2019, "社保中心", "01-a.yaml", MINIMAL_2019, MINIMAL_2019.replace("{名称: 乙, 金额: 200}", "{名称: 乙, 金额: 201}"), "W211", 8),
    (2019, "社保中心", "01-a.yaml", MINIMAL_2019, MINIMAL_2019.replace("结束时间: 2019-12-31", "结束时间: 2018-12-31"), "E213", 4),
    (2019, "社保中心", "01-a.yaml", MINIMAL_2019, MINIMAL_2019.replace("开始时间: 2019-1-1", "开始时间: 一月一日"), "E212", 4),
    (2019, "社保中心", "01-a.yaml", MINIMAL_2019, MINIMAL_2019.replace("项目总预算: 300", "项目总预算: 200"), "E214", 7),
    (2019, "社保中心", "01-a.yaml", MINIMAL_2019, MINIMAL_2019.replace("资金用途: 政府购买服务", "资金用途: 政府买服务"), "E110", 3),
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace("项目名称: 测试项目", "项目名称: " + "长" * 101), "E118", 1),
    (2023, "局本部", "01-a.yaml", MINIMAL_2023,
     MINIMAL_2023.replace("年度资金:", "项目资金: {项目资金总额: 100, 财政资金: 50, 其他资金: 60}\n年度资金:"), "E215", 8),
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace("  上年结转资金: 0", "  上年结转资金: 1e999"), "E113", 10),
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace("  上年结转资金: 0", "  上年结转资金: .nan"), "E113", 10),
]


@pytest.mark.parametrize("year,folder,name,valid,broken,code,line", FORM_CASES, ids=[f"{c[5]}-{i}" for i, c in enumerate(FORM_CASES)])
def test_form_checks(project, year, folder, name, valid, broken, code, line):
    write_record(project, year, folder, name, valid)
    ok = run(project, year, folder, "--strict")
    assert ok.exit_code == 0, ok.output
    write_record(project, year, folder, name, broken)
    bad = run(project, year, folder, "--strict")
    assert bad.exit_code == 1
    assert located(bad, code, f"data/{year}/{folder}/{name}", line) or located(bad, code, name, line), bad.output
    assert "Traceback" not in bad.output


def test_warning_passes_without_strict(project):
    write_record(project, 2019, "社保中心", "01-a.yaml", MINIMAL_2019.replace("金额: 200}", "金额: 201}"))
    result = run(project, 2019, "社保中心")
    assert result.exit_code == 0 and "W211" in result.output and "警告" in result.output


def test_duplicate_projects(project):
    write_record(project, 2019, "社保中心", "01-a.yaml", MINIMAL_2019)
    write_record(project, 2019, "社保中心", "02-b.yaml", MINIMAL_2019)
    result = run(project, 2019, "社保中心")
    assert result.exit_code == 1 and located(result, "E217", "02-b.yaml", 1), result.output


def line_of(text: str, marker: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``marker``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
    return hits[nth - 1]


def _case(broken: str, code: str, marker: str, nth: int = 1):
    return (broken, code, line_of(broken, marker, nth))


B = BUDGET_2023
BUDGET_CASES = [
    _case(B.replace('  - 科目: "2101102"', '  - 科目: "2080150"'), "E202", '科目: "2080150"', 2),
    _case(B.replace('科目: "2080199"', '科目: "2089999"'), "E203", '科目: "2089999"'),
    _case(B.replace('{科目: "31002", 公用经费: 100000.00}', '{科目: "31002", 公用经费: 100001.00}'), "E204", "基本支出经济分类:"),
    _case(B.replace('  "2101102": 财政部门集中安排的事业单位基本医疗保险费缴费经费\n', ""), "E207", '科目: "2101102"'),
    _case(B.replace("  公务接待费:\n    原因: 贯彻落实过紧日子要求，压缩公务接待费\n", ""), "W201", "三公经费:"),
    (B.replace("变动原因: ", "# 变动原因: "), "W202", 1),  # a missing key: the problem is the file's
    _case(B + "重点项目: [咨询服务中心/99-没有这个]\n", "E206", "重点项目:"),
    _case(B.replace("文档: 单位", "文档: 科室"), "E110", "文档:"),
    _case(B + "上年:\n  收入: {一般公共预算: 1}\n", "E220", "收入: {一般公共预算: 1}"),
    _case(B + "绩效目标管理: {项目数: 3}\n", "E208", "绩效目标管理:"),
    (B[: B.index("国有资产:")], "E209", 1),
    (B.replace("项目支出: {一般公共预算: 61906152.00}", "项目支出: {一般公共预算: 60000000.00}"), "W204", 1),
    # a 单位预算 whose 项 does not split 基本支出 into 人员经费 and 公用经费: its table 1 cannot be printed
    _case(B.replace('  - 科目: "2080505"\n    人员经费:', '  - 科目: "2080505"\n    基本支出:'), "E221", '基本支出: {一般公共预算: 1298764.80}'),
    # the 项' 人员经费 disagree with table 8's
    _case(B.replace("人员经费: {一般公共预算: 9450323.50}", "人员经费: {一般公共预算: 9450000.00}\n    项目支出: {一般公共预算: 323.50}"), "E222", "基本支出经济分类:"),
    # 基本支出 typed beside its split
    _case(B.replace("    公用经费: {一般公共预算: 2413104.06}\n", "    公用经费: {一般公共预算: 2413104.06}\n    基本支出: {一般公共预算: 1}\n"), "E110", '科目: "2080150"'),
    # a 机构设置 with nothing to print
    _case(B[: B.index("机构设置:")] + "机构设置:\n  说明: ''\n" + B[B.index("项说明:") :], "E110", "机构设置:"),
]


@pytest.mark.parametrize("broken,code,line", BUDGET_CASES, ids=[c[1] for c in BUDGET_CASES])
def test_budget_checks(project, broken, code, line):
    """Each check of the budget record, on the 2023 sample (its forms and its 2022 record beside it)."""
    shutil.copytree(DATA / "classifications", project.data / "classifications")
    for year in (2022, 2023):
        shutil.copytree(DATA / str(year) / "咨询服务中心", project.data / str(year) / "咨询服务中心")
    ok = run(project, 2023, "咨询服务中心", "--strict")
    assert ok.exit_code == 0, ok.output
    write_record(project, 2023, "咨询服务中心", "budget.yaml", broken)
    bad = run(project, 2023, "咨询服务中心", "--strict", "--json")
    assert bad.exit_code == 1
    problems = json.loads(bad.output)["problems"]
    assert any(p["code"] == code and p["line"] == line and p["file"].endswith("budget.yaml") for p in problems), problems


def test_no_prior_year_is_a_warning_and_compares_nothing(project):
    """A first year with no 2022 record and no 上年 block: W203, and no 比2022年 anywhere."""
    shutil.copytree(DATA / "classifications", project.data / "classifications")
    shutil.copytree(DATA / "2023" / "咨询服务中心", project.data / "2023" / "咨询服务中心")
    result = run(project, 2023, "咨询服务中心")
    assert result.exit_code == 0 and "W203" in result.output, result.output
    the_plan = plan(project, 2023, ["咨询服务中心"], False)
    loaded = the_plan.budgets["咨询服务中心"]
    text = "".join(loaded.notes.notes + loaded.notes.items + [p for part in loaded.other.other for p in part.paragraphs])
    assert "2022年预算" not in text and "持平" not in text and "增加" not in text and "减少" not in text, text


def test_prior_record_with_an_error_is_reported_in_its_own_file(project):
    shutil.copytree(DATA / "classifications", project.data / "classifications")
    for year in (2022, 2023):
        shutil.copytree(DATA / str(year) / "咨询服务中心", project.data / str(year) / "咨询服务中心")
    prior = project.data / "2022" / "咨询服务中心" / "budget.yaml"
    prior.write_text(prior.read_text(encoding="utf-8").replace("63238400.00", "6323840O.00"), encoding="utf-8")
    result = run(project, 2023, "咨询服务中心", "--json")
    problems = json.loads(result.output)["problems"]
    assert result.exit_code == 1
    assert any(p["file"].endswith("2022/咨询服务中心/budget.yaml") and p["code"] == "E113" for p in problems), problems


def test_unsafe_unit_name_in_registry(project):
    registry = (project.data / "units.yaml").read_text(encoding="utf-8")
    (project.data / "units.yaml").write_text(registry.replace("简称: [局本部]", "简称: [../../etc]"), encoding="utf-8")
    write_record(project, 2023, "人社局", "01-a.yaml", MINIMAL_2023)
    result = run(project, 2023, "人社局")
    assert result.exit_code == 1 and "units.yaml:9:10: E110" in result.output and "不能用作文件夹名" in result.output, result.output


def test_dates_as_the_seeds_write_them():
    assert parse_date("2019-1-1").isoformat() == "2019-01-01"
    assert parse_date("2019. 12. 31").isoformat() == "2019-12-31"
    assert parse_date("2017年1月1日").isoformat() == "2017-01-01"
    assert parse_date("2017年1月").isoformat() == "2017-01-01"
    assert parse_date("2017年1月", end=True).isoformat() == "2017-01-28"
    assert parse_date("下半年") is None


def test_a_form_changed_alone_is_caught(project):
    """W205: a project form's 当年财政拨款 changed, the budget's 项目支出 not (an error with --strict)."""
    shutil.copytree(DATA / "classifications", project.data / "classifications")
    for year in (2022, 2023):
        shutil.copytree(DATA / str(year) / "咨询服务中心", project.data / str(year) / "咨询服务中心")
    form = next((project.data / "2023" / "咨询服务中心").glob("02-*.yaml"))
    form.write_text(form.read_text(encoding="utf-8").replace("6836000", "6936000"), encoding="utf-8")
    result = run(project, 2023, "咨询服务中心", "--strict")
    assert result.exit_code == 1 and "W205" in result.output and "61,906,152.00" in result.output, result.output


def test_tenths_in_the_2017_edition(project):
    """E119: the 2017 edition prints 万元 with one decimal; a finer figure is refused, not rounded."""
    shutil.copytree(DATA / "classifications", project.data / "classifications")
    shutil.copytree(DATA / "2017" / "人社局", project.data / "2017" / "人社局")
    record = project.data / "2017" / "人社局" / "budget.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("因公出国境费: 624.3", "因公出国境费: 624.35", 1), encoding="utf-8")
    result = run(project, 2017, "人社局")
    assert result.exit_code == 1 and "E119" in result.output and "624.35" in result.output, result.output
