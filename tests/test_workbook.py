"""The fill-in workbook (issue 20): `budgetdocs workbook`, its import, `add-unit`.

- every record of every unit and year in the repository (data/ and the examples) reads
  back from its workbook as it was, forms included, and imports over itself unchanged;
  imported afresh (its records deleted), it renders the same documents (the layout HTML
  of every unit; the files of one, byte for byte);
- from an empty project, a new unit's 单位预算 renders with no YAML typed;
- a workbook with a wrong total, a non-number, an unknown 科目 and a blank purpose gets a
  message at each cell, and nothing is written;
- LibreOffice recalculates every formula to the figures the render prints.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from budgetdocs.build import Project, budget_file, documents, plan, record_files
from budgetdocs.cli import budgetdocs, main
from budgetdocs.records import workbook_spec as spec
from budgetdocs.records.budget_model import Budget
from budgetdocs.records.loader import read_mapping
from budgetdocs.records.model import FORM_MODELS
from budgetdocs.records.recordtext import record_text
from budgetdocs.records.workbook import plan_import, read_workbook
from budgetdocs.records.workbook_writer import gather, write_workbook
from conftest import DATA, REPO

PROJECTS = [REPO, *sorted(p.parent for p in (REPO / "examples").glob("*/data"))]
UNIT = "咨询服务中心"


def cli(*args):
    return CliRunner().invoke(budgetdocs, [str(a) for a in args])


def every_unit():
    """(project root, year, unit folder) of every unit with records, in every project."""
    for root in PROJECTS:
        data = root / "data"
        for year in sorted(p for p in data.iterdir() if p.name.isdigit()):
            for unit in sorted(p for p in year.iterdir() if p.is_dir()):
                yield root, int(year.name), unit.name


def _normal(value):
    """A record's parsed content as it means: numbers by value, a text without its final
    line break, an empty text as no text (a blank cell)."""
    if isinstance(value, dict):
        return {str(k): _normal(v) for k, v in value.items() if v != ""}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    return value.rstrip("\n") if isinstance(value, str) else value


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[tuple, Path]:
    """The workbook of every unit and year, written once."""
    folder = tmp_path_factory.mktemp("workbooks")
    made = {}
    for root, year, unit in every_unit():
        project = Project.at(root)
        path = folder / f"{root.name}-{year}-{unit}.xlsx"
        path.write_bytes(write_workbook(gather(project, year, project.registry().by_folder(unit))))
        made[(root, year, unit)] = path
    return made


def test_every_record_reads_back_from_its_workbook(workbooks):
    """Read back, each record holds what it held; written afresh from the workbook alone it
    parses to the same content (a final line break, an empty text apart)."""
    assert len(workbooks) >= 16
    for (root, year, unit), path in workbooks.items():
        project = Project.at(root)
        book = read_workbook(path, project)
        assert not book.problems, (unit, year, [str(p) for p in book.problems])
        folder = project.data / str(year) / unit
        records = {p.stem: p for p in record_files(folder)}
        assert sorted(f.stem for f in book.forms if f.stem) == sorted(records), (unit, year)
        pairs = [(budget_file(folder), book.budget, Budget)] if budget_file(folder) else []
        pairs += [(records[f.stem], f, FORM_MODELS[f.edition]) for f in book.forms if f.stem]
        for record, read, model in pairs:
            original = read_mapping(record)[0]
            assert _normal(read.data) == _normal(original), record
            fresh = tmp_record(path.parent, record_text(None, read.data, read.shown.held, model))
            assert _normal(read_mapping(fresh)[0]) == _normal(original), record


def tmp_record(folder: Path, text: str) -> Path:
    path = folder / "fresh.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("project_name, year, unit", [("main", 2023, UNIT), ("main", 2017, "人社局"), ("putuo-万里街道", 2024, "万里街道")])
def test_a_workbook_imports_over_its_records_unchanged(workbooks, project_name, year, unit):
    """The 单位预算 with its forms and prior year, the 2017 部门预算 with other units' key
    projects, a 部门 with 项目经费情况说明 and typed prior figures: every check passes and
    nothing changes."""
    root = REPO if project_name == "main" else REPO / "examples" / project_name
    planned = plan_import(Project.at(root), workbooks[(root, year, unit)])
    assert not planned.errors and not planned.outputs, ([str(p) for p in planned.errors], planned.changes)


@pytest.fixture
def copied(tmp_path, monkeypatch):
    """A copy of the project's data, the current folder."""
    shutil.copytree(DATA, tmp_path / "main" / "data")
    monkeypatch.chdir(tmp_path / "main")
    return tmp_path


