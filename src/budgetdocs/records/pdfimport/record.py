"""Take what was read of a disclosure; give its budget record as YAML text, marked for review.

The record holds what docs/records.md says a budget record holds, in its order: the
settings the document's wording and layout show, its texts, the leaves of its tables,
the figures of its other parts and the prior year's figures its sentences state.  It
opens with where it came from and is marked ``导入待核: <file>``: every render warns
(W123) until a person has checked it and deleted the mark.  What the record had to
choose (a 单位's split of 基本支出 per 项, prior figures exact to 100 元) is said in a
comment where it stands.
"""

from __future__ import annotations

import io
import re
from typing import Optional

from ...layout.narrative import wan_text
from ..budget_model import WAN_STYLES
from ..importer import _flow, _yaml_writer
from .pages import PART_NAMES, YEAR, Document
from .sentences import Sentences, dec
from .tables import Tables
from .texts import Texts

SETTING_ORDER = ("级次", "地区", "职能编号", "名称后缀", "科目名称", "比较基数", "逐项比较", "逐项比较基数", "上年为零", "万元格式",
                 "分部万元格式", "句式", "机关运行经费比较", "表格金额", "表格空值", "三公表年份", "三公表格式", "三公表空值", "三公持平",
                 "项目说明标题", "项目说明首项", "页码", "目录页码", "目录引导点")
THREE_NOTES = ("因公出国境费", "公务接待费", "公务用车", "公务用车购置费", "公务用车运行费", "合计")


def settings_of(document: Document, tables: Tables, texts: Texts, sentences: Sentences) -> tuple[dict, list]:
    """Every 设置 the document shows, in the documented order, and the wording none reproduces (W413)."""
    notes = []
    found: dict = {}
    if document.level == "区级":
        found["级次"] = "区级"
    if document.region and document.region != "上海市":
        found["地区"] = document.region
    found.update(texts.settings)
    found.update(sentences.settings)
    suffix = found.get("名称后缀", "")
    for where, printed in sentences.suffixes.items():
        if printed != suffix:
            notes.append(document.problem(0, "W413", f"{where}一段的单位名称后写的是“{printed}”，主要职能标题后是“{suffix}”：记录只能用一种（名称后缀）", "warning"))
    phrasing = set(sentences.phrasing.values())
    if len(phrasing) > 1:
        notes.append(document.problem(0, "W413", "政府采购和绩效目标两段的句式不同（一段按部门、一段按单位），记录只能用一种（句式），按绩效目标一段写入", "warning"))
    chosen = sentences.phrasing.get("绩效目标") or sentences.phrasing.get("政府采购")
    if chosen and chosen != document.kind:
        found["句式"] = chosen
    table_grids = [g for part, g in tables.grids.items() if part != "t9"]
    if table_grids and not any(g.decimals for g in table_grids) and any(g.amounts for g in table_grids):
        found["表格金额"] = "元整数"
    if any(tables.grids[p].zeros for p in ("t2", "t3", "t5", "t8") if p in tables.grids):
        found["表格空值"] = "0"
    for grid in table_grids:
        if grid.scale != 1:
            notes.append(document.problem(grid.first_page, "W413", f"{PART_NAMES[grid.part]}以万元印出，记录按万元×10000写成元（精确到100元）；重新生成的表格以元印出", "warning"))
    _three_table(document, tables, found, notes)
    return {key: found[key] for key in SETTING_ORDER if key in found}, notes


def _three_table(document: Document, tables: Tables, found: dict, notes: list) -> None:
    """三公表年份, 三公表格式 and 三公表空值 from table 9 as printed."""
    pages = document.parts("t9")
    if not pages or "t9" not in tables.grids:
        return
    in_title = bool(YEAR.search(pages[0].title))
    in_header = any(YEAR.search(label) for label in tables.grids["t9"].labels)
    year_style = {(True, False): "标题", (True, True): "标题和表头", (False, True): "表头", (False, False): "无"}[(in_title, in_header)]
    if year_style != "标题":
        found["三公表年份"] = year_style
    printed = [t for t in tables.three_texts if t]
    if any(dec(t) == 0 for t in printed):
        found["三公表空值"] = "0"
    if printed and not all(re.fullmatch(r"[\d,]+\.\d{2}", t) for t in printed):
        fits = [s for s in WAN_STYLES if all(wan_text(dec(t), s) == t for t in printed)]
        if not fits:
            notes.append(document.problem(pages[0].number, "W413", f"“三公”经费表的数字写法不一（{'、'.join(printed)}），按两位小数写入", "warning"))
            return
        style = found.get("万元格式", WAN_STYLES[0])
        found["三公表格式"] = style if style in fits else fits[0]


