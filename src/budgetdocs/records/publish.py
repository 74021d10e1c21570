"""Take validated records and the document they print in; give what would be published wrong without a word.

A check of what the reader will see, run before every render and by ``--check``:

- a blank text where the document prints a part or an item (E230), or a placeholder
  (``XX``, ``××``, ``请填写``, ``待补充``, ``（略）`` …) in any printed text (E231);
- a figure the document prints that the record does not hold (E232): the document
  never prints a 0 the officer did not write (see ``held_figures`` for the rule);
- a budget's dates are real dates (E212), printed in one style (``2024年8月31日``) and
  within the budget's year or the year before (W230);
- a typed text the document does not print (W231), a text that names the other level
  (``市级``/``本市``/``市政府`` in a 区级 document, ``区级``/``本区`` in a 市级 one: W232),
  a name or title that names another year than the budget's (W233).

A record may declare texts it prints as written (``照印: [年度总体目标]``): a
transcription of a published document that itself printed a placeholder.  Checks of a
part with a schema problem (``damage``) are skipped: that part is reported already.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional, Sequence

from ..errors import Problem
from .budget import MODERN, BudgetView, change
from .checks import outside_window, read_date
from .loader import Damage, LoadedForm, Source, field_name
from .model import Form2017, Form2020, Form2023

# Words that stand where the text of a part should be.  Two or more X or × (XX个,
# ××单位), asks to fill in or complete, an omission mark, question marks, TODO.
_PLACEHOLDER = re.compile(
    r"(?<![A-Za-z])[XxＸｘ×]{2,}(?![A-Za-z])|[请待需]填写|[此在]处填写|在此填写|[请待]补充|[请待]完善|待定|某某"
    r"|[（(【\[〔][^）)】\]〕]{0,6}略[）)】\]〕]|[?？]{2,}|□{2,}|＊{2,}|\*{3,}|(?<![A-Za-z])(?:TODO|TBD|FIXME)(?![A-Za-z])"
)
_ONLY_PLACEHOLDER = re.compile(r"^\s*(?:略|…+|\.{3,}|——|-)\s*$")

# The other level's words, and the document's own: a sentence naming both speaks of
# the two levels (``向市政府办公厅报送本区政务信息``), not as the wrong one.
OTHER_LEVEL = {"区级": ("市级", "本市", "市政府"), "市级": ("区级", "本区")}
OWN_LEVEL = {"区级": ("区级", "本区", "区政府", "区委", "全区"), "市级": ("市级", "本市", "市政府", "全市")}
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年)?\s*[-—–~～至到]\s*((?:19|20)\d{2})(?!\d)")

# Texts of each form edition that print a part of their own and may not be blank
# (others, such as 备注 or the 2023 项目总目标, are often blank on published forms).
FORM_PARTS = {
    Form2017: ("项目名称", "开始时间", "结束时间", "项目概况", "立项依据", "项目设立的必要性", "保证项目实施的制度、措施",
               "项目实施计划", "项目总目标", "年度绩效目标"),
    Form2020: ("项目名称", "项目类别", "计划开始日期", "计划完成日期", "绩效类型", "项目概况", "立项依据", "项目设立的必要性",
               "保证项目实施的制度、措施", "项目实施计划", "总目标及阶段性目标"),
    Form2023: ("项目名称", "项目性质", "项目类别", "主管部门", "实施单位", "计划开始日期", "计划完成日期", "年度总体目标"),
}
FORM_CHOICES = ("版式", "版式变体", "盖章", "项目类型", "资金用途", "指标列", "是否含有政府购买服务", "照印", "示例", "草稿")


@dataclass(frozen=True)
class Text:
    """One typed text of a record and how the document uses it."""

    loc: tuple
    text: str
    required: bool = False  # a blank prints an empty part or item
    unprinted: str = ""  # why the document does not print it ('' when it does)
    title: bool = False  # a name or heading: another year in it is worth a word


# --------------------------------------------------------------------------- texts


def placeholder(text: str) -> Optional[str]:
    """The placeholder in ``text`` (``XX``, ``请填写``, ``（略）`` …), or None."""
    if _ONLY_PLACEHOLDER.match(text) and text.strip():
        return text.strip()
    found = _PLACEHOLDER.search(text)
    return found.group() if found else None


def other_level(text: str, level: str, region: str = "") -> Optional[str]:
    """The other level's word a sentence of ``text`` speaks as (``市级`` in a 区级 document), or None."""
    own = OWN_LEVEL.get(level, ()) + ((region.split("市")[-1],) if level == "区级" and region.split("市")[-1] else ())
    for sentence in _SENTENCE.findall(text):
        word = next((w for w in OTHER_LEVEL.get(level, ()) if w in sentence), None)
        if word and not any(w in sentence for w in own):
            return word
    return None


