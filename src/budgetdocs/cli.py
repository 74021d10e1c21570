"""The ``render`` command: parse options, call the builder, turn errors into exit codes.

Exit codes: 0 ok, 1 bad data (every problem printed as ``file:line:col: CODE
message``), 2 bad usage (or a file that cannot be written), 128 + the signal's number
when stopped (130 for Ctrl-C).  An unexpected internal error prints one line and the
path of the log with its traceback (exit 3).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import click

from . import interrupt
from .build import (
    Output,
    Project,
    WriteError,
    check_formats,
    plan,
    recover,
    render_with_stats,
    write_all,
)
from .errors import DataError, RenderError, UsageError
from .jobs import MAX_JOBS
from .layout.html import BUILTIN_TEMPLATES
from .records.loader import parsed_records_kept_in
from .store import private_folder
from .writers import FORMATS


class _Stoppable:
    """A command that, stopped by Ctrl-C or SIGTERM anywhere in it, ends with one line and
    128 + the signal (130 for Ctrl-C), not click's "Aborted!" and 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except KeyboardInterrupt as exc:
            name = exc.name if isinstance(exc, interrupt.Interrupted) else "Ctrl-C"
            click.echo(f"已中断（{name}）。", err=True)
            ctx.exit(interrupt.exit_code(exc))


class StoppableCommand(_Stoppable, click.Command):
    pass


class StoppableGroup(_Stoppable, click.Group):
    pass


