"""Take the 编制说明 and 其他相关情况说明 of a disclosure and its tables; give the figures and wording they hold.

The sentences are the ones :mod:`budgetdocs.layout.narrative` writes, read back: each
figure by the words before it (``财政拨款收入9,101.68万元``), a comparison with the prior
year after it (``比2024年预算减少2,389.52万元``) and a reason after that
(``主要原因是…``).  From them come the texts the record holds (each 项's purpose, the
reasons), the prior year's figures it states (``上年``: a figure in 万元 and its change,
so exact to 100 元), the counts and 万元 figures of the five parts, and the settings
whose wording they show (comparison basis, item naming, per-item comparison, 万元 style
per part, 句式, 三公持平 …).  Every figure the sentences print is checked against the
tables (W411); a sentence that cannot be read is listed by page (W410), never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from ...errors import Problem
from ...layout.narrative import Change, to_wan, wan_text
from ..budget_model import FISCAL_SOURCES, VEHICLE_KINDS, WAN_PARTS, WAN_STYLES
from .pages import Document, flat, paragraphs
from .tables import Tables

ZERO = Decimal(0)
TEN_THOUSAND = Decimal(10000)
NUM = r"\d[\d,]*(?:\.\d+)?"
CMP = (r"(?:[，,。]?\s*(?P<lead>比|与)(?P<py>\d{4})年(?P<basis>预算执行数|预算)(?:相比)?[，,]?"
       r"(?:(?P<word>增加|减少)(?P<delta>" + NUM + r")万元|(?P<even>持平)))?")
REASON = r"(?:[，,。]\s*主要原因是[：:]?(?P<reason>[^；;。]*))?"
ITEM = re.compile(r"^\s*(?P<number>\d+\s*[.．、]|[（(][一二三四五六七八九十]+[）)])\s*[“\"](?P<name>[^”\"]+)[”\"](?P<kemu>科目)?\s*(?P<amount>" + NUM + r")万元[，,]\s*主要用于(?P<rest>.*)$")
PER_ITEM = re.compile(
    r"(?P<py>\d{4})年(?P<stated>当年预算执行数|预算执行数|预算)为(?P<prior>" + NUM + r")万元[，,]\s*(?P<y>\d{4})年预算安排(?P<current>"
    + NUM + r")万元[，,]\s*(?:比|与)(?P<py2>\d{4})年(?P<basis>预算执行数|预算)(?:(?P<word>增加|减少)(?P<delta>" + NUM
    + r")(?P<unit>%|万元)|(?P<even>持平))[。.]?\s*(?:主要原因是[：:]?\s*(?P<reason>.*?)[。.]?\s*)?$"
)
HEADING = re.compile(r"^[一二三四五六七八九十]+、")
NOTE_CLAUSES = (  # 编制说明: label pattern, figure name, the table figure it states
    (r"收入预算", "收入预算"), (r"财政拨款收入", "财政拨款"), (r"(?<!位)事业收入", "事业收入"), (r"事业单位经营收入", "事业单位经营收入"),
    (r"其他收入", "其他收入"), (r"(?<![款])支出预算", "支出预算"), (r"(?<!非)财政拨款支出预算", "财政拨款支出"),
    (r"非财政拨款支出预算", "非财政拨款"), (r"一般公共预算拨款支出预算", "一般公共预算"), (r"政府性基金拨款支出预算", "政府性基金"),
    (r"国有资本经营预算拨款支出预算", "国有资本经营"),
)
THREE_CLAUSES = (
    ("合计", r"[“\"]?三公[”\"]?经费预算数为"), ("因公出国境费", r"因公出国[（(]境[）)]费"), ("公务用车", r"公务用车购置及运行费"),
    ("公务用车购置费", r"公务用车购置费"), ("公务用车运行费", r"公务用车运行费"), ("公务接待费", r"公务接待费"),
)
TABLE_KEYS = {"合计": "合计", "因公出国境费": "因公出国境费", "公务用车": "小计", "公务用车购置费": "公务用车购置费",
              "公务用车运行费": "公务用车运行费", "公务接待费": "公务接待费"}


def dec(text: str) -> Decimal:
    """A printed figure (``2,389.52``) as an exact decimal."""
    return Decimal(text.replace(",", ""))


@dataclass
class Stated:
    """A figure a sentence prints, and its comparison with the prior year if it has one."""

    text: str
    value: Decimal
    lead: str = ""
    prior_year: int = 0
    basis: str = ""  # 上年预算 or 上年预算执行数
    prior: Optional[Decimal] = None  # 万元
    reason: str = ""


@dataclass
class Sentences:
    """What the 编制说明 and 其他相关情况说明 say, for the record."""

    reason: str = ""
    purposes: dict[str, str] = field(default_factory=dict)
    item_reasons: dict[str, str] = field(default_factory=dict)
    prior_income: dict[str, Decimal] = field(default_factory=dict)  # 元
    prior_items: dict[str, Decimal] = field(default_factory=dict)  # 元
    three_prior: Optional[dict[str, Decimal]] = None  # 万元
    three_reasons: dict[str, str] = field(default_factory=dict)
    running: dict = field(default_factory=dict)
    procurement: dict = field(default_factory=dict)
    performance: dict = field(default_factory=dict)
    assets: Optional[dict] = None
    settings: dict = field(default_factory=dict)
    phrasing: dict[str, str] = field(default_factory=dict)  # 政府采购/绩效目标 → 部门 or 单位, as worded
    suffixes: dict[str, str] = field(default_factory=dict)  # sentence → what follows the unit's name in it
    wan: dict[str, list[str]] = field(default_factory=dict)  # part → the 万元 figures as printed
    problems: list[Problem] = field(default_factory=list)


def _stated(found: re.Match, value_group: str = "value") -> Stated:
    value = dec(found[value_group])
    stated = Stated(found[value_group], value)
    if found["lead"]:
        stated.lead, stated.prior_year = found["lead"], int(found["py"])
        stated.basis = "上年预算执行数" if found["basis"] == "预算执行数" else "上年预算"
        delta = dec(found["delta"]) if found["delta"] else ZERO
        stated.prior = value - delta if found["word"] == "增加" else value + delta
    if "reason" in found.groupdict() and found["reason"]:
        stated.reason = found["reason"].strip()
    return stated


def _clause(label: str, text: str, reason: bool = False) -> Optional[Stated]:
    pattern = label + r"\s*(?P<value>" + NUM + r")万元" + CMP + (REASON if reason else "")
    found = re.search(pattern, text)
    return _stated(found) if found else None


def read_sentences(document: Document, tables: Tables) -> Sentences:
    """The 编制说明 and 其他相关情况说明 of the document, checked against its tables."""
    out = Sentences()
    _notes(document, tables, out)
    _other(document, tables, out)
    _wan_settings(document, out)
    return out


def _check(document: Document, out: Sentences, page: int, what: str, printed: Decimal, table: Optional[Decimal]) -> None:
    if table is not None and printed != table:
        out.problems.append(document.problem(page, "W411", f"{what}印的是{wan_text(printed)}万元，表格算出{wan_text(table)}万元", "warning"))


def _year(document: Document, out: Sentences, page: int, what: str, stated: Optional[Stated]) -> None:
    if stated is not None and stated.prior_year and stated.prior_year != document.year - 1:
        out.problems.append(document.problem(page, "W411", f"{what}与{stated.prior_year}年比较，但这是{document.year}年的预算（应与{document.year - 1}年比较）", "warning"))


def _fiscal_rows(tables: Tables) -> dict[str, Decimal]:
    """财政拨款 per 项 (元), the three fund tables together, in code order."""
    rows: dict[str, Decimal] = {}
    for part in ("t5", "t6", "t7"):
        for code, values in (tables.code_tables[part].rows.items() if part in tables.code_tables else ()):
            if len(code) == 7 and values["合计"]:
                rows[code] = rows.get(code, ZERO) + values["合计"]
    return dict(sorted(rows.items()))


def _notes(document: Document, tables: Tables, out: Sentences) -> None:
    pages = document.parts("notes")
    if not pages:
        out.problems.append(document.problem(1, "W410", "编制说明：文件中找不到这一部分，项说明、变动原因和上年数都没有写入", "warning"))
        return
    page = pages[0].number
    paras = paragraphs(pages, document.margins)
    items = [(n, ITEM.match(p)) for n, p in paras]
    prose = "".join(p for (n, p), (_, m) in zip(paras, items) if m is None)
    figures = {name: _clause(label, prose) for label, name in NOTE_CLAUSES}
    wan = out.wan.setdefault("编制说明", [])
    wan += [f.text for f in figures.values() if f is not None]
    for name, stated in figures.items():
        if stated is None and name not in ("非财政拨款",):
            out.problems.append(document.problem(page, "W410", f"编制说明：读不出“{name}”的金额", "warning"))
    income = tables.income
    fiscal = _fiscal_rows(tables)
    spent = tables.code_tables.get("t3")
    table_figures = {
        "收入预算": sum((v for k, v in income.items() if k != "财政拨款"), ZERO) if income else None,
        "财政拨款": sum(fiscal.values(), ZERO), "支出预算": spent.total["合计"] if spent and spent.total else None,
        "财政拨款支出": sum(fiscal.values(), ZERO),
        "事业收入": income.get("事业收入"), "事业单位经营收入": income.get("事业单位经营收入"), "其他收入": income.get("其他收入"),
    }
    for part, source in (("t5", "一般公共预算"), ("t6", "政府性基金"), ("t7", "国有资本经营")):
        table = tables.code_tables.get(part)
        table_figures[source] = (table.total or {}).get("合计", ZERO) if table else None
    for name, stated in figures.items():
        if stated is not None and table_figures.get(name) is not None:
            _check(document, out, page, f"编制说明的{name}", stated.value, to_wan(table_figures[name]))  # type: ignore[arg-type]
        _year(document, out, page, f"编制说明的{name}", stated)
    basis = next((f.basis for f in figures.values() if f is not None and f.basis), "")
    if basis == "上年预算执行数":
        out.settings["比较基数"] = basis
    for source in FISCAL_SOURCES:
        stated = figures.get(source)
        if stated is not None and stated.prior is not None:
            out.prior_income[source] = stated.prior * TEN_THOUSAND
    whole = figures.get("财政拨款")
    if whole is not None and whole.prior is not None and len(out.prior_income) == 3 and sum(out.prior_income.values(), ZERO) != whole.prior * TEN_THOUSAND:
        out.problems.append(document.problem(page, "W411", "编制说明：财政拨款收入的上年数与一般公共预算、政府性基金、国有资本经营的上年数之和不等", "warning"))
    found = re.search(r"财政拨款收入支出(?:增加|减少|持平)的主要原因是[：:]?(?P<reason>.+?)。", prose)
    if found:
        out.reason = found["reason"].strip()
    _items(document, out, paras, items, fiscal, tables)


def _item_name(code: str, tables: Tables, naming: str) -> str:
    names = [tables.names.get(code[:n], ("", ""))[1] for n in (3, 5, 7)]
    if naming.startswith("（类）"):
        return "".join(f"{n}（{level}）" for n, level in zip(names, ("类", "款", "项")))
    return "-".join(names)


def _items(document: Document, out: Sentences, paras, items, fiscal: dict[str, Decimal], tables: Tables) -> None:
    """Each numbered item: its 项 (by name, else by place), purpose, per-item comparison and reason."""
    wan = out.wan["编制说明"]
    unused = list(fiscal)
    namings = set()
    item_bases = set()
    for (page, para), (_, found) in zip(paras, items):
        if found is None:
            continue
        naming = ("（类）（款）（项）" + ("科目" if found["kemu"] else "")) if "（类）" in found["name"] else "类-款-项"
        namings.add(naming)
        key = flat(found["name"])
        code = next((c for c in unused if flat(_item_name(c, tables, naming)) == key), None)
        amount = dec(found["amount"])
        if code is None:
            code = next((c for c in unused if to_wan(fiscal[c]) == amount), None)
            if code is None:
                out.problems.append(document.problem(page, "W410", f"编制说明：“{found['name']}”对应不到表中有财政拨款的功能分类项，项说明未写入", "warning"))
                continue
            out.problems.append(document.problem(page, "W413", f"编制说明：“{found['name']}”与表中 {code} 的名称“{_item_name(code, tables, naming)}”不同，按金额对应；重新生成时印表中的名称", "warning"))
        unused.remove(code)
        wan.append(found["amount"])
        _check(document, out, page, f"编制说明“{found['name']}”", amount, to_wan(fiscal[code]))
        rest = found["rest"]
        per_item = PER_ITEM.search(rest)
        purpose = rest[: per_item.start()] if per_item else rest
        out.purposes[code] = purpose.strip().rstrip("。.").strip()
        if per_item:
            item_bases.add(_per_item(document, out, page, code, amount, per_item))
    numbers = {re.sub(r"[\d\s]+", "1", found["number"]) for _, found in items if found is not None}
    if numbers - {"1.", "1．"}:
        out.problems.append(document.problem(document.parts("notes")[0].number, "W413", f"编制说明的各项编为“{'、'.join(sorted(numbers))}”，重新生成时编为“1.”", "warning"))
    for code in unused:
        out.problems.append(document.problem(document.parts("notes")[0].number, "W410", f"编制说明没有列出有财政拨款的 {code} {tables.names.get(code, ('', ''))[1]}：项说明未写入", "warning"))
    if len(namings) > 1:
        out.problems.append(document.problem(document.parts("notes")[0].number, "W413", f"编制说明的科目名称有几种写法（{'、'.join(sorted(namings))}），记录只能用一种", "warning"))
    naming = sorted(namings)[0] if namings else "类-款-项"
    if naming != "类-款-项":
        out.settings["科目名称"] = naming
    if item_bases:
        out.settings["逐项比较"] = True
        items_basis = sorted(item_bases)[0]
        if items_basis != out.settings.get("比较基数", "上年预算"):
            out.settings["逐项比较基数"] = items_basis


def _per_item(document: Document, out: Sentences, page: int, code: str, amount: Decimal, found: re.Match) -> str:
    """The per-item comparison: the prior figure (上年.项), its basis, 上年为零, the reason; checked."""
    prior, current = dec(found["prior"]), dec(found["current"])
    out.wan["编制说明"] += [found["prior"], found["current"]] + ([found["delta"]] if found["unit"] == "万元" else [])
    basis = "上年预算执行数" if "执行数" in found["stated"] else "上年预算"
    out.prior_items[code] = prior * TEN_THOUSAND
    if current != amount:
        out.problems.append(document.problem(page, "W411", f"编制说明 {code}：“{found['y']}年预算安排{found['current']}万元”与本项金额{wan_text(amount)}万元不同；记录按表格（{wan_text(amount)}万元）写入", "warning"))
    change = Change(amount, prior)
    word = "持平" if found["even"] else found["word"]
    if word != change.word:
        out.problems.append(document.problem(page, "W411", f"编制说明 {code}：从{wan_text(prior)}万元到{wan_text(amount)}万元是{change.word}，文件写的是{word}", "warning"))
    elif found["unit"] == "%":
        percent = dec(found["delta"])
        expected = change.percent
        if prior == 0 and percent == 100:
            out.settings["上年为零"] = "百分比"
        elif expected is not None and percent != expected:
            out.problems.append(document.problem(page, "W411", f"编制说明 {code}：{word}{found['delta']}%，按{wan_text(prior)}万元和{wan_text(amount)}万元算是{expected}%", "warning"))
    if found["reason"]:
        out.item_reasons[code] = found["reason"].strip()
    if int(found["py"]) != document.year - 1:
        out.problems.append(document.problem(page, "W411", f"编制说明 {code}：与{found['py']}年比较，但这是{document.year}年的预算", "warning"))
    return basis


def _sections(document: Document) -> dict[str, tuple[int, str]]:
    """其他相关情况说明's five parts, by their headings' meaning: part → (page, text)."""
    sections: dict[str, tuple[int, str]] = {}
    current = None
    for page, para in paragraphs(document.parts("other"), document.margins):
        if HEADING.match(para) and len(para) < 40 and "万元" not in para:
            key = flat(para)
            current = next((name for word, name in (("三公", "three"), ("机关运行经费", "running"), ("政府采购", "procurement"),
                                                    ("绩效", "performance"), ("国有资产", "assets")) if word in key), None)
            if current is not None:
                sections[current] = (page, "")
            continue
        if current is not None:
            sections[current] = (sections[current][0], sections[current][1] + para)
    return sections


def _other(document: Document, tables: Tables, out: Sentences) -> None:
    if not document.parts("other"):
        out.problems.append(document.problem(1, "W410", "其他相关情况说明：文件中找不到这一部分", "warning"))
        return
    sections = _sections(document)
    for key, name in (("three", "“三公”经费"), ("running", "机关运行经费"), ("procurement", "政府采购"), ("performance", "绩效目标"), ("assets", "国有资产")):
        if key not in sections:
            out.problems.append(document.problem(document.parts("other")[0].number, "W410", f"其他相关情况说明：找不到“{name}”一段，记录中没有写入", "warning"))
    if "three" in sections:
        _three(document, tables, out, *sections["three"])
    if "running" in sections:
        _running(document, tables, out, *sections["running"])
    if "procurement" in sections:
        _procurement(document, out, *sections["procurement"])
    if "performance" in sections:
        _performance(document, tables, out, *sections["performance"])
    if "assets" in sections:
        _assets(document, out, *sections["assets"])


def _three(document: Document, tables: Tables, out: Sentences, page: int, text: str) -> None:
    found = {key: _clause(label, text, reason=True) for key, label in THREE_CLAUSES}
    wan = out.wan.setdefault("三公经费", [])
    for key, stated in found.items():
        if stated is None:
            out.problems.append(document.problem(page, "W410", f"“三公”经费：读不出{key}的金额", "warning"))
            continue
        wan.append(stated.text)
        if stated.reason:
            out.three_reasons[key] = stated.reason
        if tables.three_public is not None:
            _check(document, out, page, f"“三公”经费的{key}", stated.value, tables.three_public[TABLE_KEYS[key]])
        _year(document, out, page, f"“三公”经费的{key}", stated)
    even = {s.lead for s in found.values() if s is not None and s.prior is not None and s.prior == s.value}
    if even == {"比"}:
        out.settings["三公持平"] = "比"
    priors = {k: s.prior for k, s in found.items() if s is not None and s.prior is not None}
    if "因公出国境费" in priors and "公务接待费" in priors:
        prior = {"因公出国境费": priors["因公出国境费"], "公务接待费": priors["公务接待费"]}
        if "公务用车购置费" in priors and "公务用车运行费" in priors:
            prior.update(公务用车购置费=priors["公务用车购置费"], 公务用车运行费=priors["公务用车运行费"])
        elif "公务用车" in priors:
            prior["公务用车购置及运行费"] = priors["公务用车"]
        else:
            return
        out.three_prior = prior
    elif priors:
        out.problems.append(document.problem(page, "W410", "“三公”经费：只有部分项目与上年比较，记录的三公经费.上年需要因公出国（境）费和公务接待费，未写入", "warning"))


def _running(document: Document, tables: Tables, out: Sentences, page: int, text: str) -> None:
    pattern = r"(?P<y>\d{4})年(?P<who>.*?)(?:下属(?P<counts>[^财]*?))?财政拨款的机关运行经费预算为(?P<value>" + NUM + r")万元" + CMP + REASON
    found = re.search(pattern, text)
    if not found:
        out.problems.append(document.problem(page, "W410", "机关运行经费：读不出“…财政拨款的机关运行经费预算为…万元”这一句", "warning"))
        return
    stated = _stated(found)
    out.wan.setdefault("机关运行经费", []).append(stated.text)
    running: dict = {"本年": stated.value}
    for count, kind in re.findall(r"(\d+)家(机关|参公事业单位|事业单位)", found["counts"] or ""):
        running[kind] = int(count)
    if stated.prior is not None:
        running["上年"] = stated.prior
    else:
        out.settings["机关运行经费比较"] = False
    if stated.reason:
        running["原因"] = stated.reason
    who = re.sub(r"\s+", "", found["who"])
    out.suffixes["机关运行经费"] = who[len(document.name):] if who.startswith(document.name) else who
    if tables.running_cost is not None:
        _check(document, out, page, "机关运行经费", stated.value, tables.running_cost)
    _year(document, out, page, "机关运行经费", stated)
    out.running = running


def _procurement(document: Document, out: Sentences, page: int, text: str) -> None:
    total = re.search(r"(?P<du>度)?[，,]?本(?:部门|单位)政府采购预算(?P<value>" + NUM + r")万元", text)
    parts = {key: re.search(rf"政府采购{key}预算(?P<value>{NUM})万元", text) for key in ("货物", "工程", "服务")}
    if total is None or not all(parts.values()):
        out.problems.append(document.problem(page, "W410", "政府采购：读不出政府采购预算及其货物、工程、服务的金额", "warning"))
        return
    wan = out.wan.setdefault("政府采购", [])
    procurement = {key: dec(found["value"]) for key, found in parts.items()}  # type: ignore[index]
    wan += [total["value"]] + [found["value"] for found in parts.values()]  # type: ignore[index]
    if dec(total["value"]) != sum(procurement.values(), ZERO):
        out.problems.append(document.problem(page, "W411", f"政府采购预算{total['value']}万元不等于货物、工程、服务之和", "warning"))
    out.phrasing["政府采购"] = "单位" if total["du"] else "部门"
    sme = re.search(r"面向中小企业预留政府采购项目预算金额(?P<value>" + NUM + r")万元", text)
    small = re.search(r"预留给小型和微型企业的政府采购项目预算为(?P<value>" + NUM + r")万元", text)
    if sme:
        procurement["中小企业预留"] = dec(sme["value"])
        procurement["其中小微企业"] = dec(small["value"]) if small else ZERO
        wan += [sme["value"]] + ([small["value"]] if small else [])
        if procurement["其中小微企业"] > procurement["中小企业预留"] or procurement["中小企业预留"] > dec(total["value"]):
            out.problems.append(document.problem(page, "W411", "政府采购：预留给中小企业（或其中小微企业）的金额大于政府采购预算", "warning"))
    out.procurement = procurement


def _performance(document: Document, tables: Tables, out: Sentences, page: int, text: str) -> None:
    count = re.search(r"编报绩效目标的项目共?(?P<n>\d+)个", text)
    money = re.search(r"涉及项目预算资金(?P<value>" + NUM + r")万元", text)
    if not count or not money:
        out.problems.append(document.problem(page, "W410", "绩效目标设置情况：读不出项目个数和涉及的项目预算资金", "warning"))
        return
    out.wan.setdefault("绩效目标", []).append(money["value"])
    performance: dict = {"项目数": int(count["n"]), "金额": dec(money["value"])}
    units = re.search(r"本部门(?P<n>\d+)个预算单位", text)
    if units:
        performance["预算单位数"] = int(units["n"])
    out.phrasing["绩效目标"] = "部门" if re.search(r"按照本[区市]预算绩效管理", text) else "单位"
    spent = tables.code_tables.get("t3")
    if spent is not None and spent.total and performance["金额"] > to_wan(spent.total["项目支出"]):
        out.problems.append(document.problem(page, "W411", f"绩效目标的项目资金{money['value']}万元大于支出预算总表的项目支出{wan_text(to_wan(spent.total['项目支出']))}万元", "warning"))
    out.performance = performance


def _vehicles(text: str) -> dict[str, int]:
    return {kind: int(n) for kind, n in re.findall(r"(" + "|".join(VEHICLE_KINDS) + r")(\d+)辆", text) if int(n)}


def _assets(document: Document, out: Sentences, page: int, text: str) -> None:
    held = re.search(r"截至(?P<date>\d{4}年\d{1,2}月\d{1,2}日)[，,](?P<who>.*?)共有车辆(?P<n>\d+)辆[，,]其中[：:](?P<kinds>.*?)[；;].*?设备[（(]不含车辆[）)](?P<eq>\d+)台", text)
    planned = re.search(r"预算安排购置车辆(?P<n>\d+)辆[，,]其中[：:](?P<kinds>.*?)[；;].*?设备[（(]不含车辆[）)](?P<eq>\d+)台", text[held.end():] if held else text)
    if not held or not planned:
        out.problems.append(document.problem(page, "W410", "国有资产占有使用情况：读不出截至日期、车辆和单价100万元以上设备的数目", "warning"))
        return
    who = re.sub(r"\s+", "", held["who"])
    out.suffixes["国有资产"] = who[len(document.name):] if who.startswith(document.name) else who
    assets = {"截至日期": held["date"], "车辆": _vehicles(held["kinds"]), "大型设备": int(held["eq"]),
              "拟购车辆": _vehicles(planned["kinds"]), "拟购大型设备": int(planned["eq"])}
    for key, found in (("车辆", held), ("拟购车辆", planned)):
        if sum(assets[key].values()) != int(found["n"]):
            out.problems.append(document.problem(page, "W411", f"国有资产：{key}共{found['n']}辆，各类之和是{sum(assets[key].values())}辆", "warning"))
    out.assets = assets


def _wan_settings(document: Document, out: Sentences) -> None:
    """万元格式 and 分部万元格式: the style each part's figures are printed in (a style every
    figure of the part reads as); the style most parts share is the document's."""
    fits: dict[str, list[str]] = {}
    for part, figures in out.wan.items():
        fits[part] = [style for style in WAN_STYLES if all(wan_text(dec(f), style) == f for f in figures)]
        if not fits[part]:
            best = max(WAN_STYLES, key=lambda style: sum(wan_text(dec(f), style) == f for f in figures))
            fits[part] = [best]
            odd = [f for f in figures if wan_text(dec(f), best) != f]
            out.problems.append(document.problem(0, "W413", f"{part}的万元数字写法不一（{'、'.join(odd[:3])}与其余不同），按“{best}”写入：重新生成时统一", "warning"))
    if not fits:
        return
    chosen = max(WAN_STYLES, key=lambda style: (sum(style in f for f in fits.values()), -WAN_STYLES.index(style)))
    if chosen != WAN_STYLES[0]:
        out.settings["万元格式"] = chosen
    parts = {part: f[0] for part, f in fits.items() if chosen not in f and part in WAN_PARTS}
    if parts:
        out.settings["分部万元格式"] = parts
