"""Take the raw mapping of a unit's ``budget.yaml``; give the typed budget record.

Only leaves are typed: money per 功能分类 项 by 基本/项目支出 and source, and
per 经济分类 款 by 人员/公用经费.  Every 类/款 total, 合计 and 总计 is computed
(:mod:`budgetdocs.budget`).  “三公”, 机关运行经费, 政府采购 and 绩效 figures are
in 万元 as the disclosure prints them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Optional

from pydantic import Field, model_validator

from .model import Money, OptionalMoney, Record, Text

# Money sources, in the order the income columns print them.
SOURCES = ("一般公共预算", "政府性基金", "国有资本经营", "事业收入", "事业单位经营收入", "其他收入")
FISCAL_SOURCES = SOURCES[:3]


class BySource(Record):
    """An amount (元) per source of money."""

    general: Money = Field(default=Decimal(0), alias="一般公共预算")
    fund: Money = Field(default=Decimal(0), alias="政府性基金")
    state_capital: Money = Field(default=Decimal(0), alias="国有资本经营")
    business: Money = Field(default=Decimal(0), alias="事业收入")
    operating: Money = Field(default=Decimal(0), alias="事业单位经营收入")
    other: Money = Field(default=Decimal(0), alias="其他收入")

    def amount(self, source: str) -> Decimal:
        """Amount of one source, by its Chinese name."""
        return {
            "一般公共预算": self.general,
            "政府性基金": self.fund,
            "国有资本经营": self.state_capital,
            "事业收入": self.business,
            "事业单位经营收入": self.operating,
            "其他收入": self.other,
        }[source]


class FunctionLeaf(Record):
    """One 功能分类 项 (7-digit code) with its 基本支出 and 项目支出 by source."""

    code: str = Field(alias="科目", pattern=r"^\d{7}$", description="7位功能分类科目编码，如 2011001")
    basic: BySource = Field(default_factory=BySource, alias="基本支出")
    project: BySource = Field(default_factory=BySource, alias="项目支出")


class EconomicLeaf(Record):
    """One 经济分类 款 (5-digit code) of 一般公共预算基本支出."""

    code: str = Field(alias="科目", pattern=r"^\d{5}$", description="5位经济分类科目编码，如 30101")
    personnel: Money = Field(default=Decimal(0), alias="人员经费")
    public: Money = Field(default=Decimal(0), alias="公用经费")


class ThreePublicYear(Record):
    """“三公”经费 of the budget year, in 万元."""

    abroad: Money = Field(default=Decimal(0), alias="因公出国境费")
    reception: Money = Field(default=Decimal(0), alias="公务接待费")
    car_purchase: Money = Field(default=Decimal(0), alias="公务用车购置费")
    car_running: Money = Field(default=Decimal(0), alias="公务用车运行费")

    @property
    def cars(self) -> Decimal:
        """公务用车购置及运行费 小计."""
        return self.car_purchase + self.car_running

    @property
    def total(self) -> Decimal:
        """“三公”合计."""
        return self.abroad + self.reception + self.cars


class ThreePublicPrior(Record):
    """The prior year's “三公” figures (万元), as needed for the comparison."""

    abroad: Money = Field(alias="因公出国境费")
    reception: Money = Field(alias="公务接待费")
    cars: Money = Field(alias="公务用车购置及运行费")

    @property
    def total(self) -> Decimal:
        """Prior-year 合计."""
        return self.abroad + self.reception + self.cars


class ItemNote(Record):
    """What a “三公” item is used for, and why it changed."""

    purpose: Text = Field(alias="用途")
    reason: Text = Field(default="", alias="原因")


class ThreePublic(Record):
    """The “三公” block of the record."""

    current: ThreePublicYear = Field(alias="本年")
    prior: Optional[ThreePublicPrior] = Field(default=None, alias="上年")
    scope: Text = Field(alias="范围")
    abroad: ItemNote = Field(alias="因公出国境费")
    reception: ItemNote = Field(alias="公务接待费")
    cars: ItemNote = Field(alias="公务用车")


class RunningCost(Record):
    """机关运行经费 (万元)."""

    current: Money = Field(alias="本年")
    prior: OptionalMoney = Field(default=None, alias="上年")


class Procurement(Record):
    """政府采购 (万元)."""

    goods: Money = Field(default=Decimal(0), alias="货物")
    works: Money = Field(default=Decimal(0), alias="工程")
    services: Money = Field(default=Decimal(0), alias="服务")
    sme: Money = Field(default=Decimal(0), alias="中小企业预留")
    small_micro: Money = Field(default=Decimal(0), alias="其中小微企业")

    @property
    def total(self) -> Decimal:
        """政府采购预算 = 货物 + 工程 + 服务."""
        return self.goods + self.works + self.services

    @model_validator(mode="after")
    def _parts(self) -> "Procurement":
        if self.small_micro > self.sme:
            raise ValueError(f"其中小微企业 {self.small_micro} 大于 中小企业预留 {self.sme}")
        return self


class Performance(Record):
    """绩效目标管理: number of projects and their amount (万元)."""

    count: int = Field(alias="项目数", ge=0)
    amount: Money = Field(alias="金额")


class Organisation(Record):
    """机构设置: the paragraph and the list of 预算单位."""

    text: Text = Field(alias="说明")
    units: list[Text] = Field(default_factory=list, alias="单位")


class Term(Record):
    """One 名词解释 entry."""

    term: Text = Field(alias="名词")
    meaning: Text = Field(alias="解释")


class Budget(Record):
    """A unit's 部门预算 / 单位预算 record for one year."""

    kind: Literal["部门", "单位"] = Field(alias="文档")
    sample: bool = Field(default=False, alias="示例")
    functions: list[Text] = Field(alias="主要职能", min_length=1)
    organisation: Organisation = Field(alias="机构设置")
    terms: list[Term] = Field(default_factory=list, alias="名词解释")
    purposes: dict[str, Text] = Field(default_factory=dict, alias="类说明")
    spending: list[FunctionLeaf] = Field(alias="支出", min_length=1)
    basic_economic: list[EconomicLeaf] = Field(default_factory=list, alias="基本支出经济分类")
    three_public: ThreePublic = Field(alias="三公经费")
    running_cost: RunningCost = Field(alias="机关运行经费")
    procurement: Procurement = Field(default_factory=Procurement, alias="政府采购")
    performance: Performance = Field(alias="绩效目标管理")
    key_projects: Optional[list[str]] = Field(
        default=None,
        alias="重点项目",
        description="随后附上的绩效目标申报表：<单位简称>/<记录文件名>；不填则附本单位本年度的全部申报表",
    )
