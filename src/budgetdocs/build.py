"""Take a project folder, a year and units; decide what to write where, and write it.

The builder loads every record first (collecting all problems), renders every
document in memory, and only then moves the files into place, so a failed run
leaves earlier outputs exactly as they were.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence

from .commit import NAME_MAX, STALE, WriteError, _check_target, recover, write_all  # noqa: F401 - the commit lives there
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
    Validated,
    read_form,
    read_mapping,
    validate_record,
)
from .records.publish import budget_problems, form_problems
from .records.prior import PriorFigures, from_view, resolve
from .records.units import Registry, Unit, load_registry
from .writers import FORMATS

RECORD_SUFFIXES = (".yaml", ".yml", ".json")
BUDGET_STEM = "budget"  # data/<year>/<unit>/budget.yaml is the unit's 部门/单位预算 record


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
            return Path(os.path.abspath(os.environ["BUDGETDOCS_CACHE"]))
        home = os.path.expanduser("~")
        if os.environ.get("XDG_CACHE_HOME", "").startswith("/"):
            return Path(os.environ["XDG_CACHE_HOME"]) / "budgetdocs"
        if home.startswith("/") and home != "/":
            return Path(home) / ".cache" / "budgetdocs"
        # A user without a home folder (a bare uid in a container): a folder of its own in /tmp.
        return Path(tempfile.gettempdir()) / f"budgetdocs-cache-{os.geteuid()}"

    @property
    def templates(self) -> Path:
        """The user's template overrides (may not exist)."""
        return self.root / "templates"

    def registry(self) -> Registry:
        """The unit registry, ``data/units.yaml``."""
        path = self.data / "units.yaml"
        if not os.path.lexists(path) or path.is_dir():  # a pipe or a link is read, and refused, as a record is
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


@contextmanager
def scratch_data(project: "Project", prefix: str) -> Iterator[Path]:
    """A temporary project folder (removed after the block) whose ``data/`` holds the
    project's ``units.yaml`` and classifications, for a render or check of records that
    must not touch the user's own folders; the caller copies in the years it needs."""
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        root = Path(scratch)
        data = root / "data"
        data.mkdir()
        shutil.copy2(project.data / "units.yaml", data / "units.yaml")
        if (project.data / "classifications").is_dir():
            shutil.copytree(project.data / "classifications", data / "classifications")
        yield root


def record_files(folder: Path) -> list[Path]:
    """Project-form record files of one unit and year, in file-name order.  Anything with
    a record's name that is not a folder is listed (a named pipe, a device, a broken link
    too): reading it refuses it with a message, never silently leaves it out."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in RECORD_SUFFIXES and p.stem != BUDGET_STEM and not p.is_dir()
    )


def budget_file(folder: Path) -> Optional[Path]:
    """The unit's budget record, if it has one (whatever it is but a folder: see record_files)."""
    found = [folder / f"{BUDGET_STEM}{suffix}" for suffix in RECORD_SUFFIXES]
    return next((p for p in found if os.path.lexists(p) and not p.is_dir()), None)


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
        complete = True  # every form of the unit read, its money whole: the budget may count and sum them
        folder = project.data / str(year) / unit.folder
        for path in record_files(folder):
            if not path.resolve().is_relative_to(project.data.resolve()):
                # A link to a file outside the data folder is not read (nor its keys printed).
                problems.append(Problem(str(path), 0, 0, "E100", "记录文件是指向数据目录之外的链接，不予读取；请把文件放进数据目录"))
                complete = False
                continue
            loaded, found = read_form(path, year, unit.folder, project.root)
            problems.extend(found)
            if loaded is None:
                complete = False
                continue
            complete = complete and not loaded.damage.keys & MONEY_KEYS
            forms.append(loaded)
            problems.extend(loaded.source.warnings)
            if loaded.form.draft:
                problems.append(loaded.source.problem(("草稿",), "W120", DRAFT_MESSAGE, "warning"))
            problems.extend(check_form(loaded) + form_problems(loaded))
        problems.extend(check_unit_forms(forms))
        result.units.append((unit, forms))
        path = budget_file(folder)
        if path is not None:
            loaded_budget, found = _load_budget(project, path, year, unit, forms, complete)
            problems.extend(found)
            if loaded_budget is not None:
                result.budgets[unit.folder] = loaded_budget
    errors, warnings = split(_unique(problems))
    if errors:
        raise DataError(errors + warnings)
    result.warnings = sorted(warnings)
    return result


# The keys of a form whose money the budget record counts and sums (W204, W205, E208).
MONEY_KEYS = frozenset({"版式", "年度资金", "项目当年预算"})

