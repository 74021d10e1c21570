"""Take the raw mapping of a unit's ``budget.yaml``; give the typed budget record.

Only leaves are typed: money per 功能分类 项 by 基本/项目支出 and source, and
per 经济分类 款 by 人员/公用经费.  Every 类/款 total, 合计 and 总计 is computed
(:mod:`budgetdocs.records.budget`).  “三公”, 机关运行经费, 政府采购 and 绩效 figures are
in 万元 as the disclosure prints them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Optional

from pydantic import Field, model_validator

from .model import LongText, Money, OptionalMoney, Record, ShortText, Text

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
    """One 功能分类 项 (7-digit code) with its 基本支出 and 项目支出 by source.

    基本支出 is typed as it is, or split into 人员经费 and 公用经费 (the leaves a
    单位预算's table 1 prints per 类); with the split, 基本支出 is their sum and
    typing it too is an error.
    """

    code: str = Field(alias="科目", pattern=r"^\d{7}$", description="7位功能分类科目编码，如 2011001")
    basic: BySource = Field(default_factory=BySource, alias="基本支出", description="不分人员经费、公用经费时填写")
    personnel: Optional[BySource] = Field(default=None, alias="人员经费", description="基本支出中的人员经费（单位预算表1按类列示）")
    public: Optional[BySource] = Field(default=None, alias="公用经费", description="基本支出中的公用经费")
    project: BySource = Field(default_factory=BySource, alias="项目支出")

    @model_validator(mode="after")
    def _split(self) -> "FunctionLeaf":
        if self.personnel is None and self.public is None:
            return self
        if "basic" in self.model_fields_set:
            raise ValueError("写了人员经费、公用经费时，基本支出由二者相加得出，请删去“基本支出”")
        people, office = self.personnel or BySource(), self.public or BySource()
        total = {s: people.amount(s) + office.amount(s) for s in SOURCES}
        object.__setattr__(self, "basic", BySource.model_validate(total))
        return self

    @property
    def split(self) -> bool:
        """Whether 基本支出 is typed as 人员经费 and 公用经费."""
        return self.personnel is not None or self.public is not None

    def basic_part(self, part: str) -> Decimal:
        """人员经费 or 公用经费 of this 项, all sources (0 when not split)."""
        by = self.personnel if part == "人员经费" else self.public
        return sum((by.amount(s) for s in SOURCES), Decimal(0)) if by is not None else Decimal(0)


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

    def figures(self) -> dict[str, Decimal]:
        """合计, each item and the 公务用车 split, by the names the narrative uses (万元)."""
        return {
            "total": self.total,
            "abroad": self.abroad,
            "reception": self.reception,
            "cars": self.cars,
            "car_purchase": self.car_purchase,
            "car_running": self.car_running,
        }


class ThreePublicPrior(Record):
    """The prior year's “三公” figures (万元), typed where no prior-year record exists.

    公务用车 is given either as its 小计 (``公务用车购置及运行费``) or split into
    购置费 and 运行费 (the modern edition compares each); both is an error.
    """

    abroad: Money = Field(alias="因公出国境费")
    reception: Money = Field(alias="公务接待费")
    cars_total: OptionalMoney = Field(default=None, alias="公务用车购置及运行费")
    car_purchase: OptionalMoney = Field(default=None, alias="公务用车购置费")
    car_running: OptionalMoney = Field(default=None, alias="公务用车运行费")

    @model_validator(mode="after")
    def _cars(self) -> "ThreePublicPrior":
        split = self.car_purchase is not None or self.car_running is not None
        if split and self.cars_total is not None:
            raise ValueError("公务用车请写“公务用车购置及运行费”，或分写“公务用车购置费”“公务用车运行费”，不要同时写")
        if split and (self.car_purchase is None or self.car_running is None):
            raise ValueError("分写时“公务用车购置费”和“公务用车运行费”都要填写")
        if not split and self.cars_total is None:
            raise ValueError("缺少公务用车购置及运行费（或分写的购置费、运行费）")
        return self

    @property
    def cars(self) -> Decimal:
        """公务用车购置及运行费 小计."""
        if self.cars_total is not None:
            return self.cars_total
        return self.car_purchase + self.car_running  # type: ignore[operator]

    @property
    def total(self) -> Decimal:
        """Prior-year 合计."""
        return self.abroad + self.reception + self.cars


class ItemNote(Record):
    """What a “三公” item is used for, and why it changed."""

    purpose: Text = Field(default="", alias="用途", description="2017版式：主要安排……")
    reason: Text = Field(default="", alias="原因", description="与上年相比有增减时的原因")


class ThreePublic(Record):
    """The “三公” block of the record."""

    current: ThreePublicYear = Field(alias="本年")
    prior: Optional[ThreePublicPrior] = Field(default=None, alias="上年")
    scope: Text = Field(default="", alias="范围", description="2017版式：包括……")
    abroad: ItemNote = Field(default_factory=ItemNote, alias="因公出国境费")
    reception: ItemNote = Field(default_factory=ItemNote, alias="公务接待费")
    cars: ItemNote = Field(default_factory=ItemNote, alias="公务用车")
    car_purchase: ItemNote = Field(default_factory=ItemNote, alias="公务用车购置费")
    car_running: ItemNote = Field(default_factory=ItemNote, alias="公务用车运行费")
    total: ItemNote = Field(default_factory=ItemNote, alias="合计")


class RunningCost(Record):
    """机关运行经费 (万元), and the units it covers (counts printed by the modern edition)."""

    current: Money = Field(alias="本年")
    prior: OptionalMoney = Field(default=None, alias="上年")
    offices: int = Field(default=0, ge=0, alias="机关", description="现代版式：下属机关家数")
    institutions: int = Field(default=0, ge=0, alias="事业单位", description="现代版式：下属事业单位家数")
    reason: Text = Field(default="", alias="原因")
    reference_civil: int = Field(default=0, ge=0, alias="参公事业单位", description="现代版式：下属参照公务员法管理的事业单位家数")

    def covered(self) -> list[tuple[int, str]]:
        """(count, kind) of the units covered, in the printed order 机关, 参公事业单位, 事业单位."""
        return [(self.offices, "机关"), (self.reference_civil, "参公事业单位"), (self.institutions, "事业单位")]


class Procurement(Record):
    """政府采购 (万元).

    货物, 工程 and 服务 are printed, so the publish check requires each to be written
    (their 0 default only lets a record with a problem elsewhere be checked on).
    中小企业预留 is optional: not written (None) means the document prints no 中小企业
    sentence; a typed 0 prints it with 0.  其中小微企业 needs 中小企业预留, cannot
    exceed it, and is required with it (the sentence prints both).
    """

    goods: Money = Field(default=Decimal(0), alias="货物")
    works: Money = Field(default=Decimal(0), alias="工程")
    services: Money = Field(default=Decimal(0), alias="服务")
    sme: OptionalMoney = Field(default=None, alias="中小企业预留", description="面向中小企业预留；不填则不印中小企业一句")
    small_micro: OptionalMoney = Field(default=None, alias="其中小微企业", description="预留给小型和微型企业；须同时填写中小企业预留")

    @property
    def total(self) -> Decimal:
        """政府采购预算 = 货物 + 工程 + 服务."""
        return self.goods + self.works + self.services

    @model_validator(mode="after")
    def _parts(self) -> "Procurement":
        if self.small_micro is not None and self.sme is None:
            raise ValueError("写了“其中小微企业”，也要写“中小企业预留”（小微企业是中小企业预留的一部分）")
        if self.small_micro is not None and self.sme is not None and self.small_micro > self.sme:
            raise ValueError(f"其中小微企业 {self.small_micro} 大于 中小企业预留 {self.sme}")
        return self


class Performance(Record):
    """绩效目标管理: number of projects and their amount (万元).

    The modern edition counts and sums the unit's own project forms; typed
    figures are for a unit whose forms are not in the records, and must agree
    with the forms when both exist.
    """

    count: Optional[int] = Field(default=None, alias="项目数", ge=0)
    amount: OptionalMoney = Field(default=None, alias="金额")
    units: int = Field(default=1, alias="预算单位数", ge=1, description="开展绩效目标编报的预算单位数（部门）")


VEHICLE_KINDS = (
    "部级领导干部用车",
    "主要领导干部用车",
    "机要通信用车",
    "应急保障用车",
    "执法执勤用车",
    "特种专业技术用车",
    "离退休干部用车",
    "其他用车",
)


class Vehicles(Record):
    """Vehicles by category (辆), in the order the disclosure lists them."""

    minister: int = Field(default=0, ge=0, alias="部级领导干部用车")
    leader: int = Field(default=0, ge=0, alias="主要领导干部用车")
    confidential: int = Field(default=0, ge=0, alias="机要通信用车")
    emergency: int = Field(default=0, ge=0, alias="应急保障用车")
    enforcement: int = Field(default=0, ge=0, alias="执法执勤用车")
    special: int = Field(default=0, ge=0, alias="特种专业技术用车")
    retired: int = Field(default=0, ge=0, alias="离退休干部用车")
    other: int = Field(default=0, ge=0, alias="其他用车")

    def by_kind(self) -> list[tuple[str, int]]:
        """(category, count) in the printed order."""
        return [(VEHICLE_KINDS[i], getattr(self, name)) for i, name in enumerate(type(self).model_fields)]

    @property
    def total(self) -> int:
        """All vehicles."""
        return sum(n for _, n in self.by_kind())


class Assets(Record):
    """国有资产占有使用情况: vehicles and equipment held, and what the budget buys."""

    as_of: Text = Field(alias="截至日期", description="如 2024年8月31日")
    vehicles: Vehicles = Field(default_factory=Vehicles, alias="车辆")
    equipment: int = Field(default=0, ge=0, alias="大型设备", description="单价100万元（含）以上设备（不含车辆），台（套）")
    planned_vehicles: Vehicles = Field(default_factory=Vehicles, alias="拟购车辆")
    planned_equipment: int = Field(default=0, ge=0, alias="拟购大型设备")


WAN_STYLES = ("4,614", "4,614.00", "4614", "4614.00")  # 万元 figures: separators, ``.00`` dropped or kept
WAN_PARTS = ("编制说明", "三公经费", "机关运行经费", "政府采购", "绩效目标")


class WanStyles(Record):
    """How 万元 figures print, per part of the narrative (each defaults to ``设置.万元格式``)."""

    notes: Optional[Literal[WAN_STYLES]] = Field(default=None, alias="编制说明")  # type: ignore[valid-type]
    three_public: Optional[Literal[WAN_STYLES]] = Field(default=None, alias="三公经费")  # type: ignore[valid-type]
    running_cost: Optional[Literal[WAN_STYLES]] = Field(default=None, alias="机关运行经费")  # type: ignore[valid-type]
    procurement: Optional[Literal[WAN_STYLES]] = Field(default=None, alias="政府采购")  # type: ignore[valid-type]
    performance: Optional[Literal[WAN_STYLES]] = Field(default=None, alias="绩效目标")  # type: ignore[valid-type]


class Settings(Record):
    """How the modern edition words and sets the document (FORMS.md §5.3, §5.7 variants).

    Every field is optional; the defaults are the wording of the municipal documents.
    Fields marked 部门/单位 default to the record's ``文档``.
    """

    level: Literal["市级", "区级"] = Field(default="市级", alias="级次")
    region: Text = Field(default="上海市", alias="地区", description="封面的地区名，如 上海市普陀区")
    numbering: Literal["（一）", "一、", "1.", "1、"] = Field(default="（一）", alias="职能编号")
    item_naming: Literal["类-款-项", "（类）（款）（项）", "（类）（款）（项）科目"] = Field(default="类-款-项", alias="科目名称")
    basis: Literal["上年预算", "上年预算执行数"] = Field(default="上年预算", alias="比较基数", description="收入、支出合计的比较基数")
    item_basis: Optional[Literal["上年预算", "上年预算执行数"]] = Field(
        default=None, alias="逐项比较基数", description="逐项比较的比较基数；不填同“比较基数”"
    )
    per_item: bool = Field(default=False, alias="逐项比较", description="每个科目与上年比较并给出百分比")
    zero_prior: Literal["金额", "百分比"] = Field(
        default="金额", alias="上年为零", description="逐项比较时上年为0：写增加的金额，或写“增加100.00%”"
    )
    wan: Literal[WAN_STYLES] = Field(default="4,614", alias="万元格式", description="万元数字的写法（以4614为例）")  # type: ignore[valid-type]
    wan_parts: WanStyles = Field(default_factory=WanStyles, alias="分部万元格式", description="某一部分另用的万元写法")
    phrasing: Optional[Literal["部门", "单位"]] = Field(
        default=None, alias="句式", description="政府采购、绩效目标两段的句式；不填按“文档”"
    )
    running_compare: bool = Field(default=True, alias="机关运行经费比较", description="机关运行经费与上年比较")
    name_suffix: Text = Field(
        default="", alias="名称后缀", description="主要职能、机构设置标题和机关运行经费、国有资产两段中名称后的文字，如（部门）"
    )
    project_title: bool = Field(default=True, alias="项目说明标题", description="项目经费情况说明的标题写项目名称")
    project_overview: Literal["项目概述", "项目概况"] = Field(default="项目概述", alias="项目说明首项")
    three_public_year: Literal["标题", "标题和表头", "表头", "无"] = Field(
        default="标题", alias="三公表年份", description="“三公”经费表的标题、表头是否写年份"
    )
    three_public_format: Optional[Literal[WAN_STYLES]] = Field(  # type: ignore[valid-type]
        default=None, alias="三公表格式", description="“三公”经费表中万元数字的写法（以4614为例）；不填印两位小数（839.00）"
    )
    three_public_even: Literal["与", "比"] = Field(
        default="与", alias="三公持平", description="“三公”经费持平时写“与2024年预算持平”或“比2024年预算持平”"
    )
    table_money: Literal["元两位小数", "元整数"] = Field(default="元两位小数", alias="表格金额")
    table_blank: Literal["空白", "0"] = Field(
        default="空白", alias="表格空值", description="表2、3、5—8中为零的金额（表1、表4和空表的合计行总是空白）"
    )
    three_public_blank: Literal["空白", "0"] = Field(default="空白", alias="三公表空值", description="“三公”经费表中为零的金额")
    page_numbers: bool = Field(default=True, alias="页码", description="页脚印页码")
    toc_numbers: bool = Field(default=True, alias="目录页码", description="目录印页码")
    toc_leaders: bool = Field(default=True, alias="目录引导点", description="目录印引导点（……）")

    @property
    def items_basis(self) -> str:
        """The comparison basis of the per-item comparison."""
        return self.item_basis or self.basis

    def wan_style(self, part: str) -> str:
        """The 万元 style of one part of the narrative (one of ``WAN_PARTS``)."""
        if part not in WAN_PARTS:
            raise KeyError(part)
        key = {"编制说明": "notes", "三公经费": "three_public", "机关运行经费": "running_cost", "政府采购": "procurement", "绩效目标": "performance"}[part]
        return getattr(self.wan_parts, key) or self.wan


class PriorYear(Record):
    """Prior-year figures typed in the record: the fallback when no prior-year record exists (元)."""

    income: Optional[dict[Literal[SOURCES], Money]] = Field(default=None, alias="收入")  # type: ignore[valid-type]
    items: Optional[dict[str, Money]] = Field(default=None, alias="项", description="财政拨款支出，按功能分类项（7位编码）")


class ProjectNote(Record):
    """One 项目经费情况说明 (部门 only): texts typed here, or taken from the project's form."""

    project: Optional[str] = Field(default=None, alias="项目", description="申报表记录：<单位简称>/<记录文件名>")
    name: Optional[ShortText] = Field(default=None, alias="项目名称")
    overview: Optional[LongText] = Field(default=None, alias="项目概述")
    basis: Optional[LongText] = Field(default=None, alias="立项依据")
    implementer: Optional[LongText] = Field(default=None, alias="实施主体")
    plan: Optional[LongText] = Field(default=None, alias="实施方案")
    period: Optional[LongText] = Field(default=None, alias="实施周期")
    budget: Optional[LongText] = Field(default=None, alias="年度预算安排")
    goals: Optional[LongText] = Field(default=None, alias="绩效目标")


class Department(Record):
    """One 内设机构 of a 单位: its name and duties."""

    name: ShortText = Field(alias="名称")
    duties: Text = Field(default="", alias="职责")


class Organisation(Record):
    """机构设置: the paragraph, then the 预算单位 a 部门 covers or the 内设机构 of a 单位."""

    text: Text = Field(default="", alias="说明", description="列表前的段落；单位只列内设机构时可省略（按个数生成）")
    units: list[Text] = Field(default_factory=list, alias="单位", description="部门：所属预算单位（列示至基层预算单位）")
    departments: list[Department] = Field(default_factory=list, alias="内设机构", description="单位：内设机构及其职责")

    @model_validator(mode="after")
    def _something(self) -> "Organisation":
        if not self.text.strip() and not self.units and not self.departments:
            raise ValueError("机构设置没有内容：请填写“说明”，或列出“单位”或“内设机构”")
        return self


class Term(Record):
    """One 名词解释 entry."""

    term: Text = Field(alias="名词")
    meaning: Text = Field(alias="解释")


class Budget(Record):
    """A unit's 部门预算 / 单位预算 record for one year."""

    kind: Literal["部门", "单位"] = Field(alias="文档")
    edition: Optional[Literal["2017", "2019"]] = Field(
        default=None, alias="版式", description="固定使用某一版式：2017（2017—2018年）或 2019（现代版式）；不填则按年度选择"
    )
    sample: bool = Field(default=False, alias="示例")
    draft: bool = Field(default=False, alias="草稿", description="草稿：每页标注“草稿”，--strict 时拒绝生成")
    verbatim: list[str] = Field(
        default_factory=list,
        alias="照印",
        description="照原样印出的文字（键名，如 主要职能、三公经费.范围；转录已公开的文档时用）：其占位文字、空白不报错",
    )
    settings: Settings = Field(default_factory=Settings, alias="设置")
    overview: LongText = Field(default="", alias="职能概述", description="“主要职能包括：”之前的段落")
    functions: list[Text] = Field(alias="主要职能", min_length=1)
    organisation: Organisation = Field(alias="机构设置")
    terms: list[Term] = Field(default_factory=list, alias="名词解释")
    purposes: dict[str, Text] = Field(default_factory=dict, alias="类说明")
    item_purposes: dict[str, Text] = Field(default_factory=dict, alias="项说明", description="现代版式：每个功能分类项“主要用于”的内容")
    reason: Text = Field(default="", alias="变动原因", description="财政拨款收入支出增加（减少）的主要原因")
    item_reasons: dict[str, Text] = Field(default_factory=dict, alias="项变动原因", description="逐项比较时每个项的变动原因")
    spending: list[FunctionLeaf] = Field(alias="支出", min_length=1)
    basic_economic: list[EconomicLeaf] = Field(default_factory=list, alias="基本支出经济分类")
    three_public: ThreePublic = Field(alias="三公经费")
    running_cost: RunningCost = Field(alias="机关运行经费")
    procurement: Procurement = Field(default_factory=Procurement, alias="政府采购")
    performance: Performance = Field(default_factory=Performance, alias="绩效目标管理")
    assets: Optional[Assets] = Field(default=None, alias="国有资产")
    prior: Optional[PriorYear] = Field(default=None, alias="上年")
    project_notes: Optional[list[ProjectNote]] = Field(
        default=None, alias="项目经费情况说明", description="部门：重点项目的经费情况说明；不填则按重点项目的申报表生成"
    )
    key_projects: Optional[list[str]] = Field(
        default=None,
        alias="重点项目",
        description="随后附上的绩效目标申报表：<单位简称>/<记录文件名>；不填则附本单位本年度的全部申报表",
    )
    imported: Optional[Text] = Field(
        default=None,
        alias="导入待核",
        description="由 budgetdocs import 从公开的PDF读入、尚待核对（值为PDF文件名）：每次生成都警告（W123），核对后删去",
    )
