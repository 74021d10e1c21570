"""The layout settings of the modern edition (设置), each on the layout it produces.

The narrative's settings are tested on the narrative stage (tests/test_narrative.py);
these are the template's: table money and empty cells, the “三公” table's year and
zeros, the name suffix of the headings, the project notes' heading, page numbers and
the 目录's leaders and numbers.  Each test renders the layout HTML of the 2023 sample
(no PDF: cheap) with one setting changed, and reads the text a reader would see.
"""

from __future__ import annotations

import re
import shutil

import pytest
from lxml import html as lxml_html

from budgetdocs.build import documents, plan
from conftest import DATA

BUDGET = (DATA / "2023" / "咨询服务中心" / "budget.yaml").read_text(encoding="utf-8")


def layout(project, settings: str = "", extra: str = "", kind: str = "单位") -> lxml_html.HtmlElement:
    """The disclosure's layout tree with ``settings`` (YAML lines) under 设置."""
    shutil.copytree(DATA / "classifications", project.data / "classifications", dirs_exist_ok=True)
    for year in (2022, 2023):
        shutil.copytree(DATA / str(year) / "咨询服务中心", project.data / str(year) / "咨询服务中心", dirs_exist_ok=True)
    text = BUDGET.replace("文档: 单位\n", f"文档: {kind}\n设置:\n  级次: 市级\n" + "".join(f"  {line}\n" for line in settings.splitlines()))
    (project.data / "2023" / "咨询服务中心" / "budget.yaml").write_text(text + extra, encoding="utf-8")
    the_plan = plan(project, 2023, ["咨询服务中心"], False)
    job = documents(project, the_plan)[0]
    return lxml_html.fromstring(job.html.encode("utf-8"))


def section(tree, anchor: str):
    return tree.xpath(f'//section[.//*[@id="{anchor}"]]')[0]


def cells(table_section) -> list[str]:
    """The amount cells of a table section, as printed."""
    return [re.sub(r"\s+", "", "".join(td.itertext())) for td in table_section.iter("td") if "num" in (td.get("class") or "")]


def test_table_money_whole_yuan_and_zero_cells(project):
    default = cells(section(layout(project), "t3"))
    assert "75,717,726.76" in default and "" in default
    tree = layout(project, "表格金额: 元整数\n表格空值: '0'")
    t3 = cells(section(tree, "t3"))
    assert "75,717,727" in t3 and "75,717,726.76" not in t3
    assert "0" in t3 and "" not in t3  # every zero printed
    # as published (万里街道 2024): tables 1 and 4, and the 合计 row of an empty table, stay blank
    assert cells(section(tree, "t6")) == ["", "", ""]
    assert "0" not in cells(section(tree, "t1")) and "0" not in cells(section(tree, "t4"))


def test_three_public_table_year_and_zeros(project):
    tree = layout(project, "三公表年份: 标题和表头\n三公表空值: '0'")
    t9 = section(tree, "t9")
    title = "".join(t9.xpath(".//h2")[0].itertext())
    heads = ["".join(th.itertext()) for th in t9.iter("th")]
    assert title == "2023年单位“三公”经费和机关运行经费预算表"
    assert "2023年“三公”经费预算数" in heads and "2023年机关运行经费预算数" in heads
    assert cells(t9).count("0.00") == 5  # 因公出国, 公务用车 ×3, 机关运行经费
    untitled = section(layout(project, "三公表年份: 无"), "t9")
    assert "".join(untitled.xpath(".//h2")[0].itertext()) == "单位“三公”经费和机关运行经费预算表"
    headed = section(layout(project, "三公表年份: 表头\n三公表格式: '4614'\n三公表空值: '0'"), "t9")
    assert "".join(headed.xpath(".//h2")[0].itertext()) == "单位“三公”经费和机关运行经费预算表"
    assert "2023年“三公”经费预算数" in ["".join(th.itertext()) for th in headed.iter("th")]
    assert cells(headed) == ["0.50", "0", "0.50", "0", "0", "0", "0"]  # 万元 as the narrative prints them


def test_name_suffix_in_the_headings(project):
    tree = layout(project, "名称后缀: （部门）")
    assert "".join(tree.get_element_by_id("s-functions").itertext()) == "上海市人力资源和社会保障局咨询服务中心（部门）主要职能"
    assert "".join(tree.get_element_by_id("s-organisation").itertext()).endswith("（部门）机构设置")


@pytest.mark.parametrize(
    "settings,classes",
    [("", {"modern"}), ("页码: false", {"modern", "nofolio"}), ("目录页码: false", {"modern", "plain"}),
     ("目录页码: false\n目录引导点: false", {"modern", "plain", "noleaders"})],
)
def test_page_numbers_and_contents(project, settings, classes):
    tree = layout(project, settings)
    toc = tree.xpath('//section[contains(@class, "toc")]')[0]
    assert set(toc.get("class").split()) - {"toc", "landscape"} == classes
    body = tree.xpath('//section[contains(@class, "text")]')[0]
    assert ("nofolio" in body.get("class").split()) == ("nofolio" in classes)


def test_unit_organisation_lists_departments(project):
    tree = layout(project)
    org = [re.sub(r"\s+", "", "".join(p.itertext())) for p in section(tree, "s-organisation").iter("p")]
    assert org[1:3] == ["（一）咨询一科（劳动保障）", "（二）咨询二科（医疗保险）"] and org[-1] == "（九）办公室"
    computed = BUDGET.replace(
        "  说明: 上海市人力资源和社会保障局咨询服务中心是上海市人力资源和社会保障局直属的全额拨款事业单位，单位预算为本单位的综合收支计划。根据相应的职责，咨询服务中心下设八科一室，具体包括：\n",
        "",
    )
    assert computed != BUDGET
    (project.data / "2023" / "咨询服务中心" / "budget.yaml").write_text(computed, encoding="utf-8")
    job = documents(project, plan(project, 2023, ["咨询服务中心"], False))[0]
    first = re.sub(r"\s+", "", "".join(section(lxml_html.fromstring(job.html.encode("utf-8")), "s-organisation").iter("p").__next__().itertext()))
    assert first == "上海市人力资源和社会保障局咨询服务中心设9个内设机构，包括："


def test_project_note_heading(project):
    tree = layout(project, "项目说明标题: false\n项目说明首项: 项目概况", "绩效目标管理: {预算单位数: 1}\n", kind="部门")
    notes = tree.get_element_by_id("s-projects")
    assert "".join(notes.itertext()) == "项目经费情况说明"
    assert "".join(notes.getparent().xpath(".//h3")[0].itertext()) == "一、项目概况"