def _html(root: Path, year: int, unit: str) -> list[str]:
    project = Project.at(root)
    return [job.html for job in documents(project, plan(project, year, [unit], False))]


@pytest.mark.parametrize("year, unit", [(2017, "人社局"), (2020, UNIT)])
def test_written_afresh_the_records_lay_out_the_same(copied, workbooks, year, unit):
    """Records written afresh from the workbook alone differ from the typed ones in form only
    (a final line break, an empty text): the 2017 部门预算 and the 2020 forms lay out the
    same (the HTML every output format is made from)."""
    scratch = copied / "main"
    before = _html(scratch, year, unit)
    book = read_workbook(workbooks[(REPO, year, unit)], Project.at(scratch))
    folder = scratch / "data" / str(year) / unit
    reads = [(budget_file(folder), book.budget, Budget)] if budget_file(folder) else []
    reads += [(folder / f"{f.stem}.yaml", f, FORM_MODELS[f.edition]) for f in book.forms if f.stem]
    for record, read, model in reads:
        record.write_text(record_text(None, read.data, read.shown.held, model), encoding="utf-8")
    assert _html(scratch, year, unit) == before


def test_imported_afresh_the_unit_budget_renders_the_same_bytes(copied, workbooks):
    """The 2023 单位预算 and its forms, the folder deleted and imported from the workbook
    with `budgetdocs import`: the same PDF, DOCX and XLSX."""
    folder = copied / "main" / "output" / "2023" / UNIT
    assert CliRunner().invoke(main, ["--year", "2023", "--unit", UNIT, "--jobs", "1"]).exit_code == 0
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    shutil.rmtree(copied / "main" / "data" / "2023" / UNIT)
    result = cli("import", workbooks[(REPO, 2023, UNIT)])
    assert result.exit_code == 0 and result.output.count("（新建）") == 3, result.output
    assert CliRunner().invoke(main, ["--year", "2023", "--unit", UNIT, "--jobs", "1"]).exit_code == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == files