# Problems that compare, count or sum, and what they rest on: keys of the budget record,
# the unit's forms (申报表) or the prior year's record (上年记录).  With one of them broken
# (a schema problem, reported already) they would mislead, so they wait for the next run.
DEPENDS = {
    "E205": {"类说明"},  # a leaf stood in for has no money: no 类/项 is made up, none asked for wrongly
    "E207": {"项说明"},
    "E208": {"绩效目标管理", "申报表"},
    "E209": {"国有资产"},
    "E220": {"上年", "三公经费", "机关运行经费", "支出", "上年记录"},
    "W201": {"三公经费", "上年", "设置", "上年记录"},
    "W202": {"支出", "上年", "变动原因", "项变动原因", "设置", "上年记录"},
    "W203": {"上年", "三公经费", "机关运行经费", "设置", "上年记录"},
    "W204": {"支出", "绩效目标管理", "申报表"},
    "W205": {"支出", "申报表"},
    "W206": {"支出", "上年", "变动原因", "设置", "上年记录"},
    "W207": {"支出", "上年", "项变动原因", "设置", "上年记录"},
    "W208": {"三公经费", "机关运行经费", "上年", "设置", "上年记录"},
    "W234": {"支出", "上年", "三公经费", "机关运行经费", "设置", "上年记录"},
}


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once (a form that is also another unit's key project is read twice)."""
    return list({(p.file, p.line, p.column, p.code, p.message, p.severity): p for p in problems}.values())


def _read_budget(project: Project, path: Path, year: int) -> tuple[Optional[BudgetView], Optional[Source], Validated, list[Problem]]:
    """Validate one budget record as far as it can be and compute its tables: (the view,
    or None when it cannot be built; its source; what validated; every problem found)."""
    try:
        data, source = read_mapping(path, project.root)
    except DataError as exc:
        return None, None, Validated(None, [], frozenset()), list(exc.problems)
    validated = validate_record(Budget, data, source)
    problems = list(validated.problems)
    if validated.record is None:
        return None, source, validated, problems
    folder = project.data / "classifications"
    try:
        view = build_view(
            validated.record,  # type: ignore[arg-type]
            year,
            load_classification(folder, year, "功能分类", project.root),
            load_classification(folder, year, "经济分类", project.root),
        )
    except DataError as exc:
        return None, source, validated, problems + list(exc.problems)
    problems += check_budget(view, source, validated.damage)
    return view, source, validated, problems


def form_money(loaded: LoadedForm) -> FormMoney:
    """A form's name and money for 绩效目标设置情况: 年度资金申请总额 (2023) or 项目当年预算."""
    return FormMoney(loaded.form.name, loaded.form.money)


def _load_budget(
    project: Project, path: Path, year: int, unit: Unit, own_forms: list[LoadedForm], forms_complete: bool = True
) -> tuple[Optional[LoadedBudget], list[Problem]]:
    """Validate a budget record, compute its tables, find its key projects' forms and,
    for the modern edition, resolve the prior year and write the narrative: (the loaded
    budget, or None when it cannot be built; every problem found, the publish check's
    included).  A check that rests on a broken part waits (``DEPENDS``)."""
    view, source, validated, problems = _read_budget(project, path, year)
    if view is None or source is None:
        return None, problems
    damaged = set(validated.damage.keys) | (set() if forms_complete else {"申报表"})
    budget = view.budget
    edition = disclosure_edition(year, budget.edition)
    problems = list(source.warnings) + problems
    if budget.draft:
        problems.append(source.problem(("草稿",), "W120", DRAFT_MESSAGE, "warning"))
    if budget.imported is not None:
        problems.append(source.problem(("导入待核",), "W123", IMPORTED_MESSAGE.format(budget.imported), "warning"))
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
            if not budget.purposes.get(row.code, "").strip():
                problems.append(source.problem(("类说明", row.code), "E205", f"类说明缺少 {row.code} {row.name} 的“主要用于”说明（编制说明要用）"))
    problems += budget_problems(view, edition, source, validated.damage)
    key_forms = own_forms
    if budget.key_projects is not None and "重点项目" not in damaged:
        key_forms = []
        for index, ref in enumerate(budget.key_projects):
            found = _key_project_file(project, year, ref)
            if found is None:
                problems.append(source.problem(("重点项目", index), "E206", f"重点项目“{ref}”找不到对应的申报表记录（data/{year}/{ref}.yaml）"))
                continue
            key_form, form_found = read_form(found, year, found.parent.name, project.root)
            problems += form_found
            if key_form is not None:  # printed in this document: checked as its own unit's forms are
                key_forms.append(key_form)
                problems += check_form(key_form) + form_problems(key_form)
    loaded = LoadedBudget(view, source, key_forms, [], edition)
    if edition == MODERN:
        record = None
        prior_path = budget_file(project.data / str(year - 1) / unit.folder)
        if prior_path is not None:
            prior_view, prior_source, _, prior_problems = _read_budget(project, prior_path, year - 1)
            problems += prior_problems  # reported with its own file
            if prior_view is None or prior_source is None or split(prior_problems)[0]:
                damaged.add("上年记录")  # nothing to compare with until it is fixed
            else:
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
        if budget.kind == "部门" and "项目经费情况说明" not in damaged:
            notes, found_problems = project_notes(budget, source, key_forms, year, lambda ref: _key_project_file(project, year, ref), project.root)
            loaded.project_notes = notes
            problems += found_problems
    problems = [p for p in problems if not DEPENDS.get(p.code, set()) & damaged]
    loaded.warnings = split(problems)[1]
    return loaded, problems


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
IMPORTED_MESSAGE = ("这份记录由 budgetdocs import 从 {} 读入，尚待核对（导入待核）：对照原PDF核对全部文字和数字，"
                    "核对后删去“导入待核”（--strict 时不生成）")
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
    """The documents of a plan with their layout HTML (Jinja only; cheap).  Templates
    are compiled in memory, never read compiled from a cache (``use_cache`` is unused)."""
    env = make_environment(project.templates)
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


def check_formats(formats: Sequence[str]) -> list[str]:
    """Validate a list of format names."""
    if not formats:
        raise UsageError(f"没有指定输出格式（可选：{','.join(FORMATS)}）")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"未知的输出格式：{'、'.join(unknown)}（可选：{','.join(FORMATS)}）")
    return list(dict.fromkeys(formats))
