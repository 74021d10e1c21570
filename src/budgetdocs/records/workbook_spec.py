"""The fill-in workbook (填报表), described once: its sheets, their blocks, and the record key
each cell or column holds.

:mod:`budgetdocs.records.workbook` writes a workbook from these tables and reads one back
by them, so the two directions cannot drift: a key added here is written and read; a key
left out of here is neither, and the import keeps it in the record as it was.

A sheet is a list of blocks, each starting with its title in column A:

- :class:`Fields`: one labelled input a row (label in A, value in B, a hint in C, and the
  prior year's figure, read-only, in D where there is one); a text of several paragraphs
  takes one row a paragraph, a list of texts one row an item.  A :class:`Total` is a
  locked formula summing other lines: shown, never read (a constant typed over it that
  disagrees with the sum is reported).
- :class:`Table`: a header row, then one row an item (``list``), a text (``texts``), a list
  of cells (``rows``: 绩效指标), entries of mappings keyed by the first column (``keyed``:
  项说明), or, for 支出, rows of one 科目 by source of money gathered into one item
  (``grouped``).  Columns computed by formula (a 科目's name, a row's 合计) and the prior
  year's figures are shown, locked, and never read.

Every label and choice is the printed document's word; the choices of settings come from
the record models, so a value the model accepts is a value the drop-down offers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal, Optional, Union, get_args, get_origin

from pydantic import BaseModel

from .budget_model import SOURCES, VEHICLE_KINDS, WAN_PARTS, Settings
from .model import FUND_USES_2017, INDICATOR_LAYOUTS_2017, PROJECT_TYPES_2017

# Kinds of value.  Amounts: MONEY in 元, WAN in 万元 (both numbers with #,##0.00).
TEXT = "text"  # one cell of text (numbers typed there are kept as text)
PARAS = "paras"  # a text of paragraphs, one row a paragraph
LINES = "lines"  # a list of texts, one row an item
KEYS = "keys"  # a list of short texts in one cell, separated by 、
MONEY = "money"
WAN = "wan"
INT = "int"
BOOL = "bool"  # 是 / 否
CHOICE = "choice"
DATE = "date"  # a real date as a date cell formatted as the record writes it; anything else as text
CODE = "code"  # a classification code, as text, chosen from the year's classification
PRESENT = "present"  # 是: the optional mapping at ``path`` is printed (联系信息, 签字栏)

# Classification lists a code column chooses from: 功能分类 类 / 项, 经济分类 款.
CODE_LISTS = {"类": ("功能分类", 3), "项": ("功能分类", 7), "款": ("经济分类", 5)}

SOURCE = "<来源>"  # in a column's key: the source of money named in the row's 资金来源 column
BUDGET_EDITIONS = ("2017", "2019")  # of the disclosure (budget_model.Budget.edition)


def choices(model: type[BaseModel], alias: str) -> tuple[str, ...]:
    """The values a model's field accepts (its ``Literal``), for a drop-down list."""
    annotation = next(f.annotation for name, f in model.model_fields.items() if (f.alias or name) == alias)
    while get_origin(annotation) is Union:
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    assert get_origin(annotation) is Literal, alias
    return tuple(str(a) for a in get_args(annotation))


@dataclass(frozen=True)
class Item:
    """One labelled input of a :class:`Fields` block and the record key it holds."""

    label: str
    path: tuple[str, ...]
    kind: str = TEXT
    hint: str = ""
    choices: tuple[str, ...] = ()
    prior: Optional[str] = None  # the prior-year figure shown beside it (workbook.PRIOR_FIGURES)
    editions: tuple[str, ...] = ()  # budget editions that print it; () every one