def test_the_description_holds_every_key_of_every_record():
    """Every key of the record models is a cell or column of the workbook, and every one the
    workbook names is a key of a model (the two cannot drift apart silently)."""
    from pydantic import BaseModel

    from budgetdocs.records.loader import _unwrap, _walk

    def keys(model, prefix=()):
        for name, f in model.model_fields.items():
            path = prefix + (f.alias or name,)
            inner = _unwrap(f.annotation)
            args = getattr(inner, "__args__", ())
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                yield from keys(inner, path)
            elif args and isinstance(args[-1], type) and issubclass(_unwrap(args[-1]), BaseModel):
                yield from keys(_unwrap(args[-1]), path + ("*",))
            else:
                yield path

    def described(blocks):
        for block in blocks:
            prefix = block.repeat + ("*",) if getattr(block, "repeat", None) else ()
            if isinstance(block, spec.Fields):
                yield from (prefix + i.path for i in block.items if isinstance(i, spec.Item))
            elif block.shape == "keyed":
                yield from (c.key for c in block.columns[1:] if c.key)
            else:
                for column in block.columns:
                    if column.key is not None:
                        inner = tuple(k for k in column.key if k != spec.SOURCE and not isinstance(k, int))
                        yield block.path + (("*",) + inner if inner else ())
                    elif column.source:
                        yield block.path + ("*",)

    budget = set(described(b for s in spec.BUDGET_SHEETS for b in s.blocks))
    # 用途 is 2017-edition text, and these three notes are the modern edition's: no edition prints them
    printed_nowhere = {("三公经费", item, "用途") for item in ("公务用车购置费", "公务用车运行费", "合计")}
    wanted = {k for k in keys(Budget)} - printed_nowhere
    covered = {k for k in wanted if any(d[: len(k)] == k or k[: len(d)] == d for d in budget)}
    assert wanted == covered, sorted(wanted - covered)
    for path in budget:
        assert _walk(Budget, tuple(p for p in path if p != "*"))[0] is not None or path[-1] in ("*",) or path[:1] in (("项",), ("类",)), path
    for edition, blocks in spec.FORM_SHEETS.items():
        form = set(described(blocks))
        wanted = set(keys(FORM_MODELS[edition]))
        assert {k for k in wanted if not any(d[: len(k)] == k or k[: len(d)] == d for d in form)} == set(), edition


# --------------------------------------------------------------------------- a new unit, no YAML typed


def _rows(ws, label: str, column: int = 1) -> list[int]:
    return [c.row for c in ws.iter_cols(min_col=column, max_col=column).__next__() if c.value == label]


def fill(ws, label: str, *values, block: str | None = None) -> None:
    """Type values into the row labelled ``label`` (and the rows under it), as a person does."""
    start = _rows(ws, f"【{block}】")[0] if block else 1
    row = next(r for r in _rows(ws, label) if r > start)
    for offset, value in enumerate(values):
        ws.cell(row=row + offset, column=2).value = value  # (cell(value=None) would leave the cell as it was)


def rows_of(ws, block: str, *rows) -> None:
    """Type rows into a table, from its first row under the header."""
    top = _rows(ws, f"【{block}】")[0]
    head = next(r for r in range(top + 1, top + 4) if ws.cell(row=r, column=1).value and not str(ws.cell(row=r, column=1).value).startswith(("每", "可", "有")))
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=head + offset, column=column, value=value)


