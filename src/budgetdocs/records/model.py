"""Take the raw mapping of one record file; give a typed, validated record.

Records are written by finance officers, so their keys are the Chinese labels
of the printed form (``项目名称``, ``项目总预算`` …).  The Python attribute names
are English so that templates and code read naturally; pydantic maps one to
the other through aliases, and every error names the Chinese key.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal, Optional, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

# --------------------------------------------------------------------------- money


def _to_decimal(value: object) -> object:
    """Accept integers, decimal strings and YAML floats, never binary rounding."""
    if isinstance(value, bool):
        raise ValueError("金额必须是数字，不能是是/否")
    if isinstance(value, float):
        # YAML floats (39900834.66) come through the loader as text already;
        # a float here came from JSON.  repr() is the shortest exact decimal.
        value = repr(value)
    if isinstance(value, str):
        text = value.strip().replace("，", ",")
        if not text:
            return None
        if "," in text:
            # Separators only in groups of three: "1,732,000.50". A decimal comma
            # ("1732,50") or Indian grouping ("1,73,2000") would silently change the amount.
            if not _GROUPED.match(text):
                raise ValueError(f"金额“{value}”的逗号位置不对：逗号只能作千位分隔符（如 1,732,000.50），小数点请用“.”")
            text = text.replace(",", "")
        return text
    return value


_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


MONEY_LIMIT = Decimal(10) ** 15


def _check_money(value: Optional[Decimal]) -> Optional[Decimal]:
    if value is None:
        return None
    if not value.is_finite():
        raise ValueError("金额必须是有限的数字")
    if value < 0:
        raise ValueError(f"金额不能为负数：{value}")
    if value >= MONEY_LIMIT:
        raise ValueError(f"金额过大：{value}（应小于一千万亿）")
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"金额最多两位小数：{value}")
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    AfterValidator(_check_money),
    Field(json_schema_extra={"description": "金额（元），整数或最多两位小数"}),
]
OptionalMoney = Annotated[
    Optional[Decimal],
    BeforeValidator(_to_decimal),
    AfterValidator(_check_money),
]


def _text(value: object) -> object:
    """Numbers typed where text belongs (a phone number, a date) stay as typed."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    if value is None:
        return ""
    return value


Text = Annotated[str, BeforeValidator(_text)]
# Length limits keep every text inside the layout cell that prints it (an
# XLSX row is at most 409 pt high): a longer text is a located error, never
# clipped silently.
ShortText = Annotated[str, BeforeValidator(_text), Field(max_length=100)]
CellText = Annotated[str, BeforeValidator(_text), Field(max_length=300)]
LongText = Annotated[str, BeforeValidator(_text), Field(max_length=1500)]


def paragraphs(text: str) -> list[str]:
    """Split a multi-line text field into its paragraphs (one per line)."""
    return [line.strip() for line in text.split("\n") if line.strip()]


