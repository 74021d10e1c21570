"""Take a unit's records of one year; give next year's folder, marked 草稿 (draft).

The budget record keeps its texts and structure (职能, 机构, purposes, 名词解释) and
its amounts as a starting point; its prior-year figures (``上年``, ``三公经费.上年``,
``机关运行经费.上年``) are dropped, because the modern edition reads them from this
year's record.  Project forms keep their content with their dates moved a year.
Every record is marked ``草稿: true``: a draft renders with 草稿 on every page and
``--strict`` refuses it, until a person has gone through it and removed the mark.
What the new records still say of the old year, or rest on that was not carried, is
listed with file and line for that review (:func:`review`).
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
from .checks import outside_window, read_date
from .loader import field_name, read_mapping
from .publish import other_level

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
    imported = data.pop("导入待核", None)  # the draft mark asks for the same review of the new year's record
    data["草稿"] = True
    origin = f"；{old}年的记录由 budgetdocs import 从 {imported} 读入，也尚未核对" if imported else ""
    data.yaml_set_comment_before_after_key("草稿", before=f"由 {old} 年记录转入（budgetdocs new-year{origin}）：核对全部内容后删去“草稿”")
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _texts(value, loc: tuple = ()):
    """Every text value of a parsed record, with its location (keys and comments are not values)."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, loc + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, loc + (index,))


def review(path: Path, root: Path, old: int, new: int) -> list[Problem]:
    """What a carried record still says of the old year, or rests on that was not carried.

    W121 a text (a value, never a comment) that names the old year; for a budget record
    W230 a 国有资产.截至日期 outside the new year and the one before (its counts are the
    old year's), W232 a text that names the other level than ``设置.级次`` (a 名词解释 written
    for 市级 in a 区级 record), W235 a setting that compares with figures only a ``上年``
    block holds (上年预算执行数), which is not carried."""
    data, source = read_mapping(path, root)
    warnings = []
    year = re.compile(rf"(?<!\d){old}(?!\d)")
    for loc, text in _texts(data):
        line = next((l.strip() for l in text.splitlines() if year.search(l)), None)
        if line is not None:
            warnings.append(source.problem(loc, "W121", f"仍写着{old}年：{line[:40]}", "warning"))
    if path.stem != "budget":
        return warnings
    settings = data.get("设置") if isinstance(data.get("设置"), dict) else {}
    level, region = str(settings.get("级次", "市级")), str(settings.get("地区", ""))
    for loc, text in _texts({k: v for k, v in data.items() if k != "设置"}):
        word = other_level(text, level, region)
        if word:
            warnings.append(
                source.problem(loc, "W232", f"{field_name(loc)}写着“{word}”，但记录的设置是{level}：转入前是为别的级次写的吗？", "warning")
            )
    assets = data.get("国有资产")
    if isinstance(assets, dict) and isinstance(assets.get("截至日期"), str):
        day = read_date(assets["截至日期"], day_needed=True)[0]
        if day is not None and outside_window(day, new):
            warnings.append(
                source.problem(
                    ("国有资产", "截至日期"), "W230",
                    f"国有资产.截至日期仍是{assets['截至日期']}：车辆和大型设备的数目是{old}年记录的，请按{new - 1}年的截至日期更新", "warning",
                )
            )
    execution = "上年预算执行数"
    if settings.get("比较基数") == execution:
        warnings.append(
            source.problem(
                ("设置", "比较基数"), "W235",
                f"比较基数是上年预算执行数：{old}年的执行数只能写在“上年.收入”，转入时没有带过来，请填写，否则编制说明不作比较", "warning",
            )
        )
    if settings.get("逐项比较") is True and settings.get("逐项比较基数", settings.get("比较基数")) == execution:
        warnings.append(
            source.problem(
                ("设置", "逐项比较"), "W235",
                f"逐项比较以上年预算执行数为基数：{old}年每个项的执行数只能写在“上年.项”，转入时没有带过来，请填写，否则不作逐项比较", "warning",
            )
        )
    return warnings


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
    for path, _ in outputs:
        warnings += review(path, data_dir.parent, old, new)
    return [path for path, _ in outputs], warnings