def test_a_new_unit_renders_with_no_yaml_typed(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    shutil.copytree(DATA / "classifications", tmp_path / "data" / "classifications")
    monkeypatch.chdir(tmp_path)
    assert cli("add-unit", "--name", "上海市示范局", "--short", "示范局", "--kind", "部门").exit_code == 0
    added = cli("add-unit", "--name", "上海市示范局服务中心", "--short", "服务中心", "--kind", "单位", "--dept", "示范局", "--year", 2023)
    assert added.exit_code == 0 and (tmp_path / "data" / "2023" / "服务中心").is_dir(), added.output
    partial = cli("add-unit", "--name", "上海市另一中心", "--short", "另一中心", "--kind", "单位", "--dept", "示范")
    assert partial.exit_code == 0, partial.output  # a unique part of a name is enough, as --unit takes it
    unknown = cli("add-unit", "--name", "上海市第三中心", "--short", "第三中心", "--kind", "单位", "--dept", "示范据")
    assert unknown.exit_code == 2 and "data/units.yaml" in unknown.output and "最接近的有：示范局" in unknown.output
    made = cli("workbook", "--year", 2023, "--unit", "服务中心", "--blank")
    assert made.exit_code == 0, made.output
    path = tmp_path / "2023年服务中心预算填报表.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb["基本信息"]["B" + str(_rows(wb["基本信息"], "文档")[0])].value == "单位"
    rows_of(wb["主要职能"], "主要职能", ["为市民提供示范性的政策咨询服务。"], ["承担局交办的其他事项。"])
    fill(wb["机构设置"], "说明", "示范服务中心是示范局所属的事业单位，内设两个科室：")
    rows_of(wb["机构设置"], "内设机构", ["咨询科", "受理咨询。"], ["综合科"])
    rows_of(wb["支出"], "支出（按功能分类科目，元）",
            ["2080150", None, "一般公共预算", None, 800000, 200000.5],
            ["2080199", None, "一般公共预算", None, None, None, 1500000],
            ["2080505", None, None, None, 99999.5])
    rows_of(wb["项说明"], "各项用途和变动原因", ["2080150", None, "事业单位的基本支出"], ["2080199", None, "示范咨询项目"],
            ["2080505", None, "单位缴纳的基本养老保险费"])
    rows_of(wb["经济分类"], "一般公共预算基本支出（按经济分类科目，元）", ["30101", None, 899999.5], ["30201", None, None, 200000.5])
    for label, value in (("因公出国（境）费", 0), ("公务接待费", 0.5), ("公务用车购置费", 0), ("公务用车运行费", 0)):
        fill(wb["三公经费"], label, value, block="“三公”经费（万元）")
    fill(wb["三公经费"], "本年", 0)
    for label, value in (("货物", 2), ("工程", 0), ("服务", 148)):
        fill(wb["其他情况"], label, value)
    fill(wb["其他情况"], "截至日期", "2022年8月31日")
    fill(wb["其他情况"], "单价100万元以上大型设备", 0)
    fill(wb["其他情况"], "拟购大型设备", 0)
    form = wb["新申报表"]
    fill(form, "项目名称", "示范咨询项目")
    fill(form, "项目性质", "经常性专项业务费")
    fill(form, "项目类别", "特定目标类")
    fill(form, "计划开始日期", "2023-01-01")
    fill(form, "计划完成日期", "2023年12月31日")
    fill(form, "当年财政拨款", 1500000)
    fill(form, "上年结转资金", 0)
    fill(form, "其他资金", 0, block="年度资金（元）")
    fill(form, "年度总体目标", "全年接听咨询电话十万次以上，群众满意。")
    rows_of(form, "绩效指标", ["产出指标", "数量指标", "接听电话数", "≥10万次"], ["满意度指标", "服务对象满意度指标", "满意度", "=95%"])
    typed = form.cell(row=_rows(form, "满意度指标")[0], column=4)
    typed.data_type, typed.quotePrefix = "s", True  # '=95% as a person types it in Excel: text, not a formula
    wb.save(path)
    imported = cli("import", path.name)
    assert imported.exit_code == 0, imported.output
    folder = tmp_path / "data" / "2023" / "服务中心"
    assert sorted(p.name for p in folder.iterdir()) == ["01-示范咨询项目.yaml", "budget.yaml"]
    form = read_mapping(folder / "01-示范咨询项目.yaml")[0]
    assert form["主管部门"] == "上海市示范局" and form["实施单位"] == "上海市示范局服务中心"  # filled in from the registry
    assert form["绩效指标"][1][3] == "=95%" and form["计划完成日期"] == "2023年12月31日"  # text stays text
    rendered = CliRunner().invoke(main, ["--year", "2023", "--unit", "服务中心", "--format", "pdf", "--jobs", "1"])
    assert rendered.exit_code == 0, rendered.output
    from pypdf import PdfReader

    pdf = PdfReader(str(tmp_path / "output" / "2023" / "服务中心" / "2023年服务中心单位预算.pdf"))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "").replace(" ", "")
    for typed in ("为市民提供示范性的政策咨询服务。", "咨询科", "示范咨询项目", "单位缴纳的基本养老保险费", "2,600,000.00", "1,500,000.00",
                  "接听电话数", "=95%", "上海市示范局服务中心"):
        assert typed in text, typed


# --------------------------------------------------------------------------- problems at their cells