class Record(BaseModel):
    """Base of every record: Chinese keys, no unknown keys, frozen."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=False,
        frozen=True,
        str_strip_whitespace=False,
    )


# --------------------------------------------------------------------------- forms

PROJECT_TYPES_2017 = (
    "市委市政府已确定的新增项目",
    "结转项目",
    "其他一次性项目",
    "经常性专项业务费",
    "其他经常性项目",
)
FUND_USES_2017 = (
    "基本建设工程类",
    "信息化建设类",
    "政策补贴类",
    "政府购买服务",
    "资产购置类",
    "其他事业专业类",
)

# Columns of the indicator grid in the 2017/2019 edition, by layout name.
INDICATOR_LAYOUTS_2017 = {
    "四列": ("一级指标", "二级指标", "三级指标", "指标目标值"),
    "三列": ("分解目标内容", "绩效指标", "指标目标值"),
    "来源列": ("分解目标", "指标内容", "指标目标值", "目标值来源"),
}

IndicatorRow = list[CellText]


class SubProject(Record):
    """One row of 项目当年投入资金构成."""

    name: CellText = Field(alias="名称")
    amount: OptionalMoney = Field(default=None, alias="金额")


class Contacts(Record):
    """The optional 项目负责人 | 联系人 | 联系电话 row."""

    leader: Text = Field(default="", alias="项目负责人")
    contact: Text = Field(default="", alias="联系人")
    phone: Text = Field(default="", alias="联系电话")


class SignOff(Record):
    """The optional sign-off line under the grid."""

    head: Text = Field(default="", alias="填报单位负责人")
    filler: Text = Field(default="", alias="填报人")
    date: Text = Field(default="", alias="填报日期")


class FormBase(Record):
    """Fields every edition shares."""

    edition: Optional[Literal["2017", "2020", "2023"]] = Field(
        default=None, alias="版式", description="固定使用某一版式；不填则按年度选择"
    )
    sample: bool = Field(default=False, alias="示例", description="示例数据：输出上醒目标注“示例”")
    draft: bool = Field(default=False, alias="草稿", description="草稿（如 new-year 转入的记录）：每页标注“草稿”，--strict 时拒绝生成")
    name: ShortText = Field(alias="项目名称", min_length=1)
    verbatim: list[str] = Field(
        default_factory=list,
        alias="照印",
        description="照原样印出的文字字段（如转录已公开的文档，原文就有占位文字或空白）：其占位文字、空白不报错",
    )

    @property
    def money(self) -> Decimal:
        """元 the form asks for this year: 项目当年预算 (2017, 2020 editions)."""
        return getattr(self, "year_budget", None) or Decimal(0)


class Form2017(FormBase):
    """上海市财政支出项目绩效目标申报表 (2017 and 2019)."""

    variant: Literal["标准", "分组"] = Field(
        default="标准",
        alias="版式变体",
        description="分组：2017年人才服务中心样式（项目类别分组勾选、无资金用途行、子项目资金构成带合计）",
    )
    seal: Literal["无", "标签后", "名称后"] = Field(
        default="无", alias="盖章", description="申报单位名称行的“（盖章）”位置"
    )
    project_type: Literal[PROJECT_TYPES_2017] = Field(alias="项目类型")  # type: ignore[valid-type]
    fund_use: Optional[Literal[FUND_USES_2017]] = Field(default=None, alias="资金用途")  # type: ignore[valid-type]
    contacts: Optional[Contacts] = Field(default=None, alias="联系信息")
    start: Text = Field(alias="开始时间")
    end: Text = Field(alias="结束时间")
    overview: LongText = Field(default="", alias="项目概况")
    basis: LongText = Field(default="", alias="立项依据")
    necessity: LongText = Field(default="", alias="项目设立的必要性")
    measures: LongText = Field(default="", alias="保证项目实施的制度、措施")
    total_budget: OptionalMoney = Field(default=None, alias="项目总预算")
    year_budget: OptionalMoney = Field(default=None, alias="项目当年预算")
    last_year_budget: OptionalMoney = Field(default=None, alias="同名项目上年预算额")
    last_year_executed: OptionalMoney = Field(default=None, alias="同名项目上年预算执行数")
    subprojects: list[SubProject] = Field(default_factory=list, alias="子项目")
    plan: LongText = Field(default="", alias="项目实施计划")
    overall_goal: LongText = Field(default="", alias="项目总目标")
    annual_goal: LongText = Field(default="", alias="年度绩效目标")
    indicator_layout: Literal["四列", "三列", "来源列"] = Field(default="四列", alias="指标列")
    indicators: list[IndicatorRow] = Field(default_factory=list, alias="绩效指标")
    remarks: LongText = Field(default="", alias="备注")
    sign_off: Optional[SignOff] = Field(default=None, alias="签字栏")

    @property
    def subproject_total(self) -> Decimal:
        """Sum of the sub-project amounts (the 合计 row of the 分组 variant)."""
        return sum((s.amount or Decimal(0) for s in self.subprojects), Decimal(0))


class Form2020(FormBase):
    """财政项目支出绩效目标表 (2020)."""

    category: Text = Field(alias="项目类别")
    start: Text = Field(alias="计划开始日期")
    end: Text = Field(alias="计划完成日期")
    government_purchase: Literal["是", "否"] = Field(alias="是否含有政府购买服务")
    performance_type: Text = Field(alias="绩效类型")
    overview: LongText = Field(default="", alias="项目概况")
    basis: LongText = Field(default="", alias="立项依据")
    necessity: LongText = Field(default="", alias="项目设立的必要性")
    measures: LongText = Field(default="", alias="保证项目实施的制度、措施")
    plan: LongText = Field(default="", alias="项目实施计划")
    goals: LongText = Field(default="", alias="总目标及阶段性目标")
    last_year_use: LongText = Field(default="", alias="本项目上年度市级财政资金使用情况")
    total_budget: OptionalMoney = Field(default=None, alias="项目总预算")
    year_budget: OptionalMoney = Field(default=None, alias="项目当年预算")
    last_year_budget: OptionalMoney = Field(default=None, alias="同名项目上年预算额")
    last_year_executed: OptionalMoney = Field(default=None, alias="同名项目上年预算执行数")
    indicators: list[Annotated[IndicatorRow, Field(min_length=4, max_length=4)]] = Field(
        default_factory=list, alias="绩效指标"
    )


class ProjectFunds2023(Record):
    """Left pair of the 项目资金 block: the project's whole funding (often left blank)."""

    total: OptionalMoney = Field(default=None, alias="项目资金总额")
    fiscal: OptionalMoney = Field(default=None, alias="财政资金")
    other: OptionalMoney = Field(default=None, alias="其他资金")


