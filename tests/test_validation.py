"""Every check: one valid and one broken record, asserting the code, the file and the line."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

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
项目概况: 概况
立项依据: 依据
项目设立的必要性: 必要性
保证项目实施的制度、措施: 措施
项目实施计划: 计划
项目总目标: 总目标
年度绩效目标: 年度目标
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
    # the publish check: a blank part, placeholders in a text and in an indicator cell
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace("年度总体目标: 目标", '年度总体目标: ""'), "E230", 12),
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace("年度总体目标: 目标", "年度总体目标: 全年购置××台设备"), "E231", 12),
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace("主管部门: 上海市人力资源和社会保障局", "主管部门: （请填写）"), "E231", 4),
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace('"≥2200"', '"≥XX"'), "E231", 14),
    (2019, "社保中心", "01-a.yaml", MINIMAL_2019, MINIMAL_2019.replace("立项依据: 依据", "立项依据: 略"), "E231", 12),
    (2019, "社保中心", "01-a.yaml", MINIMAL_2019, MINIMAL_2019.replace("项目实施计划: 计划\n", ""), "E230", 1),
    # a figure the form prints that the record does not hold: never a silent 0.00
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace("  其他资金: 0\n", ""), "E232", 8),
    # dates: a day the calendar does not have; a start far from the budget year
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace("计划开始日期: 2023-01-01", "计划开始日期: 2023-02-30"), "E212", 6),
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace("计划开始日期: 2023-01-01", "计划开始日期: 2020-01-01"), "W230", 6),
    (2019, "社保中心", "01-a.yaml", MINIMAL_2019, MINIMAL_2019 + "签字栏: {填报日期: 2019年13月}\n", "E212", 18),
    # a name that names another year (a record carried by hand)
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023.replace("项目名称: 测试项目", "项目名称: 2022年度测试项目"), "W233", 1),
    # 照印 names a key the record does not have
    (2023, "局本部", "01-a.yaml", MINIMAL_2023, MINIMAL_2023 + "照印: [年度总目标]\n", "E112", 15),
    # an indicator row of the 2017 edition narrower than its layout, located at the row
    (2019, "社保中心", "01-a.yaml", MINIMAL_2019, MINIMAL_2019 + "绩效指标:\n  - [产出目标, 数量, 完成数, 100%]\n  - [产出目标, 数量]\n", "E110", 20),
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


def test_verbatim_texts_are_printed_as_written(project):
    """照印: a transcription of a published form that itself printed a placeholder is not refused."""
    broken = MINIMAL_2023.replace("年度总体目标: 目标", "年度总体目标: 全年购置xx个专用设备")
    write_record(project, 2023, "局本部", "01-a.yaml", broken)
    assert run(project, 2023, "局本部").exit_code == 1
    write_record(project, 2023, "局本部", "01-a.yaml", broken + "照印: [年度总体目标]\n")
    result = run(project, 2023, "局本部", "--strict")
    assert result.exit_code == 0, result.output


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
    # the publish check: a blank item, placeholders where the document prints a part
    _case(B.replace("  - 配合有关部门开展人力资源和社会保障政策宣传工作。", '  - ""'), "E230", '  - ""'),
    _case(B.replace('  "2080199": 12333和12345热线咨询服务的项目支出', '  "2080199": 请填写'), "E231", '"2080199": 请填写'),
    _case(B.replace("    - 名称: 培训科", "    - 名称: ××科"), "E231", "名称: ××科"),
    _case(B.replace("变动原因: 12333热线平台运维合同到期重新采购，合同金额下降", "变动原因: （略）"), "E231", "变动原因:"),
    _case(B.replace("  说明: 上海市人力资源和社会保障局咨询服务中心是", "  说明: XX是"), "E231", "  说明: XX是"),
    # a figure the document prints that the record does not hold: never a silent 0
    (B.replace("政府采购: {货物: 10, 工程: 0, 服务: 5600, 中小企业预留: 600, 其中小微企业: 400}\n", ""), "E232", 1),
    _case(B.replace("政府采购: {货物: 10, 工程: 0, 服务: 5600,", "政府采购: {货物: 10, 服务: 5600,"), "E232", "政府采购:"),
    _case(B.replace(", 其中小微企业: 400}", "}"), "E232", "政府采购:"),
    _case(B.replace("公务用车购置费: 0, 公务用车运行费: 0}", "公务用车运行费: 0}"), "E232", "  本年: {因公出国境费"),
    _case(B.replace("  拟购大型设备: 0\n", ""), "E232", "国有资产:"),
    # dates: a day the calendar does not have, a month alone, a date of another year
    _case(B.replace("截至日期: 2022年8月31日", "截至日期: 2022年9月31日"), "E212", "截至日期:"),
    _case(B.replace("截至日期: 2022年8月31日", "截至日期: 2022年8月"), "E212", "截至日期:"),
    _case(B.replace("截至日期: 2022年8月31日", "截至日期: 2020-08-31"), "W230", "截至日期:"),
    # typed texts the document does not print
    _case(B.replace("项说明:\n", '类说明:\n  "208": 社会保障和就业支出\n项说明:\n'), "W231", '"208": 社会保障'),
    _case(B.replace("项说明:\n", '项说明:\n  "2080201": 行政运行\n'), "W231", '"2080201": 行政运行'),
    _case(B.replace("  公务接待费:\n", "  范围: 本单位\n  公务接待费:\n"), "W231", "  范围: 本单位"),
    _case(B + "项目经费情况说明:\n  - {项目名称: 测试, 项目概述: 概述}\n", "W231", "项目经费情况说明:"),
    # a text that speaks as the other level (this is a 市级 document), a title naming another year
    _case(B + "名词解释:\n  - {名词: 财政拨款收入, 解释: 是区级预算主管部门从本区财政取得的拨款}\n", "W232", "  - {名词: 财政拨款收入"),
    _case(B.replace("    - 名称: 培训科", "    - 名称: 2021年培训科"), "W233", "名称: 2021年培训科"),
    # a comparison the document drops, said: execution figures only a 上年 block holds
    _case(B.replace("文档: 单位\n", "文档: 单位\n设置: {比较基数: 上年预算执行数}\n"), "W234", "设置: {比较基数"),
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


def _sample(project, years=(2022, 2023)):
    shutil.copytree(DATA / "classifications", project.data / "classifications")
    for year in years:
        shutil.copytree(DATA / str(year) / "咨询服务中心", project.data / str(year) / "咨询服务中心")


def test_every_problem_in_one_run(project):
    """Schema, identity and publish problems of every record, listed together, each at its line:
    a schema error no longer hides the rest (the broken parts are left out, the others checked)."""
    _sample(project)
    broken = (
        B.replace("  - 承担劳动保障监察、医疗保险、人事人才等电话举报的受理工作。", '  - ""')  # E230
        .replace('  - 科目: "2080505"', '  - 科目: "208050"')  # E110, six digits
        .replace('  - 科目: "2101102"', '  - 科目: "2080150"')  # E202, a code twice
        .replace('{科目: "30101", 人员经费: 2412600.00}', '{科目: "30101", 人员经费: 两百万}')  # E113
        .replace("政府采购: {货物: 10, 工程: 0, 服务: 5600,", "政府采购: {货物: 10, 服务: 5600,")  # E232
        .replace("截至日期: 2022年8月31日", "截至日期: 2022年9月31日")  # E212
        .replace("  大型设备: 1\n", "  大型设备: 一台\n")  # E110
    )
    write_record(project, 2023, "咨询服务中心", "budget.yaml", broken)
    form = next((project.data / "2023" / "咨询服务中心").glob("01-*.yaml"))
    form_text = form.read_text(encoding="utf-8")
    form.write_text(form_text.replace("计划开始日期: 2023-01-01", "计划开始日期: 2023-13-01").replace("项目性质: ", "项目性质: 待填写"), encoding="utf-8")
    result = run(project, 2023, "咨询服务中心", "--json")
    assert result.exit_code == 1
    found = {(p["file"].rsplit("/", 1)[-1], p["code"], p["line"]) for p in json.loads(result.output)["problems"]}
    expected = {
        ("budget.yaml", "E230", line_of(broken, '  - ""')),
        ("budget.yaml", "E110", line_of(broken, '科目: "208050"')),
        ("budget.yaml", "E202", line_of(broken, '科目: "2080150"', 2)),
        ("budget.yaml", "E113", line_of(broken, "两百万")),
        ("budget.yaml", "E232", line_of(broken, "政府采购:")),
        ("budget.yaml", "E212", line_of(broken, "截至日期:")),
        ("budget.yaml", "E110", line_of(broken, "大型设备: 一台")),
        (form.name, "E212", line_of(form_text, "计划开始日期")),
        (form.name, "E231", line_of(form_text, "项目性质")),
    }
    assert expected <= found, sorted(found)
    # the sums of a table with a leaf left out are not compared: no E204/E222 made up from the gap
    assert not {code for _, code, _ in found} & {"E204", "E222", "W204", "W205"}, sorted(found)


def test_a_six_digit_code_answers_in_chinese(project):
    _sample(project)
    write_record(project, 2023, "咨询服务中心", "budget.yaml", B.replace('科目: "2080199"', '科目: "208019"'))
    result = run(project, 2023, "咨询服务中心")
    line = next(l for l in result.output.splitlines() if "E110" in l)
    assert "支出[2].科目：应为7位数字，写的是“208019”（6位）" in line, result.output
    assert "String" not in result.output and "pattern" not in result.output


# Values of every wrong kind, for every key of every record model: pydantic's English must never
# reach a user (what was typed is quoted, so only the words outside “…” are looked at).
WRONG_VALUES = [{"键": 1}, ["列表"], "文字", -1, True, Decimal("1.5"), "x" * 1600, [], {}, None, "2023年", 12345678]


def _models():
    from budgetdocs.records import budget_model, model
    from budgetdocs.records.units import _RegistryFile

    found = {_RegistryFile}
    for module in (model, budget_model):
        found |= {v for v in vars(module).values() if isinstance(v, type) and issubclass(v, model.Record) and v is not model.Record}
    return sorted(found, key=lambda m: m.__name__)


@pytest.mark.parametrize("record_model", _models(), ids=lambda m: m.__name__)
def test_every_message_is_chinese(record_model):
    import re

    from budgetdocs.records.loader import Source, validate_record

    source = Source(Path("r.yaml"), "r.yaml", {(): (1, 1)})
    for name, field in record_model.model_fields.items():
        for value in WRONG_VALUES:
            for problem in validate_record(record_model, {field.alias or name: value, "未知键": 1}, source).problems:
                said = re.sub(r"“[^”]*”|“[^”]*$", "", problem.message.split("：", 1)[-1])
                english = re.findall(r"[A-Za-z]{3,}", said.replace("true", "").replace("false", ""))
                assert not english, problem.message


def test_a_dropped_comparison_is_said(project):
    """No 2022 record: with 三公经费.上年 typed but no 上年.收入, the 编制说明 compares nothing and says so
    (W234, not silence), while “三公” is compared."""
    _sample(project, years=(2023,))
    record = B.replace("  公务接待费:\n", "  上年: {因公出国境费: 0, 公务接待费: 0.6, 公务用车购置费: 0, 公务用车运行费: 0}\n  公务接待费:\n")
    write_record(project, 2023, "咨询服务中心", "budget.yaml", record)
    result = run(project, 2023, "咨询服务中心", "--json")
    problems = json.loads(result.output)["problems"]
    codes = [p["code"] for p in problems]
    assert "W203" not in codes and codes.count("W234") == 2, problems  # 编制说明, 机关运行经费
    said = next(p["message"] for p in problems if p["code"] == "W234" and "编制说明" in p["message"])
    assert "财政拨款收入" in said and "上年.收入" in said, said
    assert any(p["code"] == "W206" for p in problems), problems  # the typed 变动原因, not printed
    the_plan = plan(project, 2023, ["咨询服务中心"], False)
    text = "".join(the_plan.budgets["咨询服务中心"].notes.notes)
    assert "比2022年" not in text
    assert "比2022年预算减少0.10万元" in the_plan.budgets["咨询服务中心"].other.other[0].paragraphs[-1]


def test_dates_print_in_the_documents_style(project):
    _sample(project)
    write_record(project, 2023, "咨询服务中心", "budget.yaml", B.replace("截至日期: 2022年8月31日", "截至日期: 2022-08-31"))
    assert run(project, 2023, "咨询服务中心", "--strict").exit_code == 0
    assets = plan(project, 2023, ["咨询服务中心"], False).budgets["咨询服务中心"].other.other[4].paragraphs[0]
    assert assets.startswith("截至2022年8月31日，")


def test_new_year_flags_what_rests_on_the_old_year(project):
    """new-year: W121 reads values, never comments; it flags the old 截至日期 (W230), a 名词解释
    written for the other level (W232) and a comparison only a 上年 block could feed (W235)."""
    from budgetdocs.records.newyear import new_year

    _sample(project, years=(2023,))
    record = (
        "# 2023年的记录：这一行是注释，不是要改的文字\n"
        + B.replace("文档: 单位\n", "文档: 单位\n设置: {级次: 区级, 地区: 上海市普陀区, 比较基数: 上年预算执行数}\n")
        + "名词解释:\n  - {名词: 财政拨款收入, 解释: 是市级预算主管部门从本级财政取得的拨款}\n"
    )
    write_record(project, 2023, "咨询服务中心", "budget.yaml", record)
    _, warnings = new_year(project.data, "咨询服务中心", 2023, 2024)
    carried = (project.data / "2024" / "咨询服务中心" / "budget.yaml").read_text(encoding="utf-8")
    found = {(w.file.rsplit("/", 1)[-1], w.code, w.line) for w in warnings}
    assert ("budget.yaml", "W230", line_of(carried, "截至日期:")) in found, found
    assert ("budget.yaml", "W232", line_of(carried, "  - {名词: 财政拨款收入")) in found, found
    assert ("budget.yaml", "W235", line_of(carried, "设置:")) in found, found
    assert not any(w.code == "W121" and w.file.endswith("budget.yaml") for w in warnings), found  # the comment is not a text
    assert any(w.code == "W121" and "01-" in w.file for w in warnings), found  # a form's 年度总体目标 names 2023
