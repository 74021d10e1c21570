"""Take a project folder, a year and units; decide what to write where, and write it.

The builder loads every record first (collecting all problems), renders every
document in memory, and only then moves the files into place, so a failed run
leaves earlier outputs exactly as they were.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from pydantic import ValidationError

from .errors import DataError, Problem, UsageError
from .jobs import Cache, DocumentJob, Stats
from .jobs import run as run_jobs
from .layout.html import BUILTIN_TEMPLATES, make_environment, render_html
from .layout.narrative import (
    FormMoney,
    Narrative,
    budget_notes,
    other_notes,
    to_wan,
    wan_text,
)
from .layout.projectnotes import ProjectNoteText, project_notes
from .records.budget import MODERN, BudgetView, build_view, check_budget, disclosure_edition, load_classification
from .records.budget_model import Budget
from .records.checks import (
    check_form,
    check_tenths,
    check_three_public,
    check_unit_forms,
    split,
)
from .records.loader import (
    LoadedForm,
    Source,
    load_form,
    read_mapping,
    validation_problems,
)
from .records.prior import PriorFigures, from_view, resolve
from .records.units import Registry, Unit, load_registry
from .writers import FORMATS

RECORD_SUFFIXES = (".yaml", ".yml", ".json")
BUDGET_STEM = "budget"  # data/<year>/<unit>/budget.yaml is the unit's 部门/单位预算 record
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@dataclass(frozen=True)
class Project:
    """The user's project folder: ``data/``, ``templates/`` (optional) and ``output/``."""

    root: Path
    data: Path
    out: Path

    @classmethod
    def at(cls, root: Path, data: Optional[Path] = None, out: Optional[Path] = None) -> "Project":
        """Project rooted at ``root`` with optional other data/output folders."""
        root = root.resolve()
        return cls(root, (data or root / "data").resolve(), (out or root / "output").resolve())

    @property
    def cache(self) -> Path:
        """Where laid-out parts are kept between runs: $BUDGETDOCS_CACHE, else the user's cache folder."""
        if os.environ.get("BUDGETDOCS_CACHE"):
            return Path(os.environ["BUDGETDOCS_CACHE"])
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "budgetdocs"

    @property
    def templates(self) -> Path:
        """The user's template overrides (may not exist)."""
        return self.root / "templates"

    def registry(self) -> Registry:
        """The unit registry, ``data/units.yaml``."""
        path = self.data / "units.yaml"
        if not path.is_file():
            raise UsageError(f"找不到单位登记文件 {path}（应在数据目录下的 units.yaml）")
        return load_registry(path, self.root)


@dataclass
class Output:
    """One file to write: its path and bytes."""

    path: Path
    data: bytes


@dataclass
class LoadedBudget:
    """A validated budget record, its computed tables, its key projects' forms and,
    in the modern edition, its generated narrative."""

    view: BudgetView
    source: Source
    key_forms: list[LoadedForm]
    warnings: list[Problem] = field(default_factory=list)
    edition: str = "2017"
    prior: Optional[PriorFigures] = None
    notes: Optional[Narrative] = None
    other: Optional[Narrative] = None
    project_notes: list[ProjectNoteText] = field(default_factory=list)


@dataclass
class Plan:
    """What one run renders: per unit, its loaded forms and budget record."""

    year: int
    units: list[tuple[Unit, list[LoadedForm]]] = field(default_factory=list)
    budgets: dict[str, LoadedBudget] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def record_files(folder: Path) -> list[Path]:
    """Project-form record files of one unit and year, in file-name order."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in RECORD_SUFFIXES and p.stem != BUDGET_STEM
    )


def budget_file(folder: Path) -> Optional[Path]:
    """The unit's budget record, if it has one."""
    found = [folder / f"{BUDGET_STEM}{suffix}" for suffix in RECORD_SUFFIXES]
    return next((p for p in found if p.is_file()), None)


def units_with_records(project: Project, year: int) -> list[str]:
    """Folder names under ``data/<year>/`` that hold records."""
    year_dir = project.data / str(year)
    if not year_dir.is_dir():
        return []
    return sorted(d.name for d in year_dir.iterdir() if d.is_dir() and (record_files(d) or budget_file(d)))


