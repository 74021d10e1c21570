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
    # the two forms, not typed; a 单位 speaks as the 2025 Putuo 单位预算 does (句式 follows 文档)
    assert parts[3].paragraphs == ["2023年度，本单位编报绩效目标的项目共2个，涉及项目预算资金6,190.62万元。"]


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
    assert "2022年当年预算执行数为1,186.34万元，2023年预算安排1,186.34万元，比2022年预算执行数持平。" in first
    assert "比2022年预算执行数增加3.18%。" in second
    assert "比2022年预算执行数增加129.88万元。" in third  # from nothing: the amount, not a percentage
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
    assert "编报绩效目标的项目共2个，涉及项目预算资金3.50万元" in other.other[3].paragraphs[0]


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


# --------------------------------------------------------------------------- wording variants (设置)


def _record(sample, settings=None, **changes):
    """The sample's view with its record changed: ``changes`` are record keys (Chinese), ``settings``
    keys of 设置; the record is validated again, the computed tables are kept."""
    from budgetdocs.records.budget_model import Budget

    budget = sample.view.budget
    data = budget.model_dump(by_alias=True, exclude_unset=True)
    data.update(changes)
    if settings:
        data["设置"] = {**data.get("设置", {}), **settings}
    return type(sample.view)(**{**sample.view.__dict__, "budget": Budget.model_validate(data)})


def _forms():
    """The money of the sample's two project forms (绩效目标设置情况 counts them)."""
    from budgetdocs.build import form_money
    from budgetdocs.records.loader import load_form

    folder = DATA / "2023" / "咨询服务中心"
    return [form_money(load_form(f, 2023, "咨询服务中心", REPO)) for f in sorted(folder.glob("0*.yaml"))]


def _other(sample, view, prior=None, forms=None):
    return other_notes(view, prior or sample.prior, "某单位", _forms() if forms is None else forms, sample.source)


@pytest.mark.parametrize(
    "style,figures",
    [
        ("4,614", ["4,614", "1", "0", "30", "9,101.68", "867.50"]),
        ("4,614.00", ["4,614.00", "1.00", "0.00", "30.00", "9,101.68", "867.50"]),
        ("4614", ["4614", "1", "0", "30", "9101.68", "867.50"]),
        ("4614.00", ["4614.00", "1.00", "0.00", "30.00", "9101.68", "867.50"]),
    ],
)
def test_wan_styles(style, figures):
    values = [D("4614"), D("1"), D("0"), D("30.00"), to_wan(D("91016775.35")), D("867.5")]
    assert [wan_text(v, style) for v in values] == figures
    assert wan_text(D("0.005"), style).startswith("0.01")  # one rounding rule, whatever the style


def test_unknown_wan_style_is_refused():
    with pytest.raises(ValueError):
        wan_text(D(1), "4 614")


def test_wan_style_per_part(sample):
    """万元格式 for the whole narrative, 分部万元格式 for one part (the Putuo 绩效目标 prints 6626万元)."""
    putuo = _record(sample, {"分部万元格式": {"绩效目标": "4614"}})
    notes = budget_notes(putuo, sample.prior, "某单位", sample.source)
    assert "收入预算7,732.15万元" in notes.notes[0] and "6,190.62万元" in notes.items[1]  # 编制说明: the default
    other = _other(sample, putuo)
    assert other.other[3].paragraphs[0].endswith("涉及项目预算资金6190.62万元。")
    assert other.other[2].paragraphs[0].startswith("2023年度本单位政府采购预算5,610万元")  # 政府采购: the default

    kept = _record(sample, {"万元格式": "4614.00", "分部万元格式": {"三公经费": "4,614.00"}})
    notes = budget_notes(kept, sample.prior, "某单位", sample.source)
    assert notes.notes[0].startswith("2023年，某单位收入预算7732.15万元，其中：财政拨款收入7732.15万元，比2022年预算减少88.27万元；事业收入0.00万元；")
    assert "比2022年预算持平" in notes.notes[1] and "政府性基金拨款支出预算0.00万元" in notes.notes[1]
    parts = _other(sample, kept).other
    assert parts[0].paragraphs[1] == "（一）因公出国（境）费0.00万元，与2022年预算持平。"
    assert parts[1].paragraphs[0].endswith("机关运行经费预算为0.00万元，与2022年预算持平。")
    assert parts[2].paragraphs[0] == (
        "2023年度本单位政府采购预算5610.00万元，其中：政府采购货物预算10.00万元、政府采购工程预算0.00万元、政府采购服务预算5600.00万元。"
    )
    assert parts[3].paragraphs[0].endswith("涉及项目预算资金6190.62万元。")


