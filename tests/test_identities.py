"""FORMS.md §5.6: the checks a reviewer applies to a published disclosure, applied to ours.

Every modern disclosure the project renders (the 2022 and 2023 咨询服务中心 samples
and the Putuo 2025 example) is rendered to PDF and XLSX; the tables are read back
from the XLSX (numbers) and the narrative from the PDF text, and every identity is
checked on what a reader sees: the tables agree with each other, and every figure
of the 编制说明 and 其他相关情况说明 is the table's, to 0.01万元.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from budgetdocs.build import Project, plan
from budgetdocs.cli import main
from budgetdocs.layout.narrative import to_wan
from conftest import DATA, REPO
from seedtext import pdf_text

PUTUO = REPO / "examples" / "putuo-区政府办公室" / "data"
CASES = [(DATA, 2022, "咨询服务中心"), (DATA, 2023, "咨询服务中心"), (PUTUO, 2025, "区政府办公室")]
CENT = Decimal("0.01")
NUMBER = r"([\d,]+(?:\.\d+)?)"


def dec(value) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value)).quantize(CENT)


def wan(text: str) -> Decimal:
    return Decimal(text.replace(",", "")).quantize(CENT)


class Tables:
    """The nine tables of a rendered XLSX, by position (after the 封面 and 说明 sheets)."""

    def __init__(self, path: Path):
        wb = openpyxl.load_workbook(path)
        tables = [ws for ws in wb.worksheets if ws.title not in ("封面", "说明")][:9]
        self.sheets = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in tables]
        self.titles = [next(r[0] for r in sheet if r[0] and "年" in str(r[0]) and str(r[0]).endswith("表")) for sheet in self.sheets]

    def total(self, n: int) -> list:
        """The 合计 / 总计 row of table n (1-based)."""
        return next(r for r in self.sheets[n - 1] if r[0] in ("合计", "收入总计"))

    def coded(self, n: int, width: int = 3) -> dict[str, list[Decimal]]:
        """Code → amounts of a classification table's rows."""
        rows = {}
        for r in self.sheets[n - 1]:
            if r[0] and re.fullmatch(r"\d{3}", str(r[0])):
                code = "".join(str(c or "") for c in r[:width])
                rows[code] = [dec(v) for v in r[width + 1 :]]
        return rows


@pytest.fixture(scope="module", params=CASES, ids=[f"{y}-{u}" for _, y, u in CASES])
def document(request, tmp_path_factory):
    data, year, unit = request.param
    out = tmp_path_factory.mktemp("identities")
    result = CliRunner().invoke(main, ["--year", str(year), "--unit", unit, "--data", str(data), "--out", str(out), "--format", "pdf,xlsx"])
    assert result.exit_code == 0, result.output
    pdf = next((out / str(year) / unit).glob("*预算.pdf"))
    loaded = plan(Project(data.parent, data, out), year, [unit], False).budgets[unit]
    text = re.sub(r"\s+", "", pdf_text(pdf))
    return year, Tables(pdf.with_suffix(".xlsx")), text, loaded


def test_tables_agree(document):
    _, t, _, _ = document
    t1 = t.total(1)
    assert dec(t1[1]) == dec(t1[3])  # 收入总计 = 支出总计
    t4 = t.total(4)
    assert dec(t4[1]) == dec(t4[3]) == dec(t1[1])  # T1 = T4
    assert dec(t4[3]) == dec(t4[4]) + dec(t4[5]) + dec(t4[6])
    t3 = t.coded(3)
    by_fund = [t.coded(n) for n in (5, 6, 7)]
    for code, values in t3.items():
        assert values[0] == values[1] + values[2], code  # 合计 = 基本 + 项目
        parts = [f.get(code, [Decimal(0)] * 3) for f in by_fund]
        assert values == [sum(p[i] for p in parts) for i in range(3)], code  # T3 = T5 + T6 + T7
    t3_total = [dec(v) for v in t.total(3)[4:]]
    t8_total = [dec(v) for v in t.total(8)[3:]]
    assert t3_total[1] == t8_total[0] == t8_total[1] + t8_total[2]  # T3 基本 = T8 合计 = 人员 + 公用
    for code, values in t.coded(8, 2).items():
        assert values[0] == values[1] + values[2], code
    t9 = [dec(v) for v in next(r for r in t.sheets[8] if isinstance(r[0], (int, float)) or isinstance(r[6], (int, float)))]
    assert t9[0] == t9[1] + t9[2] + t9[3] and t9[3] == t9[4] + t9[5]