def plan(project: Project, year: int, unit_names: Sequence[str], every: bool) -> Plan:
    """Resolve units, check the year has data, load and validate every record."""
    registry = project.registry()
    available = units_with_records(project, year)
    if not available:
        years = sorted(d.name for d in project.data.iterdir() if d.is_dir() and d.name.isdigit())
        raise UsageError(f"{year}年没有数据（{project.data / str(year)} 不存在或为空）。有数据的年度：{'、'.join(years) or '无'}")
    if every:
        chosen = []
        for folder in available:
            unit = registry.by_folder(folder)
            if unit is None:
                raise UsageError(f"数据目录 {folder} 不是已登记单位的简称（见 data/units.yaml）")
            chosen.append(unit)
    else:
        chosen = [registry.resolve(name) for name in unit_names]
        for unit in chosen:
            if unit.folder not in available:
                raise UsageError(
                    f"{unit.full_name}在{year}年没有记录（应在 data/{year}/{unit.folder}/）。"
                    f"{year}年有记录的单位：{'、'.join(available)}"
                )
    result = Plan(year)
    problems: list[Problem] = []
    for unit in chosen:
        forms = []
        folder = project.data / str(year) / unit.folder
        for path in record_files(folder):
            if not path.resolve().is_relative_to(project.data.resolve()):
                # A link to a file outside the data folder is not read (nor its keys printed).
                problems.append(Problem(str(path), 0, 0, "E100", "记录文件是指向数据目录之外的链接，不予读取；请把文件放进数据目录"))
                continue
            try:
                loaded = load_form(path, year, unit.folder, project.root)
            except DataError as exc:
                problems.extend(exc.problems)
                continue
            forms.append(loaded)
            problems.extend(loaded.source.warnings)
            if loaded.form.draft:
                problems.append(loaded.source.problem(("草稿",), "W120", DRAFT_MESSAGE, "warning"))
            problems.extend(check_form(loaded))
        problems.extend(check_unit_forms(forms))
        result.units.append((unit, forms))
        path = budget_file(folder)
        if path is not None:
            try:
                result.budgets[unit.folder] = _load_budget(project, path, year, unit, forms)
                problems.extend(result.budgets[unit.folder].warnings)
            except DataError as exc:
                problems.extend(exc.problems)
    errors, warnings = split(problems)
    if errors:
        raise DataError(errors + warnings)
    result.warnings = sorted(warnings)
    return result


def _read_budget(project: Project, path: Path, year: int) -> tuple[BudgetView, Source]:
    """Validate one budget record and compute its tables (errors raise DataError)."""
    data, source = read_mapping(path, project.root)
    try:
        budget = Budget.model_validate(data)
    except ValidationError as exc:
        raise DataError(validation_problems(exc, source)) from None
    folder = project.data / "classifications"
    view = build_view(
        budget,
        year,
        load_classification(folder, year, "功能分类", project.root),
        load_classification(folder, year, "经济分类", project.root),
    )
    errors, _ = split(check_budget(view, source))
    if errors:
        raise DataError(errors)
    return view, source


def form_money(loaded: LoadedForm) -> FormMoney:
    """A form's name and money for 绩效目标设置情况: 年度资金申请总额 (2023) or 项目当年预算."""
    return FormMoney(loaded.form.name, loaded.form.money)