def _fail_internal(exc: BaseException) -> int:
    # A new file of our own each time (mkstemp: O_EXCL, never through a planted link).
    try:
        fd, log = tempfile.mkstemp(prefix="budgetdocs-error-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write("".join(traceback.format_exception(exc)))
        where = f"详细信息见 {log}"
    except OSError as problem:  # no writable temporary folder: say so, still in one line
        where = f"无法写出详细日志（{problem.strerror or problem}）"
    click.echo(f"内部错误（不是数据问题）：{type(exc).__name__}: {exc}。{where}", err=True)
    return 3


def _interrupted(exc: BaseException, written: Optional[list] = None) -> int:
    """The line a stopped command ends with, and its exit code (128 + the signal)."""
    name = exc.name if isinstance(exc, interrupt.Interrupted) else "Ctrl-C"
    written = written or getattr(exc, "written", None)
    if written:
        click.echo(f"已中断（{name}）：本次的 {len(written)} 个文件已全部写出。", err=True)
    else:
        click.echo(f"已中断（{name}），未写出任何文件（原有输出保持不变）。", err=True)
    return interrupt.exit_code(exc)


def _project(data_dir: Optional[Path], out_dir: Optional[Path]) -> Project:
    """The project in the current folder; a folder that no longer exists is a usage error."""
    try:
        return Project.at(Path.cwd(), data_dir, out_dir)
    except FileNotFoundError:
        raise UsageError("当前文件夹已不存在（已被删除或移走）：请先进入项目文件夹（cd 项目文件夹）再运行") from None


def _usable_cache(project: Project) -> Optional[Path]:
    """The cache folder when it is private to this user; else a warning and no cache."""
    folder, why = private_folder(project.cache)
    if why:
        click.echo(f"警告 {why}：本次不使用缓存（缓存只能放在只有本用户能写的文件夹中；可设 BUDGETDOCS_CACHE）。", err=True)
    return folder


def _recovered(out: Path, check: bool) -> bool:
    """Finish or undo a commit an earlier run left half done (said on stderr); False when
    that is impossible and the run should stop."""
    try:
        for line in recover(out):
            click.echo(line, err=True)
    except WriteError as exc:
        click.echo(f"{'警告 ' if check else ''}无法处理上次中断的写入：{exc}", err=True)
        return check
    return True


@contextmanager
def _reported():
    """The library's errors of a subcommand as the user reads them, and its exit code:
    a usage error (2), problems of the records, each located (1), a file not written (2)."""
    try:
        yield
    except UsageError as exc:
        click.echo(f"用法错误：{exc}", err=True)
        sys.exit(2)
    except DataError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    except WriteError as exc:
        click.echo(f"无法写入文件：{exc}", err=True)
        sys.exit(2)


def _shown(path: Path) -> str:
    """A written file as the user can open it: relative to the current folder, or absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):  # elsewhere, or the current folder has gone
        return str(path.absolute())


def _print_warnings(warnings) -> None:
    for warning in warnings:
        click.echo(f"警告 {warning}", err=True)
    if warnings:
        click.echo(f"{len(warnings)} 个警告（加 --strict 时视为错误）。", err=True)


@click.command(cls=StoppableCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--year", type=int, required=True, help="预算年度，如 2023")
@click.option("--unit", "units", multiple=True, help="单位简称或全称（可重复），如 咨询服务中心")
@click.option("--all", "every", is_flag=True, help="该年度有记录的所有单位")
@click.option("--format", "formats", default=",".join(FORMATS), show_default=True, help="输出格式，逗号分隔")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), help="数据目录（默认 ./data）")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), help="输出目录（默认 ./output）")
@click.option("--check", is_flag=True, help="只检查记录，不写任何文件")
@click.option("--json", "as_json", is_flag=True, help="以JSON输出问题列表（供程序读取）")
@click.option("--strict", is_flag=True, help="把警告也当作错误（不生成文件）")
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=MAX_JOBS), default=None, help=f"并行进程数，1–{MAX_JOBS}（默认：CPU核数）")
@click.option("--no-cache", is_flag=True, help="不使用排版缓存（$BUDGETDOCS_CACHE，默认 ~/.cache/budgetdocs），全部重新排版")
@click.option("--watch", is_flag=True, help="监视 data/ 和 templates/，保存后自动重新生成")
@click.option("--no-daemon", is_flag=True, hidden=True, help="（已无作用：每个命令都在自己的进程中运行）")
def main(year: int, units: tuple[str, ...], every: bool, formats: str, data_dir: Optional[Path],
         out_dir: Optional[Path], check: bool, as_json: bool, strict: bool, jobs: Optional[int],
         no_cache: bool, watch: bool, no_daemon: bool) -> None:
    """Render a year's 部门/单位预算 and 绩效目标申报表 as PDF, DOCX and XLSX into output/<year>/<unit>/."""
    options = dict(year=year, units=units, every=every, formats=formats, data_dir=data_dir, out_dir=out_dir,
                   check=check, as_json=as_json, strict=strict, jobs=jobs or os.cpu_count() or 1, use_cache=not no_cache)
    if not watch:
        sys.exit(_once(**options))
    try:
        _watch(options)
    except UsageError as exc:
        click.echo(f"用法错误：{exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt as exc:  # Ctrl-C ends the session: the render it stopped wrote nothing
        click.echo("", err=True)
        sys.exit(interrupt.exit_code(exc))


def _watch(options: dict) -> None:
    """Render, then render again whenever a record or template is saved (Ctrl-C stops)."""
    from watchfiles import watch as watch_files

    from .jobs import start_pool, stop_pool

    project = _project(options["data_dir"], options["out_dir"])
    # One pool for the whole session: a save costs only the re-layout of what changed.
    folders = [project.templates, BUILTIN_TEMPLATES]
    options["pool"] = start_pool(options["jobs"], folders, BUILTIN_TEMPLATES) if options["jobs"] > 1 else None
    stopped = True
    try:
        _once(**options, stop=True)
        paths = [p for p in (project.data, project.templates) if p.exists()]
        click.echo(f"正在监视 {'、'.join(str(p) for p in paths)}（Ctrl-C 退出）", err=True)
        for changes in watch_files(*paths, debounce=300):
            changed = "、".join(sorted({Path(path).name for _, path in changes}))
            click.echo(f"\n检测到修改：{changed}", err=True)
            _once(**options, stop=True)
        stopped = False
    finally:
        if options["pool"] is not None:
            stop_pool(options["pool"], now=stopped)


def _once(year, units, every, formats, data_dir, out_dir, check, as_json, strict, jobs, use_cache, pool=None, stop=False) -> int:
    """One render (or check); returns the exit code.  Stopped by a signal, it returns
    128 + its number (130 for Ctrl-C), or with ``stop`` lets the interruption go on up."""
    started = time.perf_counter()
    written = None
    own_pool = None
    try:
        if every == bool(units):
            raise UsageError("请用 --unit 指定单位，或用 --all 渲染全部单位（二者选一）")
        chosen_formats = check_formats([f.strip().lower() for f in formats.split(",") if f.strip()])
        project = _project(data_dir, out_dir)
        # Before anything else: a commit an earlier run left half done is finished or undone.
        if not _recovered(project.out, check):
            return 2
        cache = _usable_cache(project) if use_cache else None
        use_cache = cache is not None
        if pool is None and not check:
            from .jobs import early_pool

            pool = own_pool = early_pool(jobs, [project.templates, BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)
        with parsed_records_kept_in(cache):  # units.yaml too
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
                return 0
            if not as_json:
                _print_warnings(the_plan.warnings)
            with _progress(not as_json) as progress:
                outputs, stats = render_with_stats(project, the_plan, chosen_formats, jobs, use_cache, progress, pool)
        written = write_all(outputs, project.out)
    except KeyboardInterrupt as exc:
        code = _interrupted(exc, written)
        if stop:
            raise
        return code
    except UsageError as exc:
        click.echo(f"用法错误：{exc}", err=True)
        return 2
    except DataError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "problems": [p.as_dict() for p in exc.problems]}, ensure_ascii=False, indent=1))
        else:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            errors = sum(1 for p in exc.problems if p.severity == "error") or len(exc.problems)
            click.echo(f"发现 {errors} 个问题，未写出任何文件（原有输出保持不变）。", err=True)
        return 1
    except RenderError as exc:
        click.echo(f"无法生成文档：{exc}", err=True)
        return 1
    except WriteError as exc:  # the output folder is not writable, the disk is full …
        click.echo(f"无法写入文件：{exc}", err=True)
        return 2
    except OSError as exc:  # a folder that cannot be read or listed: the user's machine, not a bug
        where = f"{exc.filename}：" if exc.filename else ""
        click.echo(f"无法访问文件：{where}{exc.strerror or exc}（原有输出保持不变）。", err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into a line
        return _fail_internal(exc)
    finally:
        if own_pool is not None:
            from .jobs import stop_pool

            stop_pool(own_pool, now=True)  # its work is done, or the run failed or was stopped
    elapsed = time.perf_counter() - started
    for path in written:
        click.echo(_shown(path))
    for folder, loaded in the_plan.budgets.items():
        names = loaded.view.functions
        click.echo(f"{folder}：科目名称取自 {names.year} 年科目表（data/classifications/{names.year}/）。")
    click.echo(
        f"已生成 {len(written)} 个文件，用时 {elapsed:.1f} 秒"
        f"（排版 {stats.laid_out} 个部分，复用缓存 {stats.reused} 个，{jobs} 个进程）。"
    )
    return 0


class _progress:
    """A rich progress bar on an interactive terminal; nothing otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self._bar = None
        self._task = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TimeElapsedColumn,
        )

        self._bar = Progress("排版", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True)
        self._bar.start()
        self._task = self._bar.add_task("", total=None)
        return self._update

    def _update(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()


# --------------------------------------------------------------------------- budgetdocs


@click.group(cls=StoppableGroup, context_settings={"help_option_names": ["-h", "--help"]})
def budgetdocs() -> None:
    """budgetdocs: render, check, import budget tables, carry a unit into a new year."""


budgetdocs.add_command(main, "render")


@budgetdocs.command("daemon", hidden=True)
@click.argument("action", required=False)
def daemon_command(action: Optional[str]) -> None:
    """（已取消）常驻排版进程。"""
    click.echo("没有常驻排版进程：每个命令都在自己的进程中运行（快速的修改循环请用 render --watch）。"
               "旧版本启动的常驻进程空闲 15 分钟后自行退出。")


@budgetdocs.command("check")
@click.option("--year", type=int, required=True, help="预算年度")
@click.option("--unit", "units", multiple=True, help="单位简称或全称（可重复）")
@click.option("--all", "every", is_flag=True, help="该年度有记录的所有单位")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), help="数据目录（默认 ./data）")
@click.option("--json", "as_json", is_flag=True, help="以JSON输出问题列表")
@click.option("--strict", is_flag=True, help="把警告也当作错误")
def check_command(year: int, units: tuple[str, ...], every: bool, data_dir: Optional[Path], as_json: bool, strict: bool) -> None:
    """Check a year's records (the same checks as render), write nothing."""
    sys.exit(_once(year, units, every, ",".join(FORMATS), data_dir, None, True, as_json, strict, 1, False))


@budgetdocs.command("import")
@click.option("--year", type=int, default=None, help="预算年度（填报表不用写）")
@click.option("--unit", default=None, help="单位简称或全称（填报表不用写）")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), help="数据目录（默认 ./data）")
@click.option("--force", is_flag=True, help="改写已有的记录（注释和工作簿、表格以外的内容保留）")
@click.option("--verify", is_flag=True, help="导入公开的PDF后按记录重新生成，与原PDF比较")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
def import_command(year: Optional[int], unit: Optional[str], data_dir: Optional[Path], force: bool, verify: bool, files: tuple[Path, ...]) -> None:
    """Read a fill-in workbook (budgetdocs workbook) into the unit's records, or the budget
    tables from XLSX FILES into data/<year>/<unit>/budget.yaml (amounts only)."""
    if any(f.suffix.lower() == ".pdf" for f in files):  # a published disclosure (PDF): records/pdfimport
        from .records.pdfimport import import_published

        sys.exit(import_published(files, year, unit, data_dir, force, verify))
    from .records.importer import (
        SKELETON,
        current_leaves,
        diff,
        keep_split,
        leaves_of,
        read_workbooks,
        record_text,
    )
    from .records.loader import read_mapping

    written = None
    try:
        with _reported():
            project = _project(data_dir, None)
            if not _recovered(project.data, False):
                sys.exit(2)
            from .records.workbook import is_fillin

            if any(is_fillin(path) for path in files):  # our fill-in workbook: every record, texts too
                sys.exit(_import_fillin(project, files, year, unit, force))
            if year is None or unit is None:
                raise UsageError("导入预算系统的表格时请用 --year 和 --unit 写明年度和单位（填报表不用写）")
            target = project.registry().resolve(unit)
            imported = read_workbooks(list(files))
            errors = [p for p in imported.problems if p.severity == "error"]
            for problem in imported.problems:
                click.echo(str(problem), err=True)
            if errors:
                click.echo(f"发现 {len(errors)} 个问题，没有写入任何记录。", err=True)
                sys.exit(1)
            _check_names(project, year, imported, files)
            leaves = leaves_of(imported)
            path = project.data / str(year) / target.folder / "budget.yaml"
            existing = path.read_text(encoding="utf-8") if path.is_file() else None
            current = current_leaves(read_mapping(path, project.root)[0]) if existing is not None else {}
            for problem in keep_split(leaves, current, _shown(path)):  # the record's 人员/公用 split, where it still adds up
                click.echo(f"警告 {problem}", err=True)
            changes = diff(current, leaves) if existing is not None else []
            if existing is not None and not changes:
                click.echo(f"{_shown(path)}：金额与表格一致，没有变化。")
                sys.exit(0)
            for line in changes:
                click.echo(f"  {line}")
            if existing is not None and not force:
                click.echo(f"{_shown(path)} 已存在，以上 {len(changes)} 处金额不同；加 --force 写入（文字部分保留）。", err=True)
                sys.exit(1)
            skeleton = SKELETON.format(year=year, name=target.full_name, kind=target.kind, folder=target.folder,
                                       files="、".join(f.name for f in files))
            text = record_text(existing, leaves, skeleton)
            written = write_all([Output(path, text.encode("utf-8"))], project.data)
            click.echo(f"已写入 {_shown(path)}（{len(leaves['支出'])} 个功能分类项，{len(leaves['基本支出经济分类'])} 个经济分类款）。")
    except KeyboardInterrupt as exc:
        sys.exit(_interrupted(exc, written))
    except OSError as exc:
        where = f"{exc.filename}：" if exc.filename else ""
        click.echo(f"无法访问文件：{where}{exc.strerror or exc}。", err=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - one line and a log, as render does
        sys.exit(_fail_internal(exc))


def _import_fillin(project: Project, files: tuple[Path, ...], year: Optional[int], unit: Optional[str], force: bool) -> int:
    """``import`` of a fill-in workbook: every problem at its cell, what changes, then the
    records written (an existing one only with ``force``); the exit code."""
    from .records.workbook import plan_import

    if len(files) != 1:
        raise UsageError("填报表请一次导入一个（一个单位一个年度一个工作簿）")
    planned = plan_import(project, files[0], year, unit)
    for problem in planned.ordered():
        click.echo(f"{'警告 ' if problem.severity != 'error' else ''}{problem}", err=True)
    if planned.errors:
        click.echo(f"发现 {len(planned.errors)} 个问题，没有写入任何记录。", err=True)
        return 1
    for note in planned.notes:
        click.echo(note, err=True)
    if planned.empty:
        click.echo("工作簿里还没有填写内容（预算和申报表都是空的），没有写入任何记录。")
        return 0
    if not planned.outputs:
        click.echo(f"{_shown(project.data / str(planned.year) / planned.folder)}：记录与工作簿一致，没有变化。")
        return 0
    for path, new, lines in planned.changes:
        click.echo(f"{_shown(path)}{'（新建）' if new else ''}")
        for line in lines:
            click.echo(f"  {line}")
    if planned.overwrites and not force:
        shown = "、".join(_shown(p) for p in planned.overwrites)
        count = sum(len(lines) for path, new, lines in planned.changes if not new)
        click.echo(f"{shown} 已存在，以上 {count} 处不同；加 --force 写入（记录中的注释和工作簿以外的内容保留）。", err=True)
        return 1
    written = write_all([Output(path, text.encode("utf-8")) for path, text in planned.outputs], project.data)
    click.echo(f"已写入 {len(written)} 份记录。下一步：render --year {planned.year} --unit {planned.folder}")
    return 0


def _check_names(project: Project, year: int, imported, files: tuple[Path, ...]) -> None:
    """The names the tables print against the year's classification.

    A code printed under another name is a warning; a code the classification lacks is
    added to the project's own classification file for that year, marked 未核对 (not
    checked), with a warning, so that the render can name it and a person can check it.
    """
    from .records.budget import classification_year

    folder = project.data / "classifications"
    chosen = classification_year(folder, year)
    added: dict[str, list[str]] = {}
    for kind in ("功能分类", "经济分类"):
        path = folder / str(chosen) / f"{kind}.yaml"
        from .records.loader import read_mapping

        known = {str(k): str(v) for k, v in read_mapping(path, project.root)[0].items()}
        for code, (table_kind, name) in sorted(imported.names.items()):
            if table_kind != kind:
                continue
            if code not in known and name:
                added.setdefault(kind, []).append(f'"{code}": {name}   # 未核对：由 budgetdocs import 从 {"、".join(f.name for f in files)} 加入')
                click.echo(f"警告 {kind}科目 {code}（{name}）不在{chosen}年科目表中，已加入 {_shown(path)}（标为未核对，请核对名称）", err=True)
            elif name and known.get(code) != name:
                click.echo(f"警告 {kind}科目 {code} 在表格中名为“{name}”，{chosen}年科目表中为“{known.get(code)}”", err=True)
    for kind, lines in added.items():
        path = folder / str(chosen) / f"{kind}.yaml"
        text = path.read_text(encoding="utf-8")
        text = text if text.endswith("\n") else text + "\n"
        write_all([Output(path, (text + "\n".join(lines) + "\n").encode("utf-8"))], project.data)


@budgetdocs.command("new-year")
@click.option("--unit", required=True, help="单位简称或全称")
@click.option("--from", "old", type=int, required=True, help="从哪一年的记录转入")
@click.option("--to", "new", type=int, default=None, help="转入哪一年（默认下一年）")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), help="数据目录（默认 ./data）")
def new_year_command(unit: str, old: int, new: Optional[int], data_dir: Optional[Path]) -> None:
    """Carry a unit's records into the next year, marked 草稿 until reviewed."""
    from .records.newyear import new_year

    try:
        project = _project(data_dir, None)
        target = project.registry().resolve(unit)
        written, warnings = new_year(project.data, target.folder, old, new or old + 1)
    except UsageError as exc:
        click.echo(f"用法错误：{exc}", err=True)
        sys.exit(2)
    for path in written:
        click.echo(_shown(path))
    _print_warnings(warnings)
    click.echo(f"已转入 {len(written)} 份记录，均标为草稿：核对后删去“草稿”，并更新金额（上年数会从 {old} 年的记录读取）。")