def other_year(text: str, year: int) -> Optional[int]:
    """A year ``text`` names that is not the budget's (a span such as 2023—2025 holding it is fine)."""
    spans = [(int(a), int(b)) for a, b in _YEAR_RANGE.findall(text)]
    for found in _YEAR.findall(text):
        named = int(found)
        if named != year and not any(a <= year <= b and named in (a, b) for a, b in spans):
            return named
    return None


def verbatim_problems(model: type, verbatim: Sequence[str], source: Source) -> list[Problem]:
    """E112: an entry of ``照印`` that names no key of the record."""
    keys = {f.alias or name for name, f in model.model_fields.items()}
    return [
        source.problem(("照印", index), "E112", f"照印[{index + 1}]：记录中没有“{entry}”这一项（写键名，如 年度总体目标、三公经费.范围）")
        for index, entry in enumerate(verbatim)
        if re.split(r"[.\[]", entry, maxsplit=1)[0] not in keys
    ]


def _waived(loc: tuple, verbatim: Sequence[str]) -> bool:
    name = field_name(loc)
    return any(name == v or name.startswith(v + ".") or name.startswith(v + "[") for v in verbatim)


def text_problems(texts: Iterable[Text], source: Source, verbatim: Sequence[str], damage: Damage,
                  year: int, level: Optional[str] = None, region: str = "") -> list[Problem]:
    """E230 blank parts, E231 placeholders, W231 texts not printed, W232 the other level, W233 another year."""
    problems: list[Problem] = []
    for t in texts:
        if not t.loc or not damage.intact(t.loc) or _waived(t.loc, verbatim):
            continue
        name = field_name(t.loc)
        if t.unprinted:
            if t.text.strip():
                problems.append(source.problem(t.loc, "W231", f"填写了{name}，但文档不会印出：{t.unprinted}", "warning"))
            continue
        if not t.text.strip():
            if t.required:
                problems.append(source.problem(t.loc, "E230", f"{name}是空的：文档在这里会印出空白，请填写内容"))
            continue
        mark = placeholder(t.text)
        if mark:
            problems.append(
                source.problem(t.loc, "E231", f"{name}中有占位文字“{mark}”，不能印在公开的文档里：请写上实际内容（照原文转录的请在“照印”中列出此项）")
            )
        word = other_level(t.text, level, region) if level else None
        if word:
            problems.append(
                source.problem(t.loc, "W232", f"{name}写着“{word}”，但本文档是{level}（设置.级次: {level}）：是从别的文档抄来的吗？", "warning")
            )
        named = other_year(t.text, year) if t.title else None
        if named:
            problems.append(source.problem(t.loc, "W233", f"{name}写着{named}年，但本文档是{year}年的：请核对", "warning"))
    return problems


