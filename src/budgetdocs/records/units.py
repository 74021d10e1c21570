"""Take ``data/units.yaml``; give the registered units and resolve what a user typed."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ..errors import DataError, UsageError
from .loader import read_mapping, validation_problems


# A short name is also a folder name under data/ and output/: nothing that
# could leave the folder (/, \\, ..) or that a file system rejects.
def _safe_name(name: str) -> str:
    if name in (".", "..") or _UNSAFE.search(name):
        raise ValueError(f"简称“{name}”不能用作文件夹名（不能含 / \\ : * ? \" < > | 或控制字符，也不能是 . 或 ..）")
    return name


_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f]')
SafeName = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_safe_name)]


class Unit(BaseModel):
    """A 部门 or 预算单位: full name, short names (the first is its folder name)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    full_name: str = Field(alias="全称", min_length=2)
    short_names: tuple[SafeName, ...] = Field(alias="简称", min_length=1)
    kind: Literal["部门", "单位"] = Field(alias="类型")
    parent: Optional[str] = Field(default=None, alias="部门", description="所属部门（已登记的部门的简称或全称）")

    @property
    def folder(self) -> str:
        """Folder name under ``data/<year>/`` and ``output/<year>/``."""
        return self.short_names[0]

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a user may type for this unit."""
        return (self.full_name, *self.short_names)


class _RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    units: list[Unit] = Field(alias="单位", min_length=1)


@dataclass(frozen=True)
class Registry:
    """All registered units, in registry order."""

    units: tuple[Unit, ...]

    def by_folder(self, folder: str) -> Optional[Unit]:
        """The unit whose folder is ``folder``, if any."""
        return next((u for u in self.units if u.folder == folder), None)

    def resolve(self, name: str) -> Unit:
        """The one unit called ``name`` (exactly, else by unique substring); else a usage error."""
        name = name.strip()
        exact = [u for u in self.units if name in u.names]
        if len(exact) == 1:
            return exact[0]
        partial = [u for u in self.units if any(name in n for n in u.names)] if name else []
        if len(partial) == 1:
            return partial[0]
        if len(partial) > 1:
            listed = "、".join(u.folder for u in partial)
            raise UsageError(f"单位“{name}”不唯一，可能是：{listed}。请写全称或简称。")
        every = [n for u in self.units for n in u.names]
        close = difflib.get_close_matches(name, every, n=3, cutoff=0.3)
        hint = f"最接近的有：{'、'.join(close)}" if close else "已登记的单位见 data/units.yaml"
        raise UsageError(f"没有名为“{name}”的单位。{hint}")


def load_registry(path: Path, root: Optional[Path] = None) -> Registry:
    """Read and validate ``units.yaml``; every bad entry is a located problem."""
    data, source = read_mapping(path, root)
    try:
        parsed = _RegistryFile.model_validate(data)
    except ValidationError as exc:
        raise DataError(validation_problems(exc, source)) from None
    registry = Registry(tuple(parsed.units))
    problems = []
    for index, unit in enumerate(registry.units):
        if unit.parent is not None and not any(u.kind == "部门" and unit.parent in u.names for u in registry.units):
            problems.append(source.problem(("单位", index, "部门"), "E110", f"单位[{index + 1}].部门：“{unit.parent}”不是已登记的部门"))
    if problems:
        raise DataError(problems)
    return registry


def registry_with(path: Path, root: Optional[Path], full_name: str, shorts: tuple[str, ...], kind: str,
                  parent: Optional[str]) -> tuple[str, Unit]:
    """``units.yaml``'s text with one more unit (comments and the others kept; a new file
    when there is none), and that unit.  A name already taken, a short name that cannot be
    a folder, or a 部门 that is not registered is a usage error naming the registry."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from ..errors import display_path

    exists = path.is_file()
    registry = load_registry(path, root) if exists else Registry(())
    where = display_path(path, root)
    for name in (full_name, *shorts):
        holder = next((u for u in registry.units if name in u.names), None)
        if holder is not None:
            raise UsageError(f"名称“{name}”已被{holder.full_name}使用（{where}）：请换一个，或直接使用已登记的单位")
    if parent is not None:
        departments = [u for u in registry.units if u.kind == "部门"]
        found = [u for u in departments if parent.strip() in u.names] or [u for u in departments if any(parent.strip() in n for n in u.names)]
        if len(found) != 1 or not parent.strip():
            names = [n for u in departments for n in u.names]
            close = difflib.get_close_matches(parent, names, n=3, cutoff=0.3)
            hint = f"最接近的有：{'、'.join(close)}" if close else (f"已登记的部门：{'、'.join(u.folder for u in departments)}" if departments else "还没有登记任何部门")
            raise UsageError(f"没有名为“{parent}”的部门（{where}）。{hint}")
        parent = found[0].folder
    entry = {"全称": full_name, "简称": list(shorts), "类型": kind}
    if parent is not None:
        entry["部门"] = parent
    try:
        unit = Unit.model_validate(entry)
    except ValidationError as exc:
        messages = "；".join(str(e.get("ctx", {}).get("error", e["msg"])) for e in exc.errors(include_url=False))
        raise UsageError(f"{messages}（{where}）") from None
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(path.read_text(encoding="utf-8")) if exists else None
    if not isinstance(data, CommentedMap):
        data = CommentedMap()
        data.yaml_set_start_comment("登记的部门和预算单位：简称的第一个是 data/<年度>/ 和 output/<年度>/ 下的文件夹名。")
    units = data.get("单位")
    if not isinstance(units, list):
        units = data["单位"] = CommentedSeq()
    node = CommentedMap(entry)
    short = CommentedSeq(shorts)
    short.fa.set_flow_style()
    node["简称"] = short
    units.append(node)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue(), unit