def _load_budget(project: Project, path: Path, year: int, unit: Unit, own_forms: list[LoadedForm]) -> LoadedBudget:
    """Validate a budget record, compute its tables, find its key projects' forms and,
    for the modern edition, resolve the prior year and write the narrative."""
    view, source = _read_budget(project, path, year)
    budget = view.budget
    edition = disclosure_edition(year, budget.edition)
    problems = list(source.warnings) + check_budget(view, source)
    if budget.draft:
        problems.append(source.problem(("草稿",), "W120", DRAFT_MESSAGE, "warning"))
    if edition == MODERN:
        leaf_index = {leaf.code: i for i, leaf in enumerate(budget.spending)}
        fiscal_items = [r for r in view.fiscal_table.rows if r.level == 2 and r.values[0]]
        for row in fiscal_items:
            if not budget.item_purposes.get(row.code, "").strip():
                problems.append(
                    source.problem(
                        ("支出", leaf_index.get(row.code, 0), "科目"),
                        "E207",
                        f"项说明缺少 {row.code} {row.name} 的“主要用于”说明（编制说明要用）",
                    )
                )
    else:
        problems += check_three_public(budget, source) + check_tenths(budget, source)
        for row in view.fiscal_categories:
            if row.code not in budget.purposes:
                problems.append(source.problem(("类说明",), "E205", f"类说明缺少 {row.code} {row.name} 的“主要用于”说明（编制说明要用）"))
    key_forms = own_forms
    if budget.key_projects is not None:
        key_forms = []
        for index, ref in enumerate(budget.key_projects):
            found = _key_project_file(project, year, ref)
            if found is None:
                problems.append(source.problem(("重点项目", index), "E206", f"重点项目“{ref}”找不到对应的申报表记录（data/{year}/{ref}.yaml）"))
                continue
            try:
                key_forms.append(load_form(found, year, found.parent.name, project.root))
            except DataError as exc:
                problems.extend(exc.problems)
    loaded = LoadedBudget(view, source, key_forms, [], edition)
    if edition == MODERN:
        record = None
        prior_path = budget_file(project.data / str(year - 1) / unit.folder)
        if prior_path is not None:
            try:
                prior_view, prior_source = _read_budget(project, prior_path, year - 1)
            except DataError as exc:  # reported with its own file; nothing to compare with
                raise DataError(problems + exc.problems) from None
            record = from_view(prior_view)
            record.origin = prior_source.shown
        prior, found_problems = resolve(budget, year, source, record)
        problems += found_problems
        if budget.settings.per_item and prior.items is None and prior.anything:
            problems.append(
                source.problem(("设置", "逐项比较"), "W203", f"逐项比较需要{year - 1}年每个项的金额（上年.项，或上年的预算记录），现不作逐项比较", "warning")
            )
        name = unit.full_name
        loaded.prior = prior
        loaded.notes = budget_notes(view, prior, name, source)
        loaded.other = other_notes(view, prior, name, [form_money(f) for f in own_forms], source)
        problems += loaded.notes.problems + loaded.other.problems
        appropriation = sum((getattr(getattr(f.form, "annual_funds", None), "appropriation", None) or Decimal(0) for f in own_forms), Decimal(0))
        project_fiscal = view.general_table.total[2] if view.general_table.rows else Decimal(0)
        if own_forms and all(hasattr(f.form, "annual_funds") for f in own_forms) and appropriation != project_fiscal:
            problems.append(
                source.problem(
                    ("支出",),
                    "W205",
                    f"本单位申报表的当年财政拨款合计 {appropriation:,.2f} 元，与一般公共预算项目支出 {project_fiscal:,.2f} 元不一致"
                    "（申报表或预算表有一处没有同步修改？）",
                    "warning",
                )
            )
        performance = loaded.other.figures.get("绩效目标.金额")
        project_total = to_wan(view.spending_table.total[2]) if view.spending_table.rows else Decimal(0)
        if performance is not None and performance > project_total:
            problems.append(
                source.problem(
                    ("绩效目标管理",),
                    "W204",
                    f"编报绩效目标的项目资金 {wan_text(performance)} 万元大于支出预算总表的项目支出 {wan_text(project_total)} 万元",
                    "warning",
                )
            )
        if budget.kind == "部门":
            notes, found_problems = project_notes(budget, source, key_forms, year, lambda ref: _key_project_file(project, year, ref), project.root)
            loaded.project_notes = notes
            problems += found_problems
    errors, warnings = split(problems)
    if errors:
        raise DataError(errors + warnings)
    loaded.warnings = warnings
    return loaded


def _display_stem(loaded: LoadedForm) -> str:
    """Project part of an output name: the record's file name without its order prefix."""
    stem = loaded.stem
    head, sep, rest = stem.partition("-")
    return rest if sep and head.isdigit() and rest else stem