def test_separate_bases_for_totals_and_items(sample):
    """比较基数 上年预算 for the totals, 逐项比较基数 上年预算执行数 for the items (2024 万里街道)."""
    view = _record(sample, {"逐项比较": True, "逐项比较基数": "上年预算执行数", "上年为零": "百分比"})
    prior = PriorFigures(2022, "上年预算", income=dict(sample.prior.income), items={"2080150": D("11863427.56"), "2080199": D("60000000")})
    notes = budget_notes(view, prior, "某单位", sample.source)
    assert "财政拨款收入7,732.15万元，比2022年预算减少88.27万元" in notes.notes[0]
    assert "2022年当年预算执行数为6,000万元，2023年预算安排6,190.62万元，比2022年预算执行数增加3.18%。" in notes.items[1]
    assert notes.items[2].endswith("2022年当年预算执行数为0万元，2023年预算安排129.88万元，比2022年预算执行数增加100.00%。")

    budget_basis = _record(sample, {"逐项比较": True})  # items as the totals: the prior budget
    assert "2022年预算为1,152.03万元，2023年预算安排1,186.34万元，比2022年预算增加2.98%。" in budget_notes(
        budget_basis, sample.prior, "某单位", sample.source
    ).items[0]


def test_item_execution_figures_come_from_the_record_even_with_a_prior_record(sample):
    """With 逐项比较基数 上年预算执行数, 上年.项 is the execution (not compared with the 2022 budget record);
    the totals still come from the record."""
    budget = _record(sample, {"逐项比较": True, "逐项比较基数": "上年预算执行数"}, 上年={"项": {"2080150": 11863427.56}}).budget
    record = sample.prior
    prior, problems = resolve(budget, 2023, sample.source, record)
    assert problems == [] and prior.items == {"2080150": D("11863427.56")}
    assert prior.income == record.income
    same_basis = _record(sample, {"逐项比较": True}, 上年={"项": {"2080150": 11863427.56}}).budget
    _, problems = resolve(same_basis, 2023, sample.source, record)
    assert [p.code for p in problems] == ["E220"]  # a prior budget figure typed twice, and different
    totals_executed = _record(sample, {"比较基数": "上年预算执行数", "逐项比较基数": "上年预算", "逐项比较": True}).budget
    prior, problems = resolve(totals_executed, 2023, sample.source, record)
    assert prior.items == record.items and all(v is None for v in prior.income.values())


def test_zero_prior_as_an_amount_by_default(sample):
    view = _record(sample, {"逐项比较": True})
    prior = PriorFigures(2022, "上年预算", income=dict(sample.prior.income), items={"2080150": D("11863427.56")})
    assert budget_notes(view, prior, "某单位", sample.source).items[2].endswith("比2022年预算增加129.88万元。")


def test_typed_reasons_are_printed_after_an_unchanged_figure(sample):
    view = _record(
        sample,
        三公经费={
            "本年": {"因公出国境费": 0, "公务接待费": 0.50, "公务用车购置费": 0, "公务用车运行费": 0},
            "因公出国境费": {"原因": "因公出国（境）计划不变"},
            "公务接待费": {"原因": "压缩公务接待费"},
            "公务用车运行费": {"原因": "无公务用车。"},
        },
        机关运行经费={"本年": 0, "原因": "不参照公务员法管理"},
    )
    other = _other(sample, view)
    assert other.other[0].paragraphs[1] == "（一）因公出国（境）费0万元，与2022年预算持平，主要原因是因公出国（境）计划不变。"
    assert other.other[0].paragraphs[2].endswith("公务用车运行费0万元，与2022年预算持平，主要原因是无公务用车。")
    assert other.other[1].paragraphs == ["2023年某单位财政拨款的机关运行经费预算为0万元，与2022年预算持平，主要原因是不参照公务员法管理。"]
    assert other.problems == []