def record_data(document: Document, tables: Tables, texts: Texts, sentences: Sentences, settings: dict, prior_record: Optional[str],
                forms: bool = False) -> dict:
    """The record as plain data, in the documented order (``prior_record``: the path of last
    year's record when the project has one, the prior figures are then computed from it;
    ``forms``: the unit's project forms of the year are in the records, which the 绩效目标
    figures are then counted from)."""
    data: dict = {"导入待核": document.shown, "文档": document.kind}
    if settings:
        data["设置"] = settings
    if texts.verbatim:
        data["照印"] = list(texts.verbatim)
    if texts.overview:
        data["职能概述"] = texts.overview
    data["主要职能"] = texts.functions
    data["机构设置"] = texts.organisation
    if texts.terms is not None:
        data["名词解释"] = texts.terms
    if sentences.reason:
        data["变动原因"] = sentences.reason
    if sentences.purposes:
        data["项说明"] = dict(sorted(sentences.purposes.items()))
    if sentences.item_reasons:
        data["项变动原因"] = dict(sorted(sentences.item_reasons.items()))
    data["支出"] = [{"科目": code, **{side: money for side, money in entry.items()}} for code, entry in sorted(tables.spending.items())]
    data["基本支出经济分类"] = [{"科目": code, **money} for code, money in sorted(tables.economic.items())]
    three: dict = {}
    if tables.three_public is not None:
        three["本年"] = {k: tables.three_public[k] for k in ("因公出国境费", "公务接待费", "公务用车购置费", "公务用车运行费")}
    if sentences.three_prior is not None and prior_record is None:
        three["上年"] = sentences.three_prior
    for key in THREE_NOTES:
        if key in sentences.three_reasons:
            three[key] = {"原因": sentences.three_reasons[key]}
    if three:
        data["三公经费"] = three
    running = dict(sentences.running)
    if tables.running_cost is not None:
        running["本年"] = tables.running_cost
    if prior_record is not None:
        running.pop("上年", None)
    if running:
        data["机关运行经费"] = {k: running[k] for k in ("本年", "上年", "机关", "参公事业单位", "事业单位", "原因") if k in running}
    if sentences.procurement:
        data["政府采购"] = sentences.procurement
    if sentences.performance:
        performance = dict(sentences.performance)
        if document.kind != "部门" or settings.get("句式", document.kind) != "部门":
            performance.pop("预算单位数", None)
        if forms:
            performance.pop("项目数", None)
            performance.pop("金额", None)
        data["绩效目标管理"] = performance
    if data.get("绩效目标管理") == {}:
        del data["绩效目标管理"]
    if sentences.assets is not None:
        data["国有资产"] = sentences.assets
    prior: dict = {}
    execution = settings.get("比较基数") == "上年预算执行数"
    items_execution = settings.get("逐项比较基数", settings.get("比较基数")) == "上年预算执行数"
    if sentences.prior_income and (prior_record is None or execution):
        prior["收入"] = sentences.prior_income
    if sentences.prior_items and settings.get("逐项比较") and (prior_record is None or items_execution):
        prior["项"] = dict(sorted(sentences.prior_items.items()))
    if prior:
        data["上年"] = prior
    if texts.project_notes and document.kind == "部门":
        data["项目经费情况说明"] = texts.project_notes
    return data


FLOW = {("设置", "分部万元格式"), ("照印",), ("三公经费", "本年"), ("三公经费", "上年"), ("机关运行经费",), ("政府采购",),
        ("绩效目标管理",), ("国有资产", "车辆"), ("国有资产", "拟购车辆"), ("上年", "收入")}


def _node(value, path: tuple):
    """A value as YAML: flow style where the examples use it, paragraphs as literal blocks, codes quoted."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    flow = path in FLOW or (len(path) == 2 and path[0] == "三公经费" and path[1] in THREE_NOTES)
    if isinstance(value, dict):
        items = {(DoubleQuotedScalarString(k) if re.fullmatch(r"\d{3,7}", k) else k): _node(v, path + (k,)) for k, v in value.items()}
        return _flow(items) if flow else CommentedMap(items)
    if isinstance(value, list):
        seq = CommentedSeq(_node(v, path + ("[]",)) for v in value)
        if flow:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str):
        if path[-1] == "科目":
            return DoubleQuotedScalarString(value)
        return LiteralScalarString(value + "\n") if "\n" in value else value
    return value


def record_text(data: dict, document: Document, tables: Tables, prior_record: Optional[str]) -> str:
    """The record as YAML: flow mappings for the leaves, literal blocks for paragraphs, comments
    saying where it came from and what it chose."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    root = CommentedMap()
    for key, value in data.items():
        if key == "支出":
            root[key] = CommentedSeq(_spending_entry(entry) for entry in value)
        elif key == "基本支出经济分类":
            root[key] = CommentedSeq(_flow({k: DoubleQuotedScalarString(v) if k == "科目" else v for k, v in entry.items()}) for entry in value)
        else:
            root[key] = _node(value, (key,))
    root.yaml_set_start_comment(
        f"imported from {document.shown}, for review: {document.year}年 {document.name} {document.kind}预算, read by\n"
        f"`budgetdocs import` from the published PDF ({len(document.pages)} pages). What it could not read or had to\n"
        "choose was listed where it ran and is noted below."
    )
    root.yaml_add_eol_comment("对照PDF核对全部文字和数字后删去这一行（在此之前每次生成都警告 W123）", "导入待核", column=0)
    if tables.split_notes and "支出" in root:
        root.yaml_set_comment_before_after_key("支出", before="注：" + "；".join(tables.split_notes) + "\n（单位预算的表1只按类印出人员经费、公用经费，各项的分法由 import 选定，请按实际核对）")
    if "上年" in root:
        root.yaml_set_comment_before_after_key("上年", before="注：上年数由编制说明的“比…增加/减少…万元”推出（万元×10000），只精确到100元")
    if prior_record is not None:
        root.yaml_set_comment_before_after_key("文档", before=f"上年数由 {prior_record} 算出（不再照编制说明写入“上年”）")
    out = io.StringIO()
    yaml = _yaml_writer()
    yaml.representer.ignore_aliases = lambda *args: True  # a record may hold no anchors (E102): equal figures are written twice
    yaml.dump(root, out)
    return out.getvalue()


def _spending_entry(entry: dict):
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    item = CommentedMap({"科目": DoubleQuotedScalarString(entry["科目"])})
    for side in ("基本支出", "人员经费", "公用经费", "项目支出"):
        if side in entry:
            item[side] = _flow(dict(entry[side]))
    return item