@budgetdocs.command("workbook")
@click.option("--year", type=int, required=True, help="预算年度")
@click.option("--unit", required=True, help="单位简称或全称")
@click.option("--blank", is_flag=True, help="空白的填报表（不带已有记录的内容）")
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="写到哪个文件（默认 ./<年度>年<单位>预算填报表.xlsx）")
@click.option("--force", is_flag=True, help="覆盖已有的同名工作簿")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), help="数据目录（默认 ./data）")
def workbook_command(year: int, unit: str, blank: bool, out_path: Optional[Path], force: bool, data_dir: Optional[Path]) -> None:
    """Write the unit's fill-in workbook (填报表) of a year: every input of its records, to fill in and import."""
    from .records.workbook_writer import gather, workbook_name, write_workbook

    with _reported():
        project = _project(data_dir, None)
        target = project.registry().resolve(unit)
        context = gather(project, year, target, blank)
        path = (out_path or Path(workbook_name(year, target.folder))).absolute()
        if path.exists() and not force:
            raise UsageError(f"{_shown(path)} 已经存在（可能已填写过）：不会覆盖；换一个文件名（--out），或加 --force 覆盖")
        write_all([Output(path, write_workbook(context))], path.parent)
    held = "和".join((["预算记录"] if context.budget else []) + ([f"{len(context.forms)} 张申报表"] if context.forms else [])) or "空白"
    prior = f"{context.prior_year}年的数在旁边（只读）" if context.prior else f"没有{year - 1}年的预算记录"
    click.echo(f"已写出 {_shown(path)}（{held}；{prior}）。")
    click.echo(f"填好后运行：budgetdocs import {_shown(path)}")