def _figure(text: str, pattern: str) -> Decimal:
    match = re.search(pattern + NUMBER + "万元", text)
    assert match, pattern
    return wan(match.group(1))


def test_narrative_is_the_tables(document):
    year, t, text, loaded = document
    t1, t4 = t.total(1), t.total(4)
    assert _figure(text, "收入预算") == to_wan(dec(t1[1]))
    assert _figure(text, "支出预算") == to_wan(dec(t1[3]))
    assert _figure(text, "财政拨款收入") == to_wan(dec(t4[1]))
    for pattern, n in (("一般公共预算拨款支出预算", 5), ("政府性基金拨款支出预算", 6), ("国有资本经营预算拨款支出预算", 7)):
        assert _figure(text, pattern) == to_wan(dec(t.total(n)[4])), pattern
    # each 项 item = its table row (T5 + T6 + T7), in code order
    items = re.findall(r"\d+\.“[^”]+”(?:科目)?" + NUMBER + "万元，主要用于", text)
    rows = {}
    for n in (5, 6, 7):
        for code, values in t.coded(n).items():
            if len(code) == 7:
                rows[code] = rows.get(code, Decimal(0)) + values[0]
    assert [wan(i) for i in items] == [to_wan(rows[c]) for c in sorted(rows)]
    # “三公” and 机关运行经费 = T9
    t9 = [dec(v) for v in next(r for r in t.sheets[8] if isinstance(r[0], (int, float)) or isinstance(r[6], (int, float)))]
    assert _figure(text, "“三公”经费预算数为") == t9[0]
    assert _figure(text, "（一）因公出国（境）费") == t9[1]
    assert _figure(text, "（三）公务接待费") == t9[2]
    assert _figure(text, "（二）公务用车购置及运行费") == t9[3]
    assert _figure(text, "公务用车购置费") == t9[4] and _figure(text, "公务用车运行费") == t9[5]
    assert _figure(text, "机关运行经费预算为") == t9[6]
    # 绩效目标 money ≤ T3 项目支出; 采购 = 货物 + 工程 + 服务, 中小企业 ≤ total
    assert _figure(text, "涉及项目预算资金") <= to_wan(dec(t.total(3)[6]))
    total = _figure(text, "政府采购预算")
    assert total == _figure(text, "政府采购货物预算") + _figure(text, "政府采购工程预算") + _figure(text, "政府采购服务预算")
    assert _figure(text, "面向中小企业预留政府采购项目预算金额") <= total


def test_changes_agree_with_their_sign(document):
    year, t, text, loaded = document
    prior = loaded.prior
    fiscal = _figure(text, "财政拨款收入")
    match = re.search(rf"财政拨款收入{NUMBER}万元，(比|与){year - 1}年预算(增加|减少|持平){NUMBER}?", text)
    if prior.fiscal is None:
        assert match is None and f"{year - 1}年预算" not in text
        return
    assert match, "the 财政拨款 comparison is missing"
    before = to_wan(prior.fiscal)
    word = match.group(3)
    assert word == ("增加" if fiscal > before else "减少" if fiscal < before else "持平")
    if word != "持平":
        assert wan(match.group(4)) == abs(fiscal - before)
        assert f"财政拨款收入支出{word}的主要原因是" in text
    for found in re.finditer(r"(增加|减少)的主要原因", text):
        assert found.group(1) == word


def test_notes_titles_and_placeholders(document):
    year, t, text, _ = document
    for n, fund in ((6, "政府性基金预算"), (7, "国有资本经营预算")):
        if not t.coded(n):
            assert re.search(rf"注：本(部门|单位){year}年无{fund}财政拨款安排的预算，故本表为空表。", text), fund
    for placeholder in ("XX", "××", "待填写", "None"):
        assert placeholder not in text
    for title in t.titles:
        assert re.findall(r"(\d{4})年", title) == [str(year)], title