def test_a_reason_that_cannot_be_printed_is_a_warning(sample):
    lines = (DATA / "2023" / "咨询服务中心" / "budget.yaml").read_text(encoding="utf-8").splitlines()
    line_of = {key: next(i for i, text in enumerate(lines, 1) if text.startswith(key)) for key in ("变动原因", "机关运行经费", "三公经费")}

    # 变动原因 when 财政拨款 is unchanged (the prior equals this year)
    flat = PriorFigures(2022, "上年预算", income={s: sample.view.income[s] for s in ("一般公共预算", "政府性基金", "国有资本经营")})
    notes = budget_notes(sample.view, flat, "某单位", sample.source)
    (w206,) = [p for p in notes.problems if p.code == "W206"]
    assert w206.severity == "warning" and w206.line == line_of["变动原因"] and "变动原因" in w206.message and "持平" in w206.message
    assert not any("主要原因是" in p for p in notes.notes)

    # 项变动原因 with 逐项比较 off, and for a 项 without 财政拨款 money
    view = _record(sample, 项变动原因={"2080150": "人员增加", "2010301": "无此项"})
    codes = [(p.code, p.message) for p in budget_notes(view, sample.prior, "某单位", sample.source).problems]
    assert [c for c, _ in codes] == ["W207", "W207"] and all("逐项比较" in m for _, m in codes)
    view = _record(sample, {"逐项比较": True}, 项变动原因={"2080150": "人员增加", "2010301": "无此项"})
    problems = budget_notes(view, sample.prior, "某单位", sample.source).problems
    assert [p.code for p in problems if p.code == "W207"] == ["W207"] and "2010301" in problems[-1].message

    # 机关运行经费.原因 when no comparison is printed
    view = _record(sample, {"机关运行经费比较": False}, 机关运行经费={"本年": 0, "原因": "不参照公务员法管理"})
    other = _other(sample, view)
    assert other.other[1].paragraphs == ["2023年某单位财政拨款的机关运行经费预算为0万元。"]
    (w208,) = other.problems
    assert (w208.code, w208.severity, w208.line) == ("W208", "warning", line_of["机关运行经费"])
    assert "机关运行经费.原因" in w208.message and "机关运行经费比较" in w208.message

    # a “三公” 原因 with no prior-year figure to compare with
    nothing = PriorFigures(2022, "上年预算")
    (w208,) = [p for p in _other(sample, sample.view, nothing).problems if p.code == "W208"]
    assert w208.line > line_of["三公经费"] and "三公经费.公务接待费.原因" in w208.message


def test_procurement_sme_sentence_only_when_declared(sample):
    from pydantic import ValidationError

    none = _other(sample, _record(sample, 政府采购={"货物": 10, "服务": 5600}))
    assert len(none.other[2].paragraphs) == 1
    zero = _other(sample, _record(sample, 政府采购={"货物": 10, "服务": 5600, "中小企业预留": 0}))
    assert zero.other[2].paragraphs[1] == "2023年本单位面向中小企业预留政府采购项目预算金额0万元，其中，预留给小型和微型企业的政府采购项目预算为0万元。"
    with pytest.raises(ValidationError, match="中小企业预留"):
        _record(sample, 政府采购={"服务": 34, "其中小微企业": 34})
    with pytest.raises(ValidationError, match="大于"):
        _record(sample, 政府采购={"服务": 34, "中小企业预留": 30, "其中小微企业": 34})


