"""Take a 部门's budget record and its key projects' forms; give the 项目经费情况说明 (FORMS.md §5.5).

One block per key project, seven headings (一、项目概述 … 七、绩效目标).  Most
of the text is already in the project's 绩效目标申报表 record, so it is taken
from there; an entry of ``项目经费情况说明`` in the budget record may name the
form (``项目: <单位简称>/<记录文件名>``) and override any heading's text, or
give every text itself when the form is not in the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..errors import DataError, Problem
from ..records.budget_model import Budget, ProjectNote
from ..records.loader import LoadedForm, Source, load_form
from .narrative import to_wan, wan_text

HEADINGS = (
    ("overview", "项目概述"),
    ("basis", "立项依据"),
    ("implementer", "实施主体"),
    ("plan", "实施方案"),
    ("period", "实施周期"),
    ("budget", "年度预算安排"),
    ("goals", "绩效目标"),
)
GOALS_DEFAULT = "详见单位的项目绩效目标表"


@dataclass
class ProjectNoteText:
    """A project's 经费情况说明: its name and (heading, text) sections in order."""

    name: str
    sections: list[tuple[str, str]]


def _from_form(form, year: int) -> dict[str, str]:
    """What a 绩效目标申报表 record says under each heading ('' where it says nothing)."""
    money = form.money
    overview = getattr(form, "overview", "") or getattr(form, "annual_goal", "") or getattr(form, "overall_goal", "")
    return {
        "overview": overview,
        "basis": getattr(form, "basis", ""),
        "implementer": getattr(form, "implementer", ""),
        "plan": getattr(form, "plan", ""),
        "period": f"{form.start}至{form.end}" if getattr(form, "start", "") and getattr(form, "end", "") else "",
        "budget": f"{year}年预算安排{wan_text(to_wan(money))}万元。" if money else "",
        "goals": GOALS_DEFAULT,
    }


def _note(name: str, texts: dict[str, str]) -> ProjectNoteText:
    return ProjectNoteText(name, [(label, texts[key].strip()) for key, label in HEADINGS if texts.get(key, "").strip()])


def project_notes(
    budget: Budget,
    source: Source,
    key_forms: Sequence[LoadedForm],
    year: int,
    find: Callable[[str], Optional[Path]],
    root: Path,
) -> tuple[list[ProjectNoteText], list[Problem]]:
    """The 项目经费情况说明 blocks of a 部门, and the problems found building them."""
    problems: list[Problem] = []
    if budget.project_notes is None:
        return [_note(f.form.name, _from_form(f.form, year)) for f in key_forms], problems
    result = []
    for index, entry in enumerate(budget.project_notes):
        texts: dict[str, str] = {}
        name = entry.name
        if entry.project:
            path = find(entry.project)
            if path is None:
                problems.append(
                    source.problem(
                        ("项目经费情况说明", index, "项目"),
                        "E206",
                        f"项目经费情况说明引用的“{entry.project}”找不到对应的申报表记录（data/{year}/{entry.project}.yaml）",
                    )
                )
                continue
            try:
                form = load_form(path, year, path.parent.name, root).form
            except DataError as exc:
                problems.extend(exc.problems)
                continue
            texts = _from_form(form, year)
            name = name or form.name
        texts.update(_typed(entry))
        texts.setdefault("goals", GOALS_DEFAULT)
        if not name and budget.settings.project_title:  # a heading without the name (项目说明标题: false) needs none
            problems.append(source.problem(("项目经费情况说明", index), "E111", "项目经费情况说明：缺少项目名称（或引用申报表的“项目”）"))
            continue
        result.append(_note(name or "", texts))
    return result, problems


def _typed(entry: ProjectNote) -> dict[str, str]:
    return {key: getattr(entry, key) for key, _ in HEADINGS if getattr(entry, key) is not None}