@dataclass(frozen=True)
class Total:
    """A line of a :class:`Fields` block computed as the sum of other lines (by label)."""

    label: str
    of: tuple[str, ...]
    kind: str = WAN
    hint: str = "自动计算"
    prior: Optional[str] = None
    editions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fields:
    """A block of labelled inputs.  With ``repeat``, the block is one item of the list at that
    path, written once per item and once more empty (项目经费情况说明 1, 2 …)."""

    title: str
    items: tuple[Union[Item, Total], ...]
    head: tuple[str, str, str] = ("项目", "填写", "说明")
    editions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # 文档 (部门/单位) that print it; () both
    repeat: Optional[tuple[str, ...]] = None
    intro: str = ""


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Table`: the key it holds within an item (``()``: the item is
    the value; an int: a position in a row list), or what it shows (``name_of`` a code
    column, ``sum_of`` amount columns, a ``prior`` figure), locked and never read."""

    label: str
    key: Optional[tuple] = None
    kind: str = TEXT
    width: float = 14
    choices: tuple[str, ...] = ()
    codes: Optional[str] = None  # CODE_LISTS name
    name_of: Optional[str] = None  # label of the code column whose name this shows
    sum_of: tuple[str, ...] = ()
    prior: Optional[str] = None
    source: bool = False  # the 资金来源 column (fills SOURCE in the others' keys)

    @property
    def read(self) -> bool:
        """Whether the column is an input (read back), not a computed or prior column."""
        return self.key is not None or self.source


@dataclass(frozen=True)
class Table:
    """A block of rows; ``shape`` says how rows make the record's value at ``path`` (see the
    module).  A ``keyed`` table's first column is the key of every other column's mapping,
    whose key is then a path from the record's top."""

    title: str
    path: tuple[str, ...]
    columns: tuple[Column, ...]
    shape: Literal["list", "texts", "rows", "keyed", "grouped"] = "list"
    total: bool = False
    spare: int = 5
    editions: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    intro: str = ""
    header_by: Optional[str] = None  # the record key whose value names the header (指标列)


Block = Union[Fields, Table]


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name (the tab) and blocks; ``computed`` sheets are only shown."""

    name: str
    blocks: tuple[Block, ...] = ()
    intro: str = ""
    editions: tuple[str, ...] = ()
    computed: bool = False


MODERN = ("2019",)
OLD = ("2017",)
YES_NO = ("是", "否")

# --------------------------------------------------------------------------- the budget record

_SETTINGS = Fields(
    "设置",
    tuple(
        Item(label, ("设置", label), BOOL if (f.annotation is bool) else (TEXT if f.annotation is str else CHOICE),
             hint, () if f.annotation in (bool, str) else choices(Settings, label))
        for label, f, hint in (
            (f.alias, f, f.description or "")
            for f in Settings.model_fields.values() if f.alias != "分部万元格式"
        )
    )
    + tuple(Item(f"分部万元格式·{part}", ("设置", "分部万元格式", part), CHOICE, "这一部分另用的万元写法；不填同“万元格式”",
                 choices(Settings, "万元格式")) for part in WAN_PARTS),
    intro="都可以不填：不填时按市级文档的写法。",
)

_CODE_NAME = Column("科目名称", name_of="科目编码", width=28)

_SPENDING = Table(
    "支出（按功能分类科目，元）",
    ("支出",),
    (
        Column("科目编码", ("科目",), CODE, 11, codes="项"),
        _CODE_NAME,
        Column("资金来源", kind=CHOICE, width=16, choices=SOURCES, source=True),
        Column("基本支出", ("基本支出", SOURCE), MONEY, 16),
        Column("人员经费", ("人员经费", SOURCE), MONEY, 16),
        Column("公用经费", ("公用经费", SOURCE), MONEY, 16),
        Column("项目支出", ("项目支出", SOURCE), MONEY, 16),
        Column("合计", sum_of=("基本支出", "人员经费", "公用经费", "项目支出"), kind=MONEY, width=17),
        Column("上年财政拨款（只读）", kind=MONEY, width=17, prior="项财政拨款"),
    ),
    shape="grouped",
    total=True,
    spare=12,
    intro="每个功能分类“项”一行；同一科目有几种资金来源就写几行。基本支出写在“基本支出”，"
    "或分为“人员经费”“公用经费”（单位预算须分写）。类、款和各级合计都自动计算。",
)

BUDGET_SHEETS: tuple[Sheet, ...] = (
    Sheet("基本信息", (
        Fields("基本信息", (
            Item("文档", ("文档",), CHOICE, "部门预算或单位预算", ("部门", "单位")),
            Item("版式", ("版式",), CHOICE, "不填则按年度：2017、2018年为2017版式，2019年起为现代版式", BUDGET_EDITIONS),
            Item("示例", ("示例",), BOOL, "是：示例数据，每页标注“示例”"),
            Item("草稿", ("草稿",), BOOL, "是：草稿，每页标注“草稿”；核对后改为否或清空"),
            Item("照印", ("照印",), KEYS, "照原样印出的键名，用“、”分隔（转录已公开的文档时用）"),
            Item("重点项目", ("重点项目",), LINES, "随后附上的申报表：单位简称/记录文件名，每行一个；不填则附本单位本年度的全部申报表"),
            Item("导入待核", ("导入待核",), TEXT, "从公开的PDF读入、尚待核对时写着那个PDF的文件名：核对全部内容后清空"),
        )),
    )),
    Sheet("设置", (_SETTINGS,), editions=MODERN),
    Sheet("主要职能", (
        Fields("职能概述", (Item("职能概述", ("职能概述",), PARAS, "“主要职能包括：”之前的段落，每段一行；可不填"),), editions=MODERN),
        Table("主要职能", ("主要职能",), (Column("主要职能（每行一项，编号自动加）", (), TEXT, 100),), "texts", spare=5),
    )),
    Sheet("机构设置", (
        Fields("机构设置", (Item("说明", ("机构设置", "说明"), PARAS, "列表前的段落，每段一行；单位只列内设机构时可不填"),)),
        Table("所属预算单位", ("机构设置", "单位"), (Column("单位名称（部门填写）", (), TEXT, 80),), "texts", kinds=("部门",)),
        Table("内设机构", ("机构设置", "内设机构"), (Column("名称", ("名称",), TEXT, 28), Column("职责", ("职责",), TEXT, 80)),
              kinds=("单位",), spare=4),
    )),
    Sheet("名词解释", (
        Table("名词解释", ("名词解释",), (Column("名词", ("名词",), TEXT, 20), Column("解释", ("解释",), TEXT, 90)), spare=3,
              intro="可不填：不填时现代版式印标准的八条。"),
    )),
    Sheet("支出", (_SPENDING,)),
    Sheet("项说明", (
        Table("各项用途和变动原因", ("项",), (
            Column("科目编码", ("科目",), CODE, 11, codes="项"),
            _CODE_NAME,
            Column("主要用于", ("项说明",), TEXT, 60),
            Column("变动原因（逐项比较时）", ("项变动原因",), TEXT, 40),
        ), "keyed", spare=5, intro="有财政拨款的每个“项”都要写“主要用于”（编制说明的每一条）。"),
        Fields("变动原因", (Item("变动原因", ("变动原因",), TEXT, "财政拨款收入支出增加（减少）的主要原因"),)),
    ), editions=MODERN),
    Sheet("类说明", (
        Table("各类用途", ("类",), (
            Column("科目编码", ("科目",), CODE, 11, codes="类"),
            _CODE_NAME,
            Column("主要用于", ("类说明",), TEXT, 80),
        ), "keyed", spare=3, intro="有财政拨款的每个“类”都要写“主要用于”（不写“主要用于”和句号）。"),
    ), editions=OLD),
    Sheet("经济分类", (
        Table("一般公共预算基本支出（按经济分类科目，元）", ("基本支出经济分类",), (
            Column("科目编码", ("科目",), CODE, 11, codes="款"),
            _CODE_NAME,
            Column("人员经费", ("人员经费",), MONEY, 16),
            Column("公用经费", ("公用经费",), MONEY, 16),
            Column("合计", sum_of=("人员经费", "公用经费"), kind=MONEY, width=17),
        ), total=True, spare=8, intro="每个经济分类“款”一行；合计应等于“支出”表中一般公共预算的基本支出。"),
    )),
    Sheet("三公经费", (
        Fields("“三公”经费（万元）", (
            Item("因公出国（境）费", ("三公经费", "本年", "因公出国境费"), WAN, "没有请写 0", prior="三公.因公出国境费"),
            Item("公务接待费", ("三公经费", "本年", "公务接待费"), WAN, "没有请写 0", prior="三公.公务接待费"),
            Item("公务用车购置费", ("三公经费", "本年", "公务用车购置费"), WAN, "没有请写 0", prior="三公.公务用车购置费"),
            Item("公务用车运行费", ("三公经费", "本年", "公务用车运行费"), WAN, "没有请写 0", prior="三公.公务用车运行费"),
            Total("公务用车购置及运行费", ("公务用车购置费", "公务用车运行费"), prior="三公.公务用车"),
            Total("合计", ("因公出国（境）费", "公务接待费", "公务用车购置费", "公务用车运行费"), prior="三公.合计"),
        ), head=("项目", "本年", "说明")),
        Fields("上年“三公”经费（万元，没有上年记录时填写）", (
            Item("因公出国（境）费", ("三公经费", "上年", "因公出国境费"), WAN),
            Item("公务接待费", ("三公经费", "上年", "公务接待费"), WAN),
            Item("公务用车购置及运行费", ("三公经费", "上年", "公务用车购置及运行费"), WAN, "或分写下面两行"),
            Item("公务用车购置费", ("三公经费", "上年", "公务用车购置费"), WAN),
            Item("公务用车运行费", ("三公经费", "上年", "公务用车运行费"), WAN),
        ), head=("项目", "上年", "说明")),
        Fields("用途和变动原因", (
            Item("范围", ("三公经费", "范围"), TEXT, "包括……", editions=OLD),
            Item("因公出国（境）费·用途", ("三公经费", "因公出国境费", "用途"), TEXT, "主要安排……", editions=OLD),
            Item("因公出国（境）费·原因", ("三公经费", "因公出国境费", "原因"), TEXT, "与上年相比有增减（现代版式：或持平）时的原因"),
            Item("公务接待费·用途", ("三公经费", "公务接待费", "用途"), TEXT, editions=OLD),
            Item("公务接待费·原因", ("三公经费", "公务接待费", "原因"), TEXT),
            Item("公务用车·用途", ("三公经费", "公务用车", "用途"), TEXT, editions=OLD),
            Item("公务用车·原因", ("三公经费", "公务用车", "原因"), TEXT, "公务用车购置及运行费的原因"),
            Item("公务用车购置费·原因", ("三公经费", "公务用车购置费", "原因"), TEXT, editions=MODERN),
            Item("公务用车运行费·原因", ("三公经费", "公务用车运行费", "原因"), TEXT, editions=MODERN),
            Item("合计·原因", ("三公经费", "合计", "原因"), TEXT, editions=MODERN),
        )),
        Fields("机关运行经费（万元）", (
            Item("本年", ("机关运行经费", "本年"), WAN, "没有请写 0", prior="机关运行经费"),
            Item("上年", ("机关运行经费", "上年"), WAN, "没有上年记录时填写"),
            Item("机关", ("机关运行经费", "机关"), INT, "下属机关家数（现代版式，0 不印）", editions=MODERN),
            Item("参公事业单位", ("机关运行经费", "参公事业单位"), INT, "下属参照公务员法管理的事业单位家数", editions=MODERN),
            Item("事业单位", ("机关运行经费", "事业单位"), INT, "下属事业单位家数", editions=MODERN),
            Item("原因", ("机关运行经费", "原因"), TEXT, "与上年相比的变动原因"),
        ), head=("项目", "填写", "说明")),
    )),
    Sheet("其他情况", (
        Fields("政府采购（万元）", (
            Item("货物", ("政府采购", "货物"), WAN, "没有请写 0"),
            Item("工程", ("政府采购", "工程"), WAN, "没有请写 0"),
            Item("服务", ("政府采购", "服务"), WAN, "没有请写 0"),
            Total("政府采购预算合计", ("货物", "工程", "服务")),
            Item("面向中小企业预留", ("政府采购", "中小企业预留"), WAN, "不填则不印中小企业一句"),
            Item("其中小微企业", ("政府采购", "其中小微企业"), WAN, "填了中小企业预留就要填"),
        )),
        Fields("绩效目标管理", (
            Item("项目数", ("绩效目标管理", "项目数"), INT, "有本单位申报表时自动计算，不填"),
            Item("金额（万元）", ("绩效目标管理", "金额"), WAN, "同上"),
            Item("预算单位数", ("绩效目标管理", "预算单位数"), INT, "部门：开展绩效目标编报的预算单位数"),
        )),
        Fields("国有资产", (
            Item("截至日期", ("国有资产", "截至日期"), DATE, "如 2024年8月31日"),
            *(Item(f"车辆·{kind}", ("国有资产", "车辆", kind), INT) for kind in VEHICLE_KINDS),
            Total("车辆合计", tuple(f"车辆·{kind}" for kind in VEHICLE_KINDS), INT),
            Item("单价100万元以上大型设备", ("国有资产", "大型设备"), INT, "台（套），没有请写 0"),
            *(Item(f"拟购车辆·{kind}", ("国有资产", "拟购车辆", kind), INT) for kind in VEHICLE_KINDS),
            Total("拟购车辆合计", tuple(f"拟购车辆·{kind}" for kind in VEHICLE_KINDS), INT),
            Item("拟购大型设备", ("国有资产", "拟购大型设备"), INT, "台（套），没有请写 0"),
        ), editions=MODERN),
    )),
    Sheet("上年数", (
        Fields("上年收入（元）", tuple(Item(s, ("上年", "收入", s), MONEY) for s in SOURCES),
               intro="有上年的预算记录时不填（上年数从上年的记录算出）；上年预算执行数只能写在这里。"),
        Table("上年各项财政拨款（元）", ("上年", "项"), (
            Column("科目编码", ("科目",), CODE, 11, codes="项"),
            _CODE_NAME,
            Column("金额", (("上年", "项")), MONEY, 18),
        ), "keyed", spare=5),
    ), editions=MODERN),
    Sheet("项目经费情况说明", (
        Fields("项目经费情况说明", (
            Item("项目", ("项目",), TEXT, "申报表记录：单位简称/记录文件名；下面不填的取自申报表"),
            Item("项目名称", ("项目名称",), TEXT),
            Item("项目概述", ("项目概述",), PARAS),
            Item("立项依据", ("立项依据",), PARAS),
            Item("实施主体", ("实施主体",), PARAS),
            Item("实施方案", ("实施方案",), PARAS),
            Item("实施周期", ("实施周期",), PARAS),
            Item("年度预算安排", ("年度预算安排",), PARAS),
            Item("绩效目标", ("绩效目标",), PARAS),
        ), repeat=("项目经费情况说明",), kinds=("部门",)),
    ), editions=MODERN),
    Sheet("汇总", intro="本表全部由公式计算，随填写自动更新，不需要填写，也不会读入。", computed=True),
)

# Keys whose mapping is written whenever its block holds anything (a written 车辆: {} is
# "no vehicles", which the document prints; left out, it is E232).
ALWAYS = (("国有资产", "车辆"), ("国有资产", "拟购车辆"))

# --------------------------------------------------------------------------- the project forms

_COMMON = (
    Item("项目名称", ("项目名称",), TEXT, "必填"),
    Item("版式", ("版式",), CHOICE, "不填则按年度", ("2017", "2020", "2023")),
    Item("示例", ("示例",), BOOL),
    Item("草稿", ("草稿",), BOOL),
    Item("照印", ("照印",), KEYS, "照原样印出的键名，用“、”分隔"),
)
_MONEY_2017 = Fields("资金（元）", tuple(Item(k, (k,), MONEY) for k in ("项目总预算", "项目当年预算", "同名项目上年预算额", "同名项目上年预算执行数")))


def _indicators(labels: tuple[str, ...], header_by: Optional[str] = None) -> Table:
    return Table("绩效指标", ("绩效指标",), tuple(Column(label, (i,), TEXT, 30 if i < 2 else 40) for i, label in enumerate(labels)),
                 "rows", spare=5, header_by=header_by,
                 intro="每个指标一行；一级、二级指标每行都写（相同的会自动合并）。")


FORM_SHEETS: dict[str, tuple[Block, ...]] = {
    "2023": (
        Fields("申报表", _COMMON + (
            Item("项目性质", ("项目性质",)),
            Item("项目类别", ("项目类别",)),
            Item("主管部门", ("主管部门",)),
            Item("实施单位", ("实施单位",)),
            Item("计划开始日期", ("计划开始日期",), DATE),
            Item("计划完成日期", ("计划完成日期",), DATE),
        )),
        Fields("项目资金（元，通常不填）", (
            Item("项目资金总额", ("项目资金", "项目资金总额"), MONEY),
            Item("财政资金", ("项目资金", "财政资金"), MONEY),
            Item("其他资金", ("项目资金", "其他资金"), MONEY),
        )),
        Fields("年度资金（元）", (
            Item("当年财政拨款", ("年度资金", "当年财政拨款"), MONEY, "没有请写 0"),
            Item("上年结转资金", ("年度资金", "上年结转资金"), MONEY, "没有请写 0"),
            Item("其他资金", ("年度资金", "其他资金"), MONEY, "没有请写 0"),
            Total("年度资金申请总额", ("当年财政拨款", "上年结转资金", "其他资金"), MONEY),
        )),
        Fields("目标", (
            Item("项目总目标", ("项目总目标",), PARAS, "可不填"),
            Item("年度总体目标", ("年度总体目标",), PARAS),
        )),
        _indicators(("一级指标", "二级指标", "三级指标", "指标值")),
    ),
    "2020": (
        Fields("申报表", _COMMON + (
            Item("项目类别", ("项目类别",)),
            Item("计划开始日期", ("计划开始日期",), DATE),
            Item("计划完成日期", ("计划完成日期",), DATE),
            Item("是否含有政府购买服务", ("是否含有政府购买服务",), CHOICE, choices=YES_NO),
            Item("绩效类型", ("绩效类型",)),
        )),
        _MONEY_2017,
        Fields("项目情况", tuple(Item(k, (k,), PARAS) for k in (
            "项目概况", "立项依据", "项目设立的必要性", "保证项目实施的制度、措施", "项目实施计划", "总目标及阶段性目标",
            "本项目上年度市级财政资金使用情况"))),
        _indicators(("一级目标", "二级目标", "三级目标", "指标目标值")),
    ),
    "2017": (
        Fields("申报表", _COMMON + (
            Item("版式变体", ("版式变体",), CHOICE, "分组：2017年人才服务中心样式", ("标准", "分组")),
            Item("盖章", ("盖章",), CHOICE, "申报单位名称行“（盖章）”的位置", ("无", "标签后", "名称后")),
            Item("项目类型", ("项目类型",), CHOICE, choices=PROJECT_TYPES_2017),
            Item("资金用途", ("资金用途",), CHOICE, "分组样式不填", FUND_USES_2017),
            Item("开始时间", ("开始时间",), DATE),
            Item("结束时间", ("结束时间",), DATE),
            Item("指标列", ("指标列",), CHOICE, "绩效指标的列：四列（一级/二级/三级指标/指标目标值）、三列、来源列",
                 tuple(INDICATOR_LAYOUTS_2017)),
        )),
        Fields("联系信息", (
            Item("印联系信息行", ("联系信息",), PRESENT, "是：表中印“项目负责人｜联系人｜联系电话”一行"),
            Item("项目负责人", ("联系信息", "项目负责人")),
            Item("联系人", ("联系信息", "联系人")),
            Item("联系电话", ("联系信息", "联系电话")),
        )),
        _MONEY_2017,
        Fields("项目情况", tuple(Item(k, (k,), PARAS) for k in (
            "项目概况", "立项依据", "项目设立的必要性", "保证项目实施的制度、措施", "项目实施计划", "项目总目标", "年度绩效目标",
            "备注"))),
        Table("子项目（项目当年投入资金构成）", ("子项目",), (Column("名称", ("名称",), TEXT, 40), Column("金额", ("金额",), MONEY, 18)),
              total=True, spare=3),
        _indicators(INDICATOR_LAYOUTS_2017["四列"], header_by="指标列"),
        Fields("签字栏", (
            Item("印签字栏", ("签字栏",), PRESENT, "是：表下印签字栏"),
            Item("填报单位负责人", ("签字栏", "填报单位负责人")),
            Item("填报人", ("签字栏", "填报人")),
            Item("填报日期", ("签字栏", "填报日期"), DATE),
        )),
    ),
}

# The title in A1 of a form's sheet: it names the edition (a copied sheet is a new form).
FORM_TITLE = "绩效目标申报表（{edition}年版）"
BUDGET_TITLE = "{year}年{name}{kind}预算填报表"
MARKER_SHEET = "_budgetdocs"  # hidden: says this is a fill-in workbook, for which unit and year
MARKER = "budgetdocs填报表"
FORMAT_VERSION = 1
CODES_SHEET = "科目表"  # hidden: the year's classification (drop-downs and names)
CHOICES_SHEET = "选项"  # hidden: every drop-down list
GUIDE_SHEET = "填写说明"


def indicator_labels(layout: Optional[str]) -> tuple[str, ...]:
    """The header of a 2017 form's 绩效指标 for its 指标列 (三列 has three)."""
    return INDICATOR_LAYOUTS_2017.get(layout or "四列", INDICATOR_LAYOUTS_2017["四列"])


@dataclass
class Shown:
    """Where a workbook holds one record: for each key path, the cell (``sheet!B12``) that
    holds it, and the paths its present blocks hold (the import replaces those, keeps the rest)."""

    cells: dict[tuple, str] = field(default_factory=dict)
    held: list[tuple] = field(default_factory=list)


# --------------------------------------------------------------------------- shared by both directions

MISSING = object()  # a key the record does not write, a cell left blank
PROTECTED_START = ("=", "+", "-", "@")  # text a spreadsheet would take for a formula: stored as text


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters



def value_at(data: Any, path: tuple) -> Any:
    """The value at ``path`` (keys and list positions) of plain data, or MISSING."""
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return MISSING
    return data


def put_at(data: dict, path: tuple, value: Any) -> None:
    """Set the value at ``path``, making the mappings above it."""
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


# --------------------------------------------------------------------------- dates as the record writes them

_DATE = re.compile(r"^(\d{4})(\s*[-./年]\s*)(\d{1,2})(\s*[-./月]\s*)(\d{1,2})(日?)$")
_EPOCH = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)


def date_cell(text: str) -> Optional[tuple[date, str]]:
    """A record's date text as (the date, an Excel number format that shows it exactly as
    written): ``2019. 1. 1`` → ``yyyy". "m". "d``.  None when it is not a whole real date."""
    match = _DATE.match(str(text).strip()) if str(text) == str(text).strip() else None
    if not match:
        return None
    year, sep1, month, sep2, day, tail = match.groups()
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None

    def literal(part: str) -> str:
        return f'"{part}"' if part else ""

    fmt = "yyyy" + literal(sep1) + ("mm" if len(month) == 2 else "m") + literal(sep2) + ("dd" if len(day) == 2 else "d") + literal(tail)
    return value, fmt


_FORMAT_TOKEN = re.compile(r'"([^"]*)"|\\(.)|(yyyy|yy|mm|m|dd|d)|(\[[^\]]*\])|(.)', re.IGNORECASE)


def date_text(serial: Decimal, fmt: str, date1904: bool = False) -> Optional[str]:
    """A date cell's value as its number format shows it (None if the format is not a date's)."""
    section = fmt.split(";")[0]
    if not re.search(r"[yd]", re.sub(r'"[^"]*"|\[[^\]]*\]', "", section), re.IGNORECASE):
        return None
    day = (_EPOCH_1904 if date1904 else _EPOCH) + timedelta(days=int(serial))
    out = []
    for quoted, escaped, token, _bracket, other in _FORMAT_TOKEN.findall(section):
        if quoted or escaped:
            out.append(quoted or escaped)
        elif token:
            t = token.lower()
            out.append({"yyyy": f"{day.year:04d}", "yy": f"{day.year % 100:02d}", "mm": f"{day.month:02d}",
                        "m": str(day.month), "dd": f"{day.day:02d}", "d": str(day.day)}[t])
        elif other and other not in "@*_":
            out.append(other)
    return "".join(out)