def _strings(value: Any, loc: tuple) -> Iterator[tuple[tuple, str]]:
    """Every text in a dumped record, with its location."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, loc + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, loc + (index,))


# --------------------------------------------------------------------------- forms


def form_problems(loaded: LoadedForm) -> list[Problem]:
    """What a 绩效目标申报表 would print wrong: blank parts, placeholders, another year in its
    name (W233), 年度资金 figures it does not hold (2023: E232)."""
    form, source = loaded.form, loaded.source
    parts = FORM_PARTS.get(type(form), ())
    dumped = form.model_dump(by_alias=True)
    texts = [
        Text(loc, text, required=loc[0] in parts and len(loc) == 1, title=loc == ("项目名称",))
        for loc, text in _strings({k: v for k, v in dumped.items() if k not in FORM_CHOICES}, ())
    ]
    problems = text_problems(texts, source, form.verbatim, loaded.damage, loaded.year)
    problems += verbatim_problems(type(form), form.verbatim, source)
    if isinstance(form, Form2023) and loaded.damage.intact(("年度资金",)):
        missing = [f.alias for name, f in type(form.annual_funds).model_fields.items() if name not in form.annual_funds.model_fields_set]
        if missing:
            problems.append(
                source.problem(
                    ("年度资金",), "E232", f"年度资金没有写{'、'.join(missing)}：申报表印出这几栏，请填写金额（没有请写 0），不能默认为0"
                )
            )
    return problems


# --------------------------------------------------------------------------- budget records


def budget_texts(view: BudgetView, edition: str, damage: Damage = Damage()) -> list[Text]:
    """Every typed text of a budget record, and whether (and why not) the document prints it
    (with 支出 damaged, which 项 and 类 are printed is not known: their texts count as printed)."""
    budget = view.budget
    modern = edition == MODERN
    old = "2017版式"
    texts: list[Text] = []
    add = texts.append
    typed_codes = {leaf.code for leaf in budget.spending}
    fiscal_items = {r.code for r in view.fiscal_table.rows if r.level == 2 and r.values[0]}
    fiscal_categories = {r.code for r in view.fiscal_categories}
    if not damage.intact(("支出",)):
        fiscal_items, fiscal_categories = set(budget.item_purposes), set(budget.purposes)
    if budget.overview.strip():
        add(Text(("职能概述",), budget.overview, unprinted="" if modern else f"{old}不印“职能概述”"))
    for index, item in enumerate(budget.functions):
        add(Text(("主要职能", index), item, required=True))
    org = budget.organisation
    add(Text(("机构设置", "说明"), org.text, required=not modern))
    for index, name in enumerate(org.units):
        add(Text(("机构设置", "单位", index), name, required=True))
    departments = "" if modern else f"{old}的机构设置只列“单位”，不印内设机构"
    for index, department in enumerate(org.departments):
        add(Text(("机构设置", "内设机构", index, "名称"), department.name, True, departments, title=True))
        add(Text(("机构设置", "内设机构", index, "职责"), department.duties, False, departments))
    for index, term in enumerate(budget.terms):
        add(Text(("名词解释", index, "名词"), term.term, True, title=True))
        add(Text(("名词解释", index, "解释"), term.meaning, True))
    for code, text in budget.purposes.items():
        why = (
            "现代版式的编制说明按功能分类项列示，请写在“项说明”" if modern
            else "" if code in fiscal_categories
            else f"{code} 不是本年有财政拨款的功能分类类，编制说明中没有这一类"
        )
        add(Text(("类说明", code), text, unprinted=why))
    for code, text in budget.item_purposes.items():
        why = (
            f"{old}的编制说明按类列示，请写在“类说明”" if not modern
            else "" if code in fiscal_items
            else f"支出中没有科目 {code}" if code not in typed_codes
            else f"科目 {code} 没有财政拨款，编制说明不列这一项"
        )
        add(Text(("项说明", code), text, unprinted=why))
    add(Text(("变动原因",), budget.reason, unprinted="" if modern else f"{old}的编制说明不写变动原因"))
    for code, text in budget.item_reasons.items():
        add(Text(("项变动原因", code), text, unprinted="" if modern else f"{old}的编制说明不作逐项比较"))
    texts += _three_public_texts(budget, modern)
    running = budget.running_cost
    add(Text(("机关运行经费", "原因"), running.reason, unprinted="" if modern else f"{old}的机关运行经费一段不写原因"))
    if budget.assets is not None and not modern:
        add(Text(("国有资产",), "国有资产", unprinted=f"{old}不印国有资产占有使用情况"))
    if budget.project_notes is not None:
        if not modern or budget.kind != "部门":
            why = f"{old}没有项目经费情况说明" if not modern else "单位预算没有项目经费情况说明（部门预算才有）"
            add(Text(("项目经费情况说明",), "项目经费情况说明", unprinted=why))
        else:
            for index, note in enumerate(budget.project_notes):
                for key, value in note.model_dump(by_alias=True).items():
                    if key != "项目" and value is not None:  # typed: a blank drops the form's text and its heading
                        add(Text(("项目经费情况说明", index, key), value, required=True, title=key == "项目名称"))
    if "settings" in budget.model_fields_set:
        if not modern:
            add(Text(("设置",), "设置", unprinted=f"{old}不用“设置”（只用于2019年起的现代版式）"))
        else:
            add(Text(("设置", "地区"), budget.settings.region, required=True, title=True))
            add(Text(("设置", "名称后缀"), budget.settings.name_suffix, title=True))
    return texts


def _three_public_texts(budget, modern: bool) -> list[Text]:
    """The “三公” texts: 范围 and 用途 printed by the 2017 edition only; 原因 after a comparison."""
    tp = budget.three_public
    texts = [Text(("三公经费", "范围"), tp.scope, required=not modern, unprinted="现代版式不印“三公”经费的范围" if modern else "")]
    cur, prior = tp.current, tp.prior
    printed_2017 = {  # the items the 2017 edition prints a 用途 and (after a change) a 原因 for
        "因公出国境费": (tp.abroad, cur.abroad, prior.abroad if prior else None),
        "公务接待费": (tp.reception, cur.reception, prior.reception if prior else None),
        "公务用车": (tp.cars, cur.cars, prior.cars if prior else None),
    }
    for key, note in (("因公出国境费", tp.abroad), ("公务接待费", tp.reception), ("公务用车", tp.cars),
                      ("公务用车购置费", tp.car_purchase), ("公务用车运行费", tp.car_running), ("合计", tp.total)):
        if modern:
            texts.append(Text(("三公经费", key, "用途"), note.purpose, unprinted="现代版式不印“三公”经费的用途"))
            if key != "合计" or note.reason.strip():
                texts.append(Text(("三公经费", key, "原因"), note.reason))
            continue
        if key not in printed_2017:
            texts.append(Text(("三公经费", key, "用途"), note.purpose, unprinted=f"2017版式不单列{key}的用途"))
            texts.append(Text(("三公经费", key, "原因"), note.reason, unprinted=f"2017版式不单列{key}的原因"))
            continue
        _, current, before = printed_2017[key]
        texts.append(Text(("三公经费", key, "用途"), note.purpose, required=True))
        moved = change(current, before)
        why = (
            "没有三公经费.上年，不作比较" if moved is None
            else "与上年持平，2017版式只在有增减时印出原因" if moved[0] == "持平"
            else ""
        )
        texts.append(Text(("三公经费", key, "原因"), note.reason, unprinted=why))
    return texts


def held_figures(view: BudgetView, edition: str, source: Source, damage: Damage) -> list[Problem]:
    """E232: a figure the document prints must be written in the record, 0 as 0.

    The rule: every 万元 figure the 其他相关情况说明 prints is typed — the four “三公” items
    of ``三公经费.本年`` (both editions), 政府采购's 货物, 工程 and 服务 (the block itself is
    required), 其中小微企业 once 中小企业预留 is written, the 2017 绩效目标管理 项目数 and
    金额, and in the modern edition the 国有资产 counts ``车辆``, ``大型设备``, ``拟购车辆``
    and ``拟购大型设备`` (a written ``车辆: {}`` declares every category 0; a category
    left out of a written mapping is 0) and, where the 部门 sentence prints it,
    ``绩效目标管理.预算单位数``.  Counts printed only when not zero (机关运行经费's 机关,
    参公事业单位, 事业单位) and optional figures that print nothing when absent
    (``上年``, ``中小企业预留``) may be left out.
    """
    budget = view.budget
    modern = edition == MODERN
    problems: list[Problem] = []

    def need(loc: tuple, message: str) -> None:
        if damage.intact(loc):
            problems.append(source.problem(loc, "E232", message + "：文档印出这个数，请填写（没有请写 0），不会默认为0"))

    current = budget.three_public.current
    missing = [f.alias for name, f in type(current).model_fields.items() if name not in current.model_fields_set]
    if missing:
        need(("三公经费", "本年"), f"三公经费.本年没有写{'、'.join(missing)}")
    if "procurement" not in budget.model_fields_set:
        need(("政府采购",), "缺少“政府采购”（货物、工程、服务，万元）")
    else:
        procurement = budget.procurement
        written = procurement.model_fields_set
        missing = [alias for name, alias in (("goods", "货物"), ("works", "工程"), ("services", "服务")) if name not in written]
        if missing:
            need(("政府采购",), f"政府采购没有写{'、'.join(missing)}")
        if procurement.sme is not None and procurement.small_micro is None:
            need(("政府采购", "中小企业预留"), "写了中小企业预留，没有写其中小微企业（预留给小型和微型企业的金额）")
    performance = budget.performance
    if not modern and (performance.count is None or performance.amount is None):
        need(("绩效目标管理",), "2017版式的预算绩效情况印出项目数和金额（万元），绩效目标管理中没有写全")
    phrasing = budget.settings.phrasing or budget.kind
    if modern and budget.kind == "部门" and phrasing == "部门" and "units" not in performance.model_fields_set:
        need(("绩效目标管理",), "部门的绩效目标设置情况印出“本部门n个预算单位”，绩效目标管理中没有写预算单位数")
    assets = budget.assets
    if modern and assets is not None:
        missing = [f.alias for name, f in type(assets).model_fields.items() if name not in assets.model_fields_set and name != "as_of"]
        if missing:
            need(("国有资产",), f"国有资产没有写{'、'.join(missing)}（车辆写 {{}} 表示各类均为0）")
    return problems


def asset_date(view: BudgetView, edition: str, source: Source, damage: Damage):
    """(the 截至日期 to print, problems): E212 not a real date, W230 not in the budget's year or the one before."""
    assets = view.budget.assets
    loc = ("国有资产", "截至日期")
    if edition != MODERN or assets is None or not damage.intact(loc):
        return None, []
    day, why = read_date(assets.as_of, day_needed=True)
    if why:
        return None, [source.problem(loc, "E212", f"国有资产.截至日期“{assets.as_of}”{why}")]
    if outside_window(day, view.year):  # type: ignore[arg-type]
        return day, [
            source.problem(
                loc, "W230",
                f"国有资产.截至日期 {assets.as_of} 不在{view.year - 1}—{view.year}年内：车辆和设备的数目是不是旧的？请按新的截至日期更新",
                "warning",
            )
        ]
    return day, []


def budget_problems(view: BudgetView, edition: str, source: Source, damage: Damage) -> list[Problem]:
    """Every publish problem of a budget record (its texts, figures and dates)."""
    budget = view.budget
    level = budget.settings.level if edition == MODERN else "市级"
    problems = text_problems(budget_texts(view, edition, damage), source, budget.verbatim, damage, view.year, level, budget.settings.region)
    problems += verbatim_problems(type(budget), budget.verbatim, source)
    problems += held_figures(view, edition, source, damage)
    problems += asset_date(view, edition, source, damage)[1]
    return problems
