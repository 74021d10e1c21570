"""The render command end to end, through click's runner."""

from __future__ import annotations

import json
import shutil
import zipfile

from click.testing import CliRunner

from budgetdocs.cli import main
from budgetdocs.records.schema import schema_file, schema_names, schema_text
from conftest import DATA, REPO, write_record
from seedtext import docx_text
from test_units_loader import MINIMAL_2023


def run(project, *args):
    runner = CliRunner()
    return runner.invoke(main, [*args, "--data", str(project.data), "--out", str(project.out)], catch_exceptions=False)


def test_flagship_command(project):
    shutil.copytree(DATA / "2023" / "咨询服务中心", project.data / "2023" / "咨询服务中心")
    shutil.copytree(DATA / "classifications", project.data / "classifications")
    result = run(project, "--year", "2023", "--unit", "咨询服务中心")
    assert result.exit_code == 0, result.output
    folder = project.out / "2023" / "咨询服务中心"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "2023年咨询服务中心单位预算.docx", "2023年咨询服务中心单位预算.pdf", "2023年咨询服务中心单位预算.xlsx",
        "2023年度项目绩效目标汇总表.docx", "2023年度项目绩效目标汇总表.pdf", "2023年度项目绩效目标汇总表.xlsx",
    ]
    for name in names[:4:3]:
        assert "示例" in zipfile.ZipFile(folder / name).read("word/document.xml").decode()
    assert not list(folder.glob(".tmp-*"))


def test_format_option_and_full_unit_name(project):
    write_record(project, 2023, "局本部", "01-测试.yaml", MINIMAL_2023)
    result = run(project, "--year", "2023", "--unit", "上海市人力资源和社会保障局本部", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    assert [p.suffix for p in (project.out / "2023" / "局本部").iterdir()] == [".xlsx"]


def test_bad_record_is_reported_and_nothing_is_lost(project):
    path = write_record(project, 2023, "局本部", "01-测试.yaml", MINIMAL_2023)
    assert run(project, "--year", "2023", "--unit", "局本部").exit_code == 0
    before = {p: p.read_bytes() for p in (project.out / "2023" / "局本部").iterdir()}
    path.write_text(MINIMAL_2023.replace("1732000.10", "壹佰万"), encoding="utf-8")
    result = run(project, "--year", "2023", "--unit", "局本部")
    assert result.exit_code == 1
    assert "01-测试.yaml:9:3: E113" in result.output and "Traceback" not in result.output
    assert {p: p.read_bytes() for p in (project.out / "2023" / "局本部").iterdir()} == before


def test_json_problems(project):
    write_record(project, 2023, "局本部", "01-测试.yaml", MINIMAL_2023 + "多余: 1\n")
    result = run(project, "--year", "2023", "--unit", "局本部", "--check", "--json")
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    assert problems[0]["code"] == "E112" and problems[0]["line"] == 15


def test_usage_errors_exit_2(project):
    write_record(project, 2023, "局本部", "01-测试.yaml", MINIMAL_2023)
    assert run(project, "--year", "2023", "--unit", "咨询中心").exit_code == 2
    assert run(project, "--year", "2031", "--all").exit_code == 2
    assert run(project, "--year", "2023", "--unit", "社保中心").exit_code == 2
    assert run(project, "--year", "2023", "--all", "--format", "odt").exit_code == 2
    result = run(project, "--year", "2023")
    assert result.exit_code == 2 and "--unit" in result.output


def test_check_writes_nothing(project):
    write_record(project, 2023, "局本部", "01-测试.yaml", MINIMAL_2023)
    result = run(project, "--year", "2023", "--all", "--check")
    assert result.exit_code == 0 and "检查通过" in result.output
    assert not project.out.exists()


def test_user_template_overrides_builtin(project, monkeypatch):
    from budgetdocs.layout.html import BUILTIN_TEMPLATES

    write_record(project, 2023, "局本部", "01-测试.yaml", MINIMAL_2023)
    (project.root / "templates").mkdir()
    original = (BUILTIN_TEMPLATES / "form-2023.html.j2").read_text(encoding="utf-8")
    (project.root / "templates" / "form-2023.html.j2").write_text(
        original.replace("财政项目支出绩效目标申报表</h1>", "财政项目支出绩效目标申报表（本单位样式）</h1>"), encoding="utf-8"
    )
    monkeypatch.chdir(project.root)
    result = CliRunner().invoke(main, ["--year", "2023", "--unit", "局本部", "--format", "docx"])
    assert result.exit_code == 0, result.output
    text = docx_text(project.out / "2023" / "局本部" / "绩效目标申报表-测试.docx")
    assert "（本单位样式）" in text.replace("\u2060", "")  # (a title's last characters are joined)


def test_json_schemas_are_current():
    assert "budget" in schema_names()
    for name in schema_names():
        assert schema_file(name).read_text(encoding="utf-8") == schema_text(name), "run python -m budgetdocs.records.schema"


def test_budget_schema_accepts_the_records_and_names_the_keys():
    """The budget record's schema validates every budget.yaml of the project and the Putuo example."""
    import json

    import jsonschema
    from ruamel.yaml import YAML

    schema = json.loads(schema_file("budget").read_text(encoding="utf-8"))
    records = sorted(REPO.glob("data/*/*/budget.yaml")) + sorted(REPO.glob("examples/*/data/*/*/budget.yaml"))
    assert len(records) >= 4
    for path in records:
        data = json.loads(json.dumps(YAML(typ="safe").load(path.read_text(encoding="utf-8")), default=str))
        jsonschema.validate(data, schema)
    for key in ("设置", "项说明", "上年", "国有资产", "项目经费情况说明"):
        assert key in schema["properties"], key
