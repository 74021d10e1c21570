"""Take a unit's records of one year; give next year's folder, marked 草稿 (draft).

The budget record keeps its texts and structure (职能, 机构, purposes, 名词解释) and
its amounts as a starting point; its prior-year figures (``上年``, ``三公经费.上年``,
``机关运行经费.上年``) are dropped, because the modern edition reads them from this
year's record.  Project forms keep their content with their dates moved a year.
Every record is marked ``草稿: true``: a draft renders with 草稿 on every page and
``--strict`` refuses it, until a person has gone through it and removed the mark.
Texts that still name the old year are listed, with file and line, for that review.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from decimal import Decimal
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import PlainScalarString

from ..errors import Problem, UsageError

DATE_KEYS = ("计划开始日期", "计划完成日期", "开始时间", "结束时间")
PRIOR_KEYS = (("上年",), ("三公经费", "上年"), ("机关运行经费", "上年"))


def _yaml() -> YAML:
    from .loader import (
        _Constructor,  # dates stay text, amounts Decimal, as the loader reads them
    )

    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.representer.add_representer(Decimal, lambda r, d: r.represent_scalar("tag:yaml.org,2002:float", f"{d:f}"))
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def carried(text: str, old: int, new: int, budget: bool) -> str:
    """One record's text for the next year: dates moved, prior figures dropped, marked 草稿."""
    yaml = _yaml()
    data = yaml.load(text)
    for key in DATE_KEYS:
        if key in data and data[key] is not None:
            data[key] = PlainScalarString(re.sub(rf"(?<!\d){old}(?!\d)", str(new), str(data[key])))
    if budget:
        for path in PRIOR_KEYS:
            holder = data
            for key in path[:-1]:
                holder = holder.get(key) if hasattr(holder, "get") else None
            if holder is not None and path[-1] in holder:
                del holder[path[-1]]
    data["草稿"] = True
    data.yaml_set_comment_before_after_key("草稿", before=f"由 {old} 年记录转入（budgetdocs new-year）：核对全部内容后删去“草稿”")
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def old_year_lines(path: Path, text: str, old: int, shown: str) -> list[Problem]:
    """Warnings for every line that still names the old year."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if re.search(rf"(?<!\d){old}(?!\d)", line) and not line.lstrip().startswith("#"):
            problems.append(Problem(shown, number, 1, "W121", f"仍写着{old}年：{line.strip()[:40]}", "warning"))
    return problems


def new_year(data_dir: Path, folder: str, old: int, new: int) -> tuple[list[Path], list[Problem]]:
    """Write ``data/<new>/<folder>/`` from ``data/<old>/<folder>/``; never over an existing folder."""
    source = data_dir / str(old) / folder
    target = data_dir / str(new) / folder
    if not source.is_dir():
        raise UsageError(f"{old}年没有{folder}的记录（{source} 不存在）")
    if target.exists():
        raise UsageError(f"{target} 已经存在：不会覆盖已有的{new}年记录")
    files = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml"))
    outputs = []
    for path in files:
        text = carried(path.read_text(encoding="utf-8"), old, new, budget=path.stem == "budget")
        outputs.append((target / path.name, text))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        for path, text in outputs:
            (staging / path.name).write_text(text, encoding="utf-8")
        os.replace(staging, target)  # the whole folder appears at once
    finally:
        if staging.exists():
            for leftover in staging.iterdir():
                leftover.unlink()
            staging.rmdir()
    warnings = []
    for path, text in outputs:
        warnings += old_year_lines(path, text, old, str(path.relative_to(data_dir.parent) if path.is_relative_to(data_dir.parent) else path))
    return [path for path, _ in outputs], warnings
