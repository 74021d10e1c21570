"""The ``render`` command: parse options, call the builder, turn errors into exit codes.

Exit codes: 0 ok, 1 bad data (every problem printed as ``file:line:col: CODE
message``), 2 bad usage.  An unexpected internal error prints one line and the
path of the log with its traceback.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Optional

import click

from .build import Project, check_formats, plan, render_outputs, write_all
from .errors import DataError, RenderError, UsageError
from .writers import FORMATS


def _fail_internal(exc: BaseException) -> None:
    log = Path(tempfile.gettempdir()) / "budgetdocs-error.log"
    log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    click.echo(f"内部错误（不是数据问题）：{type(exc).__name__}: {exc}。详细信息见 {log}", err=True)
    sys.exit(3)


def _print_warnings(warnings) -> None:
    for warning in warnings:
        click.echo(f"警告 {warning}", err=True)
    if warnings:
        click.echo(f"{len(warnings)} 个警告（加 --strict 时视为错误）。", err=True)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--year", type=int, required=True, help="预算年度，如 2023")
@click.option("--unit", "units", multiple=True, help="单位简称或全称（可重复），如 咨询服务中心")
@click.option("--all", "every", is_flag=True, help="该年度有记录的所有单位")
@click.option("--format", "formats", default=",".join(FORMATS), show_default=True, help="输出格式，逗号分隔")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), help="数据目录（默认 ./data）")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), help="输出目录（默认 ./output）")
@click.option("--check", is_flag=True, help="只检查记录，不写任何文件")
@click.option("--json", "as_json", is_flag=True, help="以JSON输出问题列表（供程序读取）")
@click.option("--strict", is_flag=True, help="把警告也当作错误（不生成文件）")
def main(year: int, units: tuple[str, ...], every: bool, formats: str, data_dir: Optional[Path],
         out_dir: Optional[Path], check: bool, as_json: bool, strict: bool) -> None:
    """Render 绩效目标申报表 of a year as PDF, DOCX and XLSX into output/<year>/<unit>/."""
    started = time.perf_counter()
    try:
        if every == bool(units):
            raise UsageError("请用 --unit 指定单位，或用 --all 渲染全部单位（二者选一）")
        chosen_formats = check_formats([f.strip().lower() for f in formats.split(",") if f.strip()])
        project = Project.at(Path.cwd(), data_dir, out_dir)
        the_plan = plan(project, year, units, every)
        if strict and the_plan.warnings:
            raise DataError(the_plan.warnings)
        if check:
            count = sum(len(forms) for _, forms in the_plan.units) + len(the_plan.budgets)
            if as_json:
                problems = [p.as_dict() for p in the_plan.warnings]
                click.echo(json.dumps({"ok": True, "problems": problems}, ensure_ascii=False, indent=1))
            else:
                _print_warnings(the_plan.warnings)
                click.echo(f"检查通过：{count} 份记录，没有发现错误。")
            return
        if not as_json:
            _print_warnings(the_plan.warnings)
        outputs = render_outputs(project, the_plan, chosen_formats)
        written = write_all(outputs, project.out)
    except UsageError as exc:
        click.echo(f"用法错误：{exc}", err=True)
        sys.exit(2)
    except DataError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "problems": [p.as_dict() for p in exc.problems]}, ensure_ascii=False, indent=1))
        else:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            errors = sum(1 for p in exc.problems if p.severity == "error") or len(exc.problems)
            click.echo(f"发现 {errors} 个问题，未写出任何文件（原有输出保持不变）。", err=True)
        sys.exit(1)
    except RenderError as exc:
        click.echo(f"无法生成文档：{exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into a line
        _fail_internal(exc)
    elapsed = time.perf_counter() - started
    for path in written:
        click.echo(str(path.relative_to(project.out.parent)) if path.is_relative_to(project.out.parent) else str(path))
    click.echo(f"已生成 {len(written)} 个文件，用时 {elapsed:.1f} 秒。")


if __name__ == "__main__":
    main()