def form_documents(year: int, unit: Unit, forms: list[LoadedForm]) -> list[tuple[str, dict]]:
    """(output stem, template context) for each document of one unit's forms.

    One form gives ``绩效目标申报表-<项目>``; several give one 汇总表 with a cover,
    one section (and one sheet) per form, as in seed 003.
    """
    items = [
        {"form": f.form, "unit": unit, "year": year, "edition": f.edition, "sheet": _display_stem(f)}
        for f in forms
    ]
    sample = any(f.form.sample for f in forms)
    draft = any(f.form.draft for f in forms)
    if len(forms) == 1:
        title = f"{forms[0].form.name}绩效目标申报表"
        return [(f"绩效目标申报表-{_display_stem(forms[0])}", {"title": title, "forms": items, "cover": None, "sample": sample, "draft": draft, "author": unit.full_name})]
    title = f"{unit.full_name}{year}年度项目绩效目标汇总表"
    return [(f"{year}年度项目绩效目标汇总表", {"title": title, "forms": items, "cover": title, "cover_phrases": [unit.full_name, f"{year}年度项目绩效目标汇总表"],
                                     "sample": sample, "draft": draft, "author": unit.full_name})]


def _key_project_file(project: Project, year: int, ref: str) -> Optional[Path]:
    """The record file a ``重点项目`` entry (``<unit folder>/<record name>``) names, if exactly one."""
    folder_name, _, stem = ref.partition("/")
    folder = project.data / str(year) / folder_name
    if not folder_name or not stem or ".." in ref or not folder.is_dir():
        return None
    matches = [p for p in record_files(folder) if p.stem == stem]
    return matches[0] if len(matches) == 1 else None


DRAFT_MESSAGE = "这份记录是草稿（草稿: true），每页标注“草稿”：核对全部内容后删去“草稿”再发布（--strict 时不生成）"
def disclosure_document(year: int, unit: Unit, loaded: LoadedBudget, registry_units: dict[str, Unit]) -> tuple[str, dict]:
    """(output stem, template context) of a unit's 部门/单位预算 disclosure."""
    budget = loaded.view.budget
    items = [
        {
            "form": f.form,
            "unit": registry_units.get(f.unit_folder, unit),
            "year": year,
            "edition": f.edition,
            "sheet": _display_stem(f),
        }
        for f in loaded.key_forms
    ]
    title = f"{year}年{unit.full_name}{budget.kind}预算"
    context = {
        "title": title,
        "author": unit.full_name,
        "sample": budget.sample,
        "draft": budget.draft or any(f.form.draft for f in loaded.key_forms),
        "view": loaded.view,
        "unit_obj": unit,
        "edition": loaded.edition,
        "forms": items,
        "notes": loaded.notes,
        "other": loaded.other,
        "project_notes": loaded.project_notes,
    }
    return f"{year}年{unit.folder}{budget.kind}预算", context


def documents(project: Project, the_plan: Plan, use_cache: bool = False) -> list[DocumentJob]:
    """The documents of a plan with their layout HTML (Jinja only; cheap).  With
    ``use_cache`` compiled templates are kept in the project's cache folder."""
    env = make_environment(project.templates, project.cache if use_cache else None)
    date = datetime(the_plan.year, 1, 1)
    registry_units = {u.folder: u for u in project.registry().units}
    result = []
    for unit, forms in the_plan.units:
        folder = project.out / str(the_plan.year) / unit.folder
        todo = [("forms.html.j2", stem, context) for stem, context in form_documents(the_plan.year, unit, forms)] if forms else []
        if unit.folder in the_plan.budgets:
            stem, context = disclosure_document(the_plan.year, unit, the_plan.budgets[unit.folder], registry_units)
            template = "disclosure-2019.html.j2" if context["edition"] == MODERN else "disclosure.html.j2"
            todo.insert(0, (template, stem, context))
        for template, stem, context in todo:
            html = render_html(env, template, **context)
            result.append(DocumentJob(stem, folder, html, context["title"], context["author"], date))
    return result