def test_phrasing(sample):
    """句式 单位 (the 2025 Putuo 单位预算) or 部门 (its 部门预算); by default the record's 文档."""
    putuo = _record(sample, {"级次": "区级"}, 政府采购={"服务": 34, "中小企业预留": 34, "其中小微企业": 34}, 绩效目标管理={"项目数": 11, "金额": 6626})
    other = _other(sample, putuo, forms=[])
    assert other.other[2].paragraphs == [
        "2023年度本单位政府采购预算34万元，其中：政府采购货物预算0万元、政府采购工程预算0万元、政府采购服务预算34万元。",
        "2023年本单位面向中小企业预留政府采购项目预算金额34万元，其中，预留给小型和微型企业的政府采购项目预算为34万元。",
    ]
    assert other.other[3].paragraphs == ["2023年度，本单位编报绩效目标的项目共11个，涉及项目预算资金6,626万元。"]

    department = _record(sample, {"级次": "区级"}, 文档="部门", 绩效目标管理={"项目数": 11, "金额": 6626})
    other = _other(sample, department, forms=[])
    assert other.other[2].paragraphs[0].startswith("2023年本部门政府采购预算5,610万元")
    assert other.other[3].paragraphs == [
        "按照本区预算绩效管理工作的总体要求，本部门1个预算单位开展了2023年项目预算绩效目标编报工作，编报绩效目标的项目11个，涉及项目预算资金6,626万元。"
    ]
    as_before = _other(sample, _record(sample, {"句式": "部门"}, 绩效目标管理={"项目数": 2, "金额": 3.5}), forms=[])
    assert as_before.other[2].paragraphs[0].startswith("2023年本单位政府采购预算")
    assert as_before.other[3].paragraphs[0].startswith("按照本市预算绩效管理工作的总体要求，本单位开展了2023年项目预算绩效目标编报工作，编报绩效目标的项目2个")
    as_unit = _other(sample, _record(sample, {"句式": "单位"}, 文档="部门", 绩效目标管理={"项目数": 2, "金额": 3.5}), forms=[])
    assert as_unit.other[3].paragraphs == ["2023年度，本部门编报绩效目标的项目共2个，涉及项目预算资金3.50万元。"]


def test_running_cost_counts_and_comparison(sample):
    prior = PriorFigures(2022, "上年预算", running_cost=D("200"))
    two = _other(sample, _record(sample, 机关运行经费={"本年": 213.28, "机关": 1, "参公事业单位": 1}), prior)
    assert two.other[1].paragraphs == ["2023年某单位下属1家机关和1家参公事业单位财政拨款的机关运行经费预算为213.28万元，比2022年预算增加13.28万元。"]
    three = _other(sample, _record(sample, {"机关运行经费比较": False}, 机关运行经费={"本年": 213.28, "机关": 1, "事业单位": 2, "参公事业单位": 1}), prior)
    assert three.other[1].paragraphs == ["2023年某单位下属1家机关、1家参公事业单位和2家事业单位财政拨款的机关运行经费预算为213.28万元。"]
    one = _other(sample, _record(sample, 机关运行经费={"本年": 213.28, "事业单位": 1}), prior)
    assert one.other[1].paragraphs[0].startswith("2023年某单位下属1家事业单位财政拨款的")


def test_numbering_and_item_naming_variants(sample):
    assert numbered(["甲", "乙"], "1、") == ["1、甲", "2、乙"]
    view = _record(sample, {"科目名称": "（类）（款）（项）科目"})
    items = budget_notes(view, sample.prior, "某单位", sample.source).items
    assert items[0].startswith("1. “社会保障和就业支出（类）人力资源和社会保障管理事务（款）事业运行（项）”科目1,186.34万元，主要用于")


def test_three_public_even_lead_and_name_suffix(sample):
    """设置.三公持平: 比 (the 2024 万里街道 document writes `比2023年预算持平`); 设置.名称后缀
    follows the unit's name in the 机关运行经费 and 国有资产 parts too (`…办事处（部门）下属…`)."""
    view = _record(sample, {"三公持平": "比", "名称后缀": "（部门）"}, 机关运行经费={"本年": 0, "机关": 1, "参公事业单位": 1})
    other = _other(sample, view)
    assert other.other[0].paragraphs[1] == "（一）因公出国（境）费0万元，比2022年预算持平。"
    assert other.other[1].paragraphs[0].startswith("2023年某单位（部门）下属1家机关和1家参公事业单位财政拨款的")
    assert "，某单位（部门）共有车辆" in other.other[4].paragraphs[0]
    plain = _other(sample, sample.view)
    assert plain.other[0].paragraphs[1] == "（一）因公出国（境）费0万元，与2022年预算持平。"
