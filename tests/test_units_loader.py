"""Units registry and record loading: types, Decimal amounts, located errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from budgetdocs.errors import DataError, UsageError
from budgetdocs.records.loader import load_form
from budgetdocs.records.model import Form2017, Form2020, Form2023, edition_for_year
from conftest import write_record

MINIMAL_2023 = """\
项目名称: 测试项目
项目性质: 经常性专项业务费
项目类别: 特定目标类
主管部门: 上海市人力资源和社会保障局
实施单位: 上海市人力资源和社会保障局
计划开始日期: 2023-01-01
计划完成日期: 2023-12-31
年度资金:
  当年财政拨款: 1732000.10
  上年结转资金: 0
  其他资金: 0
年度总体目标: 目标
绩效指标:
  - [产出指标, 数量指标, 完成数, "≥2200"]
"""


def test_registry_resolves_short_and_full_names(project):
    registry = project.registry()
    assert len(registry.units) == 20
    assert registry.resolve("咨询服务中心").full_name == "上海市人力资源和社会保障局咨询服务中心"
    assert registry.resolve("上海市人才服务中心").folder == "人才服务中心"
    assert registry.resolve("人社局").kind == "部门"


def test_registry_rejects_ambiguous_and_unknown(project):
    registry = project.registry()
    with pytest.raises(UsageError, match="不唯一"):
        registry.resolve("中心")
    with pytest.raises(UsageError, match="最接近的有：咨询服务中心"):
        registry.resolve("咨询中心")


def test_edition_follows_year():
    assert [edition_for_year(y) for y in (2017, 2019, 2020, 2022, 2023, 2025)] == ["2017", "2017", "2020", "2020", "2023", "2023"]
    with pytest.raises(ValueError):
        edition_for_year(2016)


def test_amounts_are_decimal_and_dates_text(project):
    path = write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    loaded = load_form(path, 2023, "局本部")
    assert isinstance(loaded.form, Form2023)
    assert loaded.form.annual_funds.appropriation == Decimal("1732000.10")
    assert loaded.form.annual_funds.total == Decimal("1732000.10")
    assert loaded.form.start == "2023-01-01"


def test_pinned_edition(project):
    text = "版式: \"2020\"\n项目名称: x\n项目类别: 经常性专项业务费\n计划开始日期: 2020-01-01\n计划完成日期: 2020-12-31\n是否含有政府购买服务: 否\n绩效类型: 事业/专业类\n"
    path = write_record(project, 2023, "局本部", "01-a.yaml", text)
    assert isinstance(load_form(path, 2023, "局本部").form, Form2020)


def test_dates_and_cents_stay_as_typed(project):
    text = "项目名称: x\n项目类型: 经常性专项业务费\n开始时间: 2019. 1. 1\n结束时间: 2019-12-31\n同名项目上年预算执行数: 39900834.66\n"
    path = write_record(project, 2019, "社保中心", "01-a.yaml", text)
    form = load_form(path, 2019, "社保中心").form
    assert isinstance(form, Form2017)
    assert form.start == "2019. 1. 1" and form.end == "2019-12-31"
    assert form.last_year_executed == Decimal("39900834.66")


@pytest.mark.parametrize(
    "replace,code,line,needle",
    [
        (("  当年财政拨款: 1732000.10", "  当年财政拨款: 一百万"), "E113", 9, "年度资金.当年财政拨款"),
        (("  当年财政拨款: 1732000.10", "  当年财政拨款: -5"), "E113", 9, "不能为负数"),
        (("  当年财政拨款: 1732000.10", "  当年财政拨款: 1.234"), "E113", 9, "最多两位小数"),
        (("项目类别: 特定目标类", "项目类别: 特定目标类\n项目名陈: 错字"), "E112", 4, "项目名陈"),
        (("主管部门: 上海市人力资源和社会保障局\n", ""), "E111", 1, "主管部门"),
        (("计划完成日期: 2023-12-31", "计划完成日期: [2023"), "E102", 8, "YAML"),
    ],
)
def test_bad_records_are_located(project, replace, code, line, needle):
    path = write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023.replace(*replace))
    with pytest.raises(DataError) as info:
        load_form(path, 2023, "局本部")
    problem = info.value.problems[0]
    assert (problem.code, problem.line) == (code, line), str(info.value)
    assert needle in str(problem)


def test_non_utf8_and_control_characters(project):
    path = write_record(project, 2023, "局本部", "01-a.yaml", "")
    path.write_bytes(MINIMAL_2023.encode("gbk"))
    with pytest.raises(DataError, match="E101"):
        load_form(path, 2023, "局本部")
    path.write_text(MINIMAL_2023.replace("目标\n", "目\x07标\n"), encoding="utf-8")
    with pytest.raises(DataError, match="E105"):
        load_form(path, 2023, "局本部")


def test_json_records_are_accepted(project):
    text = '{"项目名称": "x", "项目类型": "结转项目",\n "开始时间": "2019-1-1", "结束时间": "2019-12-31", "项目总预算": 12.5}'
    path = write_record(project, 2019, "社保中心", "01-a.json", text)
    assert load_form(path, 2019, "社保中心").form.total_budget == Decimal("12.5")
    path.write_text(text.replace('"项目总预算": 12.5', '"项目总预算": "abc"'), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_form(path, 2019, "社保中心")
    assert info.value.problems[0].line == 2


def test_empty_file_and_strict_json(project):
    path = write_record(project, 2023, "局本部", "01-a.yaml", "  \n")
    with pytest.raises(DataError, match="E104"):
        load_form(path, 2023, "局本部")
    path = write_record(project, 2023, "局本部", "01-a.json", '{"项目名称": "x",\n}')
    with pytest.raises(DataError) as info:
        load_form(path, 2023, "局本部")
    assert (info.value.problems[0].code, info.value.problems[0].line) == ("E102", 2)


def test_parsed_records_are_kept_exactly_and_damage_is_ignored(tmp_path):
    """A record kept by an earlier run comes back equal to a fresh parse (Decimals,
    positions, warnings); a damaged entry is parsed again; changed bytes are a new entry."""
    from decimal import Decimal

    from budgetdocs.records.loader import parsed_records_kept_in, read_mapping

    record = tmp_path / "a.yaml"
    record.write_text(MINIMAL_2023 + "备注: 第一行\n  续行\n", encoding="utf-8")
    fresh = read_mapping(record, tmp_path)
    keep = tmp_path / "cache"
    with parsed_records_kept_in(keep):
        first = read_mapping(record, tmp_path)
        kept = list(keep.rglob("*.json"))
        second = read_mapping(record, tmp_path)
    assert len(kept) == 1
    for got in (first, second):
        assert got[0] == fresh[0] and got[1].positions == fresh[1].positions and got[1].warnings == fresh[1].warnings
    assert second[0]["年度资金"]["当年财政拨款"] == Decimal("1732000.10") and second[1].warnings[0].code == "W106"
    kept[0].write_text("{damaged", encoding="utf-8")
    with parsed_records_kept_in(keep):
        assert read_mapping(record, tmp_path)[0] == fresh[0]
        record.write_text(MINIMAL_2023.replace("1732000.10", "1732000.20"), encoding="utf-8")
        assert read_mapping(record, tmp_path)[0]["年度资金"]["当年财政拨款"] == Decimal("1732000.20")
    assert len(list(keep.rglob("*.json"))) == 2


@pytest.mark.parametrize(
    "text, line, words",
    [
        ('a: "x\nb: 1\nc: 2\n', 1, "引号没有配对"),  # the line that opened the quote
        ("a:\n  b: 1\n c: 2\n", 3, "缩进不一致"),
        ("a: 1\nb:2\nc: 3\n", 3, "缺少冒号"),
        ("a:\n\tb: 1\n", 2, "制表符"),
        ("a: 1\n文档:单位\nc: 2\n", 3, "冒号后面没有空格"),
    ],
)
def test_a_broken_yaml_line_is_said_in_plain_chinese(tmp_path, text, line, words):
    """The usual typing slips get a plain Chinese reason and the line, the parser's own
    English kept after it."""
    from budgetdocs.errors import DataError
    from budgetdocs.records.loader import read_mapping

    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_mapping(path)
    problem = info.value.problems[0]
    assert problem.code == "E102" and words in problem.message, problem
    assert problem.line == line, problem