def render_with_stats(
    project: Project,
    the_plan: Plan,
    formats: Sequence[str],
    jobs: int = 1,
    use_cache: bool = False,
    progress: Optional[Callable[[int, int], None]] = None,
    pool=None,
) -> tuple[list[Output], Stats]:
    """Render every document of the plan in memory, in every requested format; also
    report what was laid out and what came from the cache.

    ``pool`` is a worker pool kept between runs (``--watch``); by default each run
    starts its own.
    """
    folders = [project.templates, BUILTIN_TEMPLATES]
    cache = Cache(project.cache if use_cache else None)
    files, stats = run_jobs(documents(project, the_plan, use_cache), formats, folders, BUILTIN_TEMPLATES, cache, jobs, progress, pool)
    return [Output(path, data) for path, data in files], stats


class WriteError(Exception):
    """The outputs could not be put in place; the message says what, and what was kept."""


NAME_MAX = 255  # bytes in one file name on the usual file systems
STALE = ".tmp-"  # prefix of our staged files; any left in an output folder is from a run that died


def _check_target(path: Path, out_root: Path) -> Optional[str]:
    """Why ``path`` cannot receive an output, or None."""
    if not path.is_relative_to(out_root):
        return f"拒绝写到输出目录之外：{path}"
    if len(path.name.encode("utf-8")) > NAME_MAX:
        return f"文件名太长（{len(path.name.encode('utf-8'))}字节，最多{NAME_MAX}字节）：{path.name}"
    if path.is_dir():
        return f"{path} 是一个文件夹，不能用同名文件替换"
    for parent in path.parents:
        if parent == out_root.parent:
            break
        if parent.exists() and not parent.is_dir():
            return f"{parent} 是一个文件，不能用作文件夹"
    return None


def write_all(outputs: Iterable[Output], out_root: Path) -> list[Path]:
    """Put every output in place, all or nothing.

    Under a lock on the output folder (two renders never interleave their files):
    every target is checked first, then every file is written to a temporary file
    beside its target (registered before it is written, removed on any failure,
    and swept by the next run if this one is killed), and only then are they all
    renamed into place.  A failure before the renames leaves every earlier output
    as it was, and the message says so; the renames themselves do not fail on a
    checked target.
    """
    out_root = out_root.resolve()
    outputs = list(outputs)
    problems = [reason for o in outputs if (reason := _check_target(o.path.resolve(), out_root))]
    if problems:
        raise WriteError("；".join(problems) + "。原有输出保持不变。")
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        lock = open(out_root / ".budgetdocs.lock", "a+")
    except OSError as exc:
        raise WriteError(f"{exc.filename or out_root}（{exc.strerror or exc}）。原有输出保持不变。") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # waits for another render writing here
        folders = {o.path.resolve().parent for o in outputs}
        for folder in folders:
            for stale in folder.glob(f"{STALE}*") if folder.is_dir() else ():
                stale.unlink(missing_ok=True)
        staged: list[tuple[str, Path]] = []
        written: list[Path] = []
        try:
            for output in outputs:
                target = output.path.resolve()
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    fd, tmp = tempfile.mkstemp(prefix=STALE, suffix=target.suffix, dir=target.parent)
                    staged.append((tmp, target))  # registered before a byte is written
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(output.data)
                    os.chmod(tmp, 0o666 & ~_UMASK)
                except OSError as exc:
                    raise WriteError(f"{target.name}（{exc.strerror or exc}）。原有输出保持不变。") from None
            for tmp, target in staged:
                try:
                    os.replace(tmp, target)
                except OSError as exc:
                    done = "、".join(p.name for p in written) or "无"
                    raise WriteError(f"{target.name}（{exc.strerror or exc}）。已替换的文件：{done}；其余保持原样。") from None
                written.append(target)
        finally:
            for tmp, _ in staged:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    return written


def check_formats(formats: Sequence[str]) -> list[str]:
    """Validate a list of format names."""
    if not formats:
        raise UsageError(f"没有指定输出格式（可选：{','.join(FORMATS)}）")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"未知的输出格式：{'、'.join(unknown)}（可选：{','.join(FORMATS)}）")
    return list(dict.fromkeys(formats))