def test_problems_are_located_at_their_cells_and_nothing_is_written(copied, workbooks):
    path = copied / "填报表.xlsx"
    shutil.copy(workbooks[(REPO, 2023, UNIT)], path)
    wb = openpyxl.load_workbook(path)
    spending, economic, purposes = wb["支出"], wb["经济分类"], wb["项说明"]
    first = _rows(spending, "2080150")[0]
    spending[f"H{first}"] = 1  # a total typed over its formula, wrong
    second = _rows(spending, "2080199")[0]
    spending[f"A{second}"] = "2080777"  # no such 项 in 2023
    economic[f"C{_rows(economic, '30101')[0]}"] = "两百万"
    purposes[f"C{_rows(purposes, '2080150')[0]}"] = None  # 主要用于 left blank
    wb.save(path)
    record = copied / "main" / "data" / "2023" / UNIT / "budget.yaml"
    before = record.read_bytes()
    result = cli("import", "--force", path)
    assert result.exit_code == 1, result.output
    found = {line.split(": ")[0]: line for line in result.output.splitlines() if ": E" in line}
    assert "E402" in found[f"填报表.xlsx!支出!H{first}"] and "不等于本行各金额之和" in found[f"填报表.xlsx!支出!H{first}"]
    assert "E203" in found[f"填报表.xlsx!支出!A{second}"] and "2080777" in found[f"填报表.xlsx!支出!A{second}"]
    assert "E113" in found[f"填报表.xlsx!经济分类!C{_rows(economic, '30101')[0]}"]
    assert "E207" in found[f"填报表.xlsx!项说明!C{_rows(purposes, '2080150')[0]}"]
    assert len(found) == 4, result.output  # no problem made up from the parts not read
    assert "没有写入任何记录" in result.output and record.read_bytes() == before


def test_an_edit_is_shown_and_written_only_with_force_comments_kept(copied, workbooks):
    path = copied / "填报表.xlsx"
    shutil.copy(workbooks[(REPO, 2023, UNIT)], path)
    wb = openpyxl.load_workbook(path)
    fill(wb["项说明"], "变动原因", "热线平台运维合同重新采购")
    form = wb["02-12345服务热线专项经费"]
    fill(form, "当年财政拨款", 6836000.5)
    wb.save(path)
    refused = cli("import", path)
    assert refused.exit_code == 1 and "--force" in refused.output, refused.output
    assert "变动原因：“12333热线平台运维合同到期重新采购，合同" in refused.output and "→ “热线平台运维合同重新采购”" in refused.output
    assert "年度资金.当年财政拨款：6,836,000 → 6,836,000.5" in refused.output
    done = cli("import", "--force", path)
    assert done.exit_code == 0, done.output
    budget = (copied / "main" / "data" / "2023" / UNIT / "budget.yaml").read_text(encoding="utf-8")
    assert "变动原因: 热线平台运维合同重新采购" in budget and budget.startswith("# 示例数据")
    assert '科目: "2080150"   # 基本支出 11863427.56' in budget  # comments stay where they were
    again = cli("import", path)
    assert again.exit_code == 0 and "没有变化" in again.output


# --------------------------------------------------------------------------- what Excel, WPS and LibreOffice open


def test_the_workbook_is_valid_ooxml(workbooks):
    from test_ooxml_schema import schema_errors

    with zipfile.ZipFile(workbooks[(REPO, 2023, UNIT)]) as book:
        parts = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet") or n in ("xl/workbook.xml", "xl/styles.xml")]
        problems = {name: schema_errors(book.read(name), "sml.xsd") for name in parts}
    assert not any(problems.values()), {k: v[:3] for k, v in problems.items() if v}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (libreoffice-calc-nogui) is not installed")