@budgetdocs.command("add-unit")
@click.option("--name", "full_name", required=True, help="全称，如 上海市人力资源和社会保障局咨询服务中心")
@click.option("--short", "shorts", multiple=True, required=True, help="简称（可重复；第一个用作文件夹名）")
@click.option("--kind", type=click.Choice(["部门", "单位"]), required=True, help="部门（编部门预算）或单位（编单位预算）")
@click.option("--dept", default=None, help="所属部门：已登记的部门的简称或全称")
@click.option("--year", "years", type=int, multiple=True, help="建好这些年度的文件夹 data/<年度>/<简称>/（可重复）")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), help="数据目录（默认 ./data）")
def add_unit_command(full_name: str, shorts: tuple[str, ...], kind: str, dept: Optional[str], years: tuple[int, ...], data_dir: Optional[Path]) -> None:
    """Register a 部门 or 预算单位 in data/units.yaml and create its folders."""
    from .records.units import registry_with

    with _reported():
        project = _project(data_dir, None)
        path = project.data / "units.yaml"
        text, unit = registry_with(path, project.root, full_name, shorts, kind, dept)
        write_all([Output(path, text.encode("utf-8"))], project.data)
    click.echo(f"已登记 {unit.full_name}（{unit.kind}，简称 {'、'.join(unit.short_names)}）：{_shown(path)}")
    for year in years:
        folder = project.data / str(year) / unit.folder
        folder.mkdir(parents=True, exist_ok=True)
        click.echo(f"已建好 {_shown(folder)}/")
    if years:
        click.echo(f"下一步：budgetdocs workbook --year {years[0]} --unit {unit.folder} --blank")


if __name__ == "__main__":
    from .client import render

    render()
