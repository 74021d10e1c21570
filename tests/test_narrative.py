"""The narrative stage on its own: numbers → sentences, one rounding rule, 增加/减少/持平 from the sign."""

from __future__ import annotations

from decimal import Decimal

import pytest

from budgetdocs.build import Project, plan
from budgetdocs.layout.narrative import Change, against, budget_notes, compare, numbered, other_notes, to_wan, wan_text
from budgetdocs.records.prior import PriorFigures, resolve
from conftest import DATA, REPO

D = Decimal


def test_one_rounding_rule():
    assert to_wan(D("91016775.35")) == D("9101.68")
    assert to_wan(D("12029501.84")) == D("1202.95")
    assert to_wan(D("46140000.00")) == D("4614.00")
    assert to_wan(D("50")) == D("0.01")  # half-up at 0.005万元
    assert to_wan(D("49.99")) == D("0.00")
    assert wan_text(D("9101.68")) == "9,101.68"
    assert wan_text(D("4614.00")) == "4,614"
    assert wan_text(D("867.5")) == "867.50"
    assert wan_text(D("0")) == "0"


@pytest.mark.parametrize(
    "current,prior,word,said",
    [
        ("9101.68", "11491.20", "减少", "比2024年预算减少2,389.52万元"),
        ("12", "10.5", "增加", "比2024年预算增加1.50万元"),
        ("839", "839.00", "持平", "比2024年预算持平"),
    ],
)
def test_change_follows_the_sign(current, prior, word, said):
    change = compare(D(current), D(prior))
    assert change.word == word
    assert against(change, "2024年预算") == said
    assert change.current - change.prior == change.delta  # what a reader sees adds up


def test_no_prior_says_nothing():
    assert compare(D(1), None) is None and against(None, "2024年预算") == ""
    assert against(Change(D(1), D(1)), "2024年预算", lead="与") == "与2024年预算持平"


def test_percentages_as_the_per_item_variant_prints_them():
    assert Change(D("25.77"), D("60.13")).percent == D("57.14")
    assert Change(D("88.87"), D("60.79")).percent == D("46.19")
    assert Change(D("25"), D("0")).percent is None  # from nothing: no percentage


def test_numbering_styles():
    assert numbered(["甲", "乙"], "1.") == ["1.甲", "2.乙"]
    assert numbered(["甲"], "一、") == ["一、甲"]
    assert numbered(["甲"] * 11, "（一）")[-1] == "（十一）甲"


@pytest.fixture(scope="module")
def sample():
    the_plan = plan(Project(REPO, DATA, REPO / "output"), 2023, ["咨询服务中心"], False)
    return the_plan.budgets["咨询服务中心"]


def test_sample_notes_compare_with_the_2022_record(sample):
    notes = sample.notes
    assert sample.prior.origin.endswith("data/2022/咨询服务中心/budget.yaml")
    assert notes.notes[0].startswith("2023年，上海市人力资源和社会保障局咨询服务中心收入预算7,732.15万元，其中：财政拨款收入7,732.15万元，比2022年预算减少88.27万元；")
    assert "财政拨款收入支出减少的主要原因是" in notes.notes[2]
    assert len(notes.items) == 6 and notes.items[1].startswith("2. “社会保障和就业支出-人力资源和社会保障管理事务-其他人力资源和社会保障管理事务支出”科目6,190.62万元")
    parts = sample.other.other
    assert [p.heading[:2] for p in parts] == ["一、", "二、", "三、", "四、", "五、"]
    assert parts[0].paragraphs[3] == "（三）公务接待费0.50万元，比2022年预算减少0.10万元，主要原因是贯彻落实过紧日子要求，压缩公务接待费。"
    assert "编报绩效目标的项目2个，涉及项目预算资金6,190.62万元" in parts[3].paragraphs[0]  # the two forms, not typed


def _variant(sample, **settings):
    budget = sample.view.budget
    changed = budget.model_copy(update={"settings": budget.settings.model_copy(update=settings)})
    view = sample.view
    view_copy = type(view)(**{**view.__dict__, "budget": changed})
    return view_copy


def test_item_naming_and_per_item_variant(sample):
    view = _variant(sample, item_naming="（类）（款）（项）", per_item=True, basis="上年预算执行数")
    prior = PriorFigures(2022, "上年预算执行数", income=dict(sample.prior.income), items={"2080150": D("11863427.56"), "2080199": D("60000000")})
    notes = budget_notes(view, prior, "某单位", sample.source)
    first, second, third = notes.items[:3]
    assert first.startswith("1. “社会保障和就业支出（类）人力资源和社会保障管理事务（款）事业运行（项）”1,186.34万元")
    assert "2022年当年预算执行数为1,186.34万元，2023年预算安排1,186.34万元，比2022年当年预算执行数持平。" in first
    assert "比2022年当年预算执行数增加3.18%。" in second
    assert "比2022年当年预算执行数增加129.88万元。" in third  # from nothing: the amount, not a percentage
    assert any(p.code == "W202" for p in notes.problems)  # changes without 项变动原因


def test_typed_prior_that_disagrees_with_the_record_is_an_error(sample):
    budget = sample.view.budget
    typed = budget.model_copy(update={"prior": type(budget).model_fields["prior"].annotation.__args__[0].model_validate({"收入": {"一般公共预算": 1}})})
    record = sample.prior
    record.origin = "data/2022/咨询服务中心/budget.yaml"
    _, problems = resolve(typed, 2023, sample.source, record)
    assert [p.code for p in problems] == ["E220"] and "data/2022/咨询服务中心/budget.yaml" in problems[0].message


def test_performance_counts_the_forms(sample):
    from budgetdocs.layout.narrative import FormMoney

    forms = [FormMoney("甲", D("10000")), FormMoney("乙", D("25000.50"))]
    other = other_notes(sample.view, sample.prior, "某单位", forms, sample.source)
    assert "编报绩效目标的项目2个，涉及项目预算资金3.50万元" in other.other[3].paragraphs[0]


def test_project_notes_from_the_forms():
    """A 部门 without typed 项目经费情况说明 gets one block per key project, from its form."""
    from budgetdocs.records.budget_model import Budget
    from budgetdocs.records.loader import load_form, read_mapping
    from budgetdocs.layout.projectnotes import project_notes

    putuo = REPO / "examples" / "putuo-区政府办公室" / "data" / "2025" / "区政府办公室" / "budget.yaml"
    data, source = read_mapping(putuo, REPO)
    data.pop("项目经费情况说明")
    budget = Budget.model_validate(data)
    form = load_form(DATA / "2023" / "人社局" / "01-劳动人事争议仲裁工作专项.yaml", 2023, "人社局", REPO)
    notes, problems = project_notes(budget, source, [form], 2023, lambda ref: None, REPO)
    assert not problems
    (note,) = notes
    assert note.name == "劳动人事争议仲裁工作专项"
    headings = [h for h, _ in note.sections]
    assert headings[0] == "项目概述" and headings[-1] == "绩效目标"
    assert dict(note.sections)["实施主体"] == "上海市人力资源和社会保障局"
    assert dict(note.sections)["实施周期"] == "2023-01-01至2023-12-31"
    assert dict(note.sections)["年度预算安排"] == "2023年预算安排173.20万元。"