def test_libreoffice_recalculates_every_formula_to_the_printed_figures(workbooks, tmp_path):
    source = workbooks[(REPO, 2023, UNIT)]
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "xlsx",
                    "--outdir", str(tmp_path / "out"), str(source)], check=True, capture_output=True, timeout=120)
    wb = openpyxl.load_workbook(tmp_path / "out" / source.name, data_only=True)
    project = Project.at(REPO)
    the_plan = plan(project, 2023, [UNIT], False)
    view = the_plan.budgets[UNIT].view
    forms = the_plan.units[0][1]

    def at(sheet: str, label: str, column: str = "B", after: str | None = None):
        ws = wb[sheet]
        start = _rows(ws, f"【{after}】")[0] if after else 0
        row = next(r for r in _rows(ws, label) if r > start)
        return Decimal(str(ws[f"{column}{row}"].value)).quantize(Decimal("0.01"))

    for source_name in ("一般公共预算", "政府性基金", "事业收入"):
        assert at("汇总", source_name) == view.income[source_name]
    assert at("汇总", "其中：财政拨款") == view.fiscal_total
    assert at("汇总", "收入总计") == at("汇总", "支出总计") == view.total
    assert at("汇总", "基本支出") == view.spending_table.total[1] and at("汇总", "项目支出") == view.spending_table.total[2]
    for row in (r for r in view.spending_table.rows if r.level < 2):  # every 类 and 款 subtotal tables 1–3 print
        assert [at("汇总", row.code, c) for c in "CDE"] == row.values, row.code
    for row in (r for r in view.economic_table.rows if r.level == 0):
        assert [at("汇总", row.code, c, after="一般公共预算基本支出按经济分类“类”（元）") for c in "CDE"] == row.values, row.code
    assert at("汇总", "核对：一般公共预算基本支出减经济分类合计（应为 0）") == 0
    assert at("支出", "合计", "H") == view.total and at("经济分类", "合计", "E") == view.economic_table.total[0]
    ws = wb["支出"]
    names = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(1, ws.max_row + 1) if str(ws[f"A{r}"].value or "").isdigit()}
    assert names and all(names[code] == view.functions.name(code) for code in names)
    three = view.budget.three_public.current
    assert at("三公经费", "合计") == three.total and at("三公经费", "公务用车购置及运行费") == three.cars
    assert at("其他情况", "政府采购预算合计") == view.budget.procurement.total
    for loaded in forms:
        sheet = loaded.stem[:31]
        assert at(sheet, "年度资金申请总额") == loaded.form.annual_funds.total


# --------------------------------------------------------------------------- the budget system's tables


def test_the_budget_system_example_reads_back_what_the_record_holds(copied):
    """examples/预算系统表格: headings as a budget system words them (支出合计, 基本支出合计,
    人员经费支出, 日常公用经费, 其中：购置费, 公务用车运行费), codes in three columns or one."""
    example = REPO / "examples" / "预算系统表格" / "预算表示例.xlsx"
    result = cli("import", "--year", 2023, "--unit", UNIT, example)
    assert result.exit_code == 0 and "没有变化" in result.output, result.output


@pytest.mark.parametrize("running", ["运行费", "公务用车运行费", "其中：运行费", "运行维护费"])
def test_table_9_is_read_by_what_its_headings_mean(tmp_path, running):
    from budgetdocs.records.importer import read_workbooks

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2023年某单位“三公”经费和机关运行经费预算表"])
    ws.append(["机关运行经费预算数", "“三公”经费合计", "因公出国(境)费", "公务接待费", "公务用车购置及运行费"])
    ws.append([None, None, None, None, "小计", "其中：购置费", running])
    ws.append([3, 1.5, None, 0.5, 1, 0.25, 0.75])
    wb.save(tmp_path / "表9.xlsx")
    result = read_workbooks([tmp_path / "表9.xlsx"])
    assert [p.message for p in result.problems] == ["找不到“支出预算总表”"]  # only table 9 here
    assert result.three_public == {"因公出国境费": 0, "公务接待费": Decimal("0.5"), "公务用车购置费": Decimal("0.25"),
                                   "公务用车运行费": Decimal("0.75")} and result.running_cost == 3
