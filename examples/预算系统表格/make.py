"""Write 预算表示例.xlsx: the 2023 tables of 咨询服务中心 as a budget system exports them.

The figures are those of data/2023/咨询服务中心/budget.yaml, so that

    budgetdocs import --year 2023 --unit 咨询服务中心 examples/预算系统表格/预算表示例.xlsx

reads back exactly what the record holds (a test does).  The layout is deliberately not
ours: sheets named 表1…表9, a title row and a unit line, headings as budget systems word
them (支出合计, 基本支出合计, 其中：人员经费, 日常公用经费, 公务用车运行费), codes in three
columns or one, with or without spaces, amounts as numbers or as text with separators,
blanks for zero.  Run from the repository: ``.venv/bin/python examples/预算系统表格/make.py``.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime
from pathlib import Path

import openpyxl

from budgetdocs.build import Project, _read_budget
from budgetdocs.writers.zipfix import fix_package

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def money(value, text: bool = False):
    """An amount as a budget system writes it: blank for zero, else a number (or text)."""
    if not value:
        return None
    return f"{value:,.2f}" if text else value  # a Decimal: openpyxl writes it as Excel would (%.16g)


def main() -> int:
    project = Project.at(REPO)
    view = _read_budget(project, project.data / "2023" / "咨询服务中心" / "budget.yaml", 2023)[0]
    name = "上海市人力资源和社会保障局咨询服务中心"
    wb = openpyxl.Workbook()

    summary = wb.active
    summary.title = "表1"
    summary.append([f"2023年{name}财务收支预算总表"])
    summary.append([f"编制单位：{name}", None, None, "单位：元"])
    summary.append(["收入", None, "支出", None])
    summary.append(["收入总计", money(view.total), "支出总计", money(view.total)])

    spending = wb.create_sheet("表3")  # codes in three columns, amounts as text
    spending.append([f"2023年{name}支出预算总表"])
    spending.append([f"编制单位：{name}", None, None, None, None, None, "单位：元"])
    spending.append(["类", "款", "项", "科目名称", "支出合计", "基本支出合计", "项目支出合计"])
    for row in view.spending_table.rows:
        parts = list(row.parts) + [None] * (3 - len(row.parts))
        spending.append([*parts, row.name, *(money(v, text=True) for v in row.values)])
    spending.append(["合计", None, None, None, *(money(v, text=True) for v in view.spending_table.total)])

    general = wb.create_sheet("表5")  # codes in one column
    general.append([f"2023年{name}一般公共预算支出功能分类预算表"])
    general.append(["功能分类科目编码", "功能分类科目名称", "合计", "其中：基本支出", "其中：项目支出"])
    for row in view.general_table.rows:
        general.append([row.code, row.name, *(money(v) for v in row.values)])
    general.append(["合计", None, *(money(v) for v in view.general_table.total)])

    economic = wb.create_sheet("表8")  # codes with a space, headings of a budget system
    economic.append([f"2023年{name}一般公共预算基本支出部门预算经济分类预算表"])
    economic.append(["经济分类科目编码", "经济分类科目名称", "合计", "人员经费支出", "日常公用经费"])
    for row in view.economic_table.rows:
        economic.append([" ".join(row.parts), row.name, *(money(v) for v in row.values)])
    economic.append(["合计", None, *(money(v) for v in view.economic_table.total)])

    three = wb.create_sheet("表9")  # two heading rows, the 公务用车 columns under a merged heading
    current = view.budget.three_public.current
    three.append([f"2023年{name}“三公”经费和机关运行经费预算表"])
    three.append([None, None, None, None, None, None, "单位：万元"])
    three.append(["“三公”经费合计", "因公出国（境）费", "公务接待费", "公务用车购置及运行费", None, None, "机关运行经费"])
    three.append([None, None, None, "小计", "其中：购置费", "公务用车运行费", None])
    three.merge_cells("D3:F3")
    three.append([money(current.total), money(current.abroad), money(current.reception), money(current.cars),
                  money(current.car_purchase), money(current.car_running), money(view.budget.running_cost.current)])

    out = io.BytesIO()
    wb.save(out)
    data = fix_package(out.getvalue(), "预算表示例", name, datetime(2023, 1, 1))
    (HERE / "预算表示例.xlsx").write_bytes(data)
    print(HERE / "预算表示例.xlsx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