class AnnualFunds2023(Record):
    """Right column of the 项目资金 block; 年度资金申请总额 is their sum."""

    appropriation: Money = Field(default=Decimal(0), alias="当年财政拨款")
    carryover: Money = Field(default=Decimal(0), alias="上年结转资金")
    other: Money = Field(default=Decimal(0), alias="其他资金")

    @property
    def total(self) -> Decimal:
        """年度资金申请总额 = 当年财政拨款 + 上年结转资金 + 其他资金."""
        return self.appropriation + self.carryover + self.other


class Form2023(FormBase):
    """财政项目支出绩效目标申报表 (2023)."""

    @property
    def money(self) -> Decimal:
        """元 the form asks for this year: 年度资金申请总额."""
        return self.annual_funds.total

    nature: Text = Field(alias="项目性质")
    category: Text = Field(alias="项目类别")
    department: Text = Field(alias="主管部门")
    implementer: Text = Field(alias="实施单位")
    start: Text = Field(alias="计划开始日期")
    end: Text = Field(alias="计划完成日期")
    project_funds: ProjectFunds2023 = Field(default_factory=ProjectFunds2023, alias="项目资金")
    annual_funds: AnnualFunds2023 = Field(alias="年度资金")
    overall_goal: LongText = Field(default="", alias="项目总目标")
    annual_goal: LongText = Field(default="", alias="年度总体目标")
    indicators: list[Annotated[IndicatorRow, Field(min_length=4, max_length=4)]] = Field(
        default_factory=list, alias="绩效指标"
    )


FORM_MODELS: dict[str, type[FormBase]] = {
    "2017": Form2017,
    "2020": Form2020,
    "2023": Form2023,
}

AnyForm = Union[Form2017, Form2020, Form2023]


def edition_for_year(year: int) -> str:
    """The latest form edition not newer than ``year``."""
    chosen = None
    for edition in sorted(FORM_MODELS, key=int):
        if int(edition) <= year:
            chosen = edition
    if chosen is None:
        raise ValueError(f"{year}年没有可用的绩效目标申报表版式（最早为{min(FORM_MODELS, key=int)}年版）")
    return chosen
